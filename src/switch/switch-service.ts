// What: SwitchService, the configuration service — the single owner of the switch's
// configuration (bridges, ports, VLAN settings, fail mode, MAC aging/table size, static MACs,
// controller targets).
// The REST API calls it; the datapath runtime listens to its events; the config store keeps it.
//
// Design: every change runs the same pipeline, one change at a time:
//
//   request ──► build candidate BridgeConfig (a copy) ──► semantic rules ──► store.putBridge
//               (port-rules.ts, bridge-rules.ts)            │ throw = reject  │ resolves after fsync
//                                                           ▼                 ▼
//                                          nothing changed           commit in memory ──► events
//
// Changes are serialized through a promise chain, so two concurrent REST calls never validate
// against the same stale state (no duplicate port names across bridges, no lost updates).
// Reads answer from the committed in-memory state and never wait for the chain.
// Port statistics and the FDB come from the injected DataplaneView; static MACs are
// configuration, kept here and merged into the FDB view (configured entries win).
//
// Invariants:
// - in memory == what the store holds: memory changes only after putBridge/deleteBridge
//   resolved; if a rule or the store fails, memory is untouched and no event is emitted;
// - port names are unique across the whole switch; ofports are unique within a bridge and
//   assigned as the lowest free number ≥ 1 when not requested;
// - committed configs are never mutated (every change builds a copy), so returned objects and
//   event payloads can be handed out as copies without aliasing.
//
// Threading: main thread. Events are emitted synchronously after the commit.

import { EventEmitter } from "node:events";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "pino";
import {
  ERR_BRIDGE_EXISTS,
  ERR_BRIDGE_NOT_FOUND,
  ERR_OFPORT_IN_USE,
  ERR_OFPORTS_EXHAUSTED,
  ERR_PERSISTENCE_FAILED,
  ERR_PORT_EXISTS,
  ERR_PORT_NOT_FOUND,
  ERR_STATIC_MAC_EXISTS,
  ERR_STATIC_MAC_NOT_FOUND,
  ERR_UNAVAILABLE,
  type WasmvsError,
} from "../api/errors.ts";
import type { BridgeConfig, ConfigSnapshot, PortConfig, StaticMac } from "../config/model.ts";
import {
  type BridgeCreate,
  type BridgeUpdate,
  bridgeFromCreate,
  bridgeFromUpdate,
  normalizeMac,
  staticMacFor,
} from "./bridge-rules.ts";
import { checkControllerTargets } from "./controller-rules.ts";
import type { DataplaneView, FdbEntry, FdbFlushFilter, PortStats } from "./dataplane-view.ts";
import { NullDataplane } from "./dataplane-view.ts";
import {
  checkVlan,
  lowestFreeOfport,
  type PortCreate,
  type PortUpdate,
  portFromCreate,
  portFromUpdate,
} from "./port-rules.ts";
import type { ChangeReason, PendingEvent, SwitchEventMap } from "./switch-events.ts";

/** What the service needs from the durable store (src/config/config-store.ts implements it). */
export interface ConfigPersistence {
  snapshot(): ConfigSnapshot;
  /** Creates or replaces a bridge; resolves once durable. */
  putBridge(bridge: BridgeConfig): Promise<void>;
  deleteBridge(name: string): Promise<void>;
}

export interface SwitchServiceOptions {
  store: ConfigPersistence;
  logger: Logger;
  /** Defaults to NullDataplane (no datapath: zero stats, empty FDB). */
  dataplane?: DataplaneView;
  /** Root of sysfs used to check that a system/representor netdev exists; default "/sys". */
  sysfsRoot?: string;
}

export class SwitchService extends EventEmitter<SwitchEventMap> {
  private readonly store: ConfigPersistence;
  private readonly logger: Logger;
  private readonly dataplane: DataplaneView;
  private readonly sysfsRoot: string;
  private readonly bridges = new Map<string, BridgeConfig>();
  private chain: Promise<unknown> = Promise.resolve();
  private state: "new" | "running" | "closed" = "new";

  constructor(opts: SwitchServiceOptions) {
    super();
    this.store = opts.store;
    this.logger = opts.logger.child({ module: "switch" });
    this.dataplane = opts.dataplane ?? new NullDataplane();
    this.sysfsRoot = opts.sysfsRoot ?? "/sys";
  }

  /** Loads the stored configuration and announces it (reason "startup"). Subscribe first. */
  start(): void {
    if (this.state !== "new") throw new Error(`SwitchService.start() called twice`);
    this.state = "running";
    for (const bridge of this.store.snapshot().bridges) {
      const copy = structuredClone(bridge);
      this.bridges.set(copy.name, copy);
      this.emitAll(bridgeAddedEvents(copy, "startup"));
    }
    this.logger.info({ bridges: this.bridges.size }, "configuration loaded");
  }

  /** Announces every bridge and port as removed (reason "shutdown"); later changes are refused. */
  async close(): Promise<void> {
    if (this.state === "closed") return;
    await this.serialize(async () => {
      const wasRunning = this.state === "running";
      this.state = "closed";
      if (!wasRunning) return;
      for (const bridge of this.sortedBridges()) this.emitAll(bridgeRemovedEvents(bridge, "shutdown"));
    }, true);
  }

  // ── reads ────────────────────────────────────────────────────────────────────────────────

  listBridges(): BridgeConfig[] {
    return this.sortedBridges().map((b) => structuredClone(b));
  }

  getBridge(name: string): BridgeConfig {
    return structuredClone(this.bridge(name));
  }

  listPorts(bridge: string): PortConfig[] {
    return structuredClone(this.bridge(bridge).ports);
  }

  getPort(bridge: string, port: string): PortConfig {
    return structuredClone(this.port(this.bridge(bridge), port));
  }

  async portStats(bridge: string, port: string): Promise<PortStats> {
    this.port(this.bridge(bridge), port);
    return await this.dataplane.portStats(bridge, port);
  }

  /** The datapath's FDB with the configured static entries merged in (configuration wins). */
  async fdb(bridge: string): Promise<FdbEntry[]> {
    const config = this.bridge(bridge);
    const learned = await this.dataplane.fdb(bridge);
    const key = (vlan: number, mac: string) => `${vlan}/${mac.toLowerCase()}`;
    const statics = new Set(config.staticMacs.map((s) => key(s.vlan, s.mac)));
    const entries: FdbEntry[] = learned.filter((e) => !statics.has(key(e.vlan, e.mac)));
    for (const s of config.staticMacs) entries.push({ ...s, ageSeconds: 0, static: true });
    return entries.sort((a, b) => a.vlan - b.vlan || a.mac.localeCompare(b.mac));
  }

  /** Flushes learned entries (optionally only a port's and/or a VLAN's); static MACs stay. */
  async fdbFlush(bridge: string, filter: FdbFlushFilter): Promise<number> {
    const config = this.bridge(bridge);
    if (filter.port !== undefined) this.port(config, filter.port);
    if (filter.vlan !== undefined) checkVlan("vlan", filter.vlan);
    return await this.dataplane.fdbFlush(bridge, filter);
  }

  // ── bridge changes ─────────────────────────────────────────────────────────────────────────

  createBridge(req: BridgeCreate): Promise<BridgeConfig> {
    return this.serialize(async () => {
      const bridge = bridgeFromCreate(req);
      if (this.bridges.has(bridge.name)) throw ERR_BRIDGE_EXISTS(bridge.name);
      await this.commitPut(bridge, bridgeAddedEvents(bridge, "config"));
      return structuredClone(bridge);
    });
  }

  updateBridge(name: string, patch: BridgeUpdate): Promise<BridgeConfig> {
    return this.serialize(async () => {
      const old = this.bridge(name);
      const next = bridgeFromUpdate(old, patch);
      await this.commitPut(next, [bridgeChanged(old, next)]);
      return structuredClone(next);
    });
  }

  deleteBridge(name: string): Promise<BridgeConfig> {
    return this.serialize(async () => {
      const old = this.bridge(name);
      try {
        await this.store.deleteBridge(name);
      } catch (err) {
        throw persistenceFailed(err);
      }
      this.bridges.delete(name);
      this.emitAll(bridgeRemovedEvents(old, "config"));
      return structuredClone(old);
    });
  }

  /** Replaces the bridge's controller targets (controller-rules.ts); [] clears them. */
  setControllers(name: string, targets: readonly string[]): Promise<BridgeConfig> {
    return this.serialize(async () => {
      const old = this.bridge(name);
      const next = structuredClone(old);
      next.controllers = checkControllerTargets(targets);
      await this.commitPut(next, [bridgeChanged(old, next)]);
      return structuredClone(next);
    });
  }

  // ── port changes ───────────────────────────────────────────────────────────────────────────

  addPort(bridgeName: string, req: PortCreate): Promise<PortConfig> {
    return this.serialize(async () => {
      const old = this.bridge(bridgeName);
      const owner = this.portOwner(req.name);
      if (owner !== undefined) throw ERR_PORT_EXISTS(req.name, owner);
      const port = portFromCreate(req, { netdevExists: (n) => this.netdevExists(n) });
      port.ofport = this.chooseOfport(old, port);
      const next = structuredClone(old);
      next.ports = sortPorts([...next.ports, port]);
      await this.commitPut(next, [{ name: "port-added", payload: { bridge: old.name, port, reason: "config" } }]);
      return structuredClone(port);
    });
  }

  updatePort(bridgeName: string, portName: string, patch: PortUpdate): Promise<PortConfig> {
    return this.serialize(async () => {
      const old = this.bridge(bridgeName);
      const oldPort = this.port(old, portName);
      const port = portFromUpdate(oldPort, patch, { netdevExists: (n) => this.netdevExists(n) });
      if (port.ofport !== oldPort.ofport) this.chooseOfport(old, port);
      const next = structuredClone(old);
      next.ports = sortPorts(next.ports.map((p) => (p.name === portName ? port : p)));
      await this.commitPut(next, [
        { name: "port-changed", payload: { bridge: old.name, old: oldPort, new: port, reason: "config" } },
      ]);
      return structuredClone(port);
    });
  }

  /** Removes the port and the static MACs that point at it. */
  deletePort(bridgeName: string, portName: string): Promise<PortConfig> {
    return this.serialize(async () => {
      const old = this.bridge(bridgeName);
      const port = this.port(old, portName);
      const next = structuredClone(old);
      next.ports = next.ports.filter((p) => p.name !== portName);
      next.staticMacs = next.staticMacs.filter((s) => s.port !== portName);
      const events: PendingEvent[] = [{ name: "port-removed", payload: { bridge: old.name, port, reason: "config" } }];
      if (next.staticMacs.length !== old.staticMacs.length) events.push(bridgeChanged(old, next));
      await this.commitPut(next, events);
      return structuredClone(port);
    });
  }

  // ── static MACs ────────────────────────────────────────────────────────────────────────────

  addStaticMac(bridgeName: string, req: StaticMac): Promise<StaticMac> {
    return this.serialize(async () => {
      const old = this.bridge(bridgeName);
      const entry = staticMacFor(old, req);
      if (old.staticMacs.some((s) => s.vlan === entry.vlan && s.mac === entry.mac)) {
        throw ERR_STATIC_MAC_EXISTS(entry.mac, entry.vlan, old.name);
      }
      const next = structuredClone(old);
      next.staticMacs.push(entry);
      await this.commitPut(next, [bridgeChanged(old, next)]);
      return { ...entry };
    });
  }

  deleteStaticMac(bridgeName: string, vlan: number, mac: string): Promise<StaticMac> {
    return this.serialize(async () => {
      const old = this.bridge(bridgeName);
      checkVlan("vlan", vlan);
      const norm = normalizeMac(mac);
      const entry = old.staticMacs.find((s) => s.vlan === vlan && s.mac === norm);
      if (entry === undefined) throw ERR_STATIC_MAC_NOT_FOUND(norm, vlan, old.name);
      const next = structuredClone(old);
      next.staticMacs = next.staticMacs.filter((s) => !(s.vlan === vlan && s.mac === norm));
      await this.commitPut(next, [bridgeChanged(old, next)]);
      return { ...entry };
    });
  }

  // ── internals ──────────────────────────────────────────────────────────────────────────────

  /** Runs `change` after every earlier change settled; a failed change does not block later ones. */
  private serialize<T>(change: () => Promise<T>, whenClosing = false): Promise<T> {
    const run = this.chain.then(() => {
      if (this.state !== "running" && !whenClosing)
        throw ERR_UNAVAILABLE(this.state === "new" ? "starting" : "stopping");
      return change();
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async commitPut(next: BridgeConfig, events: PendingEvent[]): Promise<void> {
    try {
      await this.store.putBridge(structuredClone(next));
    } catch (err) {
      throw persistenceFailed(err);
    }
    this.bridges.set(next.name, next);
    this.emitAll(events);
  }

  private emitAll(events: PendingEvent[]): void {
    for (const ev of events) {
      for (const listener of this.listeners(ev.name)) {
        try {
          (listener as (payload: unknown) => void).call(this, structuredClone(ev.payload));
        } catch (err) {
          this.logger.error({ err, event: ev.name }, "switch event listener threw; the change stays committed");
        }
      }
    }
  }

  private bridge(name: string): BridgeConfig {
    const b = this.bridges.get(name);
    if (b === undefined) throw ERR_BRIDGE_NOT_FOUND(name);
    return b;
  }

  private port(bridge: BridgeConfig, name: string): PortConfig {
    const p = bridge.ports.find((q) => q.name === name);
    if (p === undefined) throw ERR_PORT_NOT_FOUND(name, bridge.name);
    return p;
  }

  /** The bridge that has a port named `name`, if any. */
  private portOwner(name: string): string | undefined {
    for (const b of this.bridges.values()) if (b.ports.some((p) => p.name === name)) return b.name;
    return undefined;
  }

  /** The requested ofport if free in `bridge` (ignoring `port` itself), else the lowest free. */
  private chooseOfport(bridge: BridgeConfig, port: PortConfig): number {
    const others = bridge.ports.filter((p) => p.name !== port.name);
    if (port.ofport !== 0) {
      const holder = others.find((p) => p.ofport === port.ofport);
      if (holder !== undefined) throw ERR_OFPORT_IN_USE(port.ofport, holder.name, bridge.name);
      return port.ofport;
    }
    const free = lowestFreeOfport(new Set(others.map((p) => p.ofport)));
    if (free === 0) throw ERR_OFPORTS_EXHAUSTED(bridge.name);
    return free;
  }

  private netdevExists(name: string): boolean {
    return existsSync(join(this.sysfsRoot, "class", "net", name));
  }

  private sortedBridges(): BridgeConfig[] {
    return [...this.bridges.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}

function sortPorts(ports: PortConfig[]): PortConfig[] {
  return ports.sort((a, b) => a.ofport - b.ofport);
}

function bridgeAddedEvents(bridge: BridgeConfig, reason: ChangeReason): PendingEvent[] {
  return [
    { name: "bridge-added", payload: { bridge, reason } },
    ...bridge.ports.map(
      (port): PendingEvent => ({ name: "port-added", payload: { bridge: bridge.name, port, reason } }),
    ),
  ];
}

function bridgeRemovedEvents(bridge: BridgeConfig, reason: ChangeReason): PendingEvent[] {
  return [
    ...bridge.ports.map(
      (port): PendingEvent => ({ name: "port-removed", payload: { bridge: bridge.name, port, reason } }),
    ),
    { name: "bridge-removed", payload: { bridge, reason } },
  ];
}

function bridgeChanged(old: BridgeConfig, next: BridgeConfig): PendingEvent {
  return { name: "bridge-changed", payload: { old, new: next, reason: "config" } };
}

function persistenceFailed(err: unknown): WasmvsError {
  return ERR_PERSISTENCE_FAILED(err instanceof Error ? err.message : String(err));
}
