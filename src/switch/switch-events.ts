// What: the typed events SwitchService emits after a configuration change is durable; the
// datapath runtime subscribes to them to attach, reconfigure and detach bridges and ports.
//
// Design: one event per object and kind of change, carrying full configs (old and new for
// changes) so a subscriber never has to diff or query back. Order is fixed:
//   adding a bridge:   bridge-added, then port-added for each of its ports (ofport order)
//   removing a bridge: port-removed for each port, then bridge-removed
//   deleting a port:   port-removed, then bridge-changed if static MACs on it were dropped
// Attach ports on port-added, never from `bridge.ports` of bridge-added (that would attach twice).
// `reason` says why: "startup" (replaying the stored configuration when the service starts),
// "config" (a REST/CLI change), "shutdown" (the daemon is stopping: detach, the config stays).
//
// Invariants: an event is emitted only after the change was persisted and committed in memory;
// payloads are private copies (a subscriber may keep or mutate them).
//
// Threading: emitted synchronously on the main thread; a throwing listener is logged and does
// not stop other listeners or fail the change (it is already durable).

import type { BridgeConfig, PortConfig } from "../config/model.ts";

export type ChangeReason = "startup" | "config" | "shutdown";

export interface BridgeAddedEvent {
  bridge: BridgeConfig;
  reason: ChangeReason;
}

export interface BridgeRemovedEvent {
  bridge: BridgeConfig;
  reason: ChangeReason;
}

/** Bridge-level settings changed: failMode, MAC aging, MAC table size, static MACs or controllers. */
export interface BridgeChangedEvent {
  old: BridgeConfig;
  new: BridgeConfig;
  reason: ChangeReason;
}

export interface PortAddedEvent {
  bridge: string;
  port: PortConfig;
  reason: ChangeReason;
}

export interface PortRemovedEvent {
  bridge: string;
  port: PortConfig;
  reason: ChangeReason;
}

export interface PortChangedEvent {
  bridge: string;
  old: PortConfig;
  new: PortConfig;
  reason: ChangeReason;
}

export interface SwitchEventMap {
  "bridge-added": [BridgeAddedEvent];
  "bridge-removed": [BridgeRemovedEvent];
  "bridge-changed": [BridgeChangedEvent];
  "port-added": [PortAddedEvent];
  "port-removed": [PortRemovedEvent];
  "port-changed": [PortChangedEvent];
}

export type SwitchEventName = keyof SwitchEventMap;

/** One event waiting to be emitted once its change is committed. */
export type PendingEvent = {
  [K in SwitchEventName]: { name: K; payload: SwitchEventMap[K][0] };
}[SwitchEventName];
