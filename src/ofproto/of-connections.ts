// The OpenFlow connection manager: per bridge, the passive listeners controllers and
// `ovs-ofctl` connect to, and the dispatch table that joins their channels to the bridge.
//
// What: OfConnections.addBridge(name) opens `punix:<runDir>/<bridge>.mgmt` (as Open vSwitch
//   has in its rundir) plus the bridge's extra passive targets (the daemon's `--openflow
//   HOST:PORT` is `ptcp:PORT:HOST` for the default bridge); removeBridge closes them and their
//   channels; close() closes everything. Each listener's channels dispatch through one table:
//
//     PassiveListener ──channel──► OfChannel ── dispatch table (of-handlers/):
//       punix:<bridge>.mgmt                       switch-handlers.ts   FEATURES, GET/SET_CONFIG
//       ptcp:PORT:HOST                            multipart-handlers.ts DESC PORT_DESC FLOW
//                                                                      AGGREGATE TABLE QUEUE
//                                                                      (REQ_MORE reassembled)
//                                                 flow-handlers.ts     FLOW_MOD BARRIER PACKET_OUT
//                                                 group-handlers.ts    GROUP_MOD, GROUP GROUP_DESC
//                                                                      GROUP_FEATURES
//                                                 port-handlers.ts     PORT_MOD, PORT_STATS
//                                                 table-features.ts    TABLE_FEATURES
//                                                 meter-handlers.ts    METER_MOD, METER,
//                                                                      METER_CONFIG/FEATURES
//                                                 queue-handlers.ts    QUEUE_GET_CONFIG (no queues)
//                                                 table-mod-handler.ts TABLE_MOD (1.3: no-op)
//                                                 (HELLO, ECHO, ERROR and BAD_REQUEST for the
//                                                  rest are the channel's own)
//
//   The bridge's configured controllers (BridgeConfig.controllers: tcp:/ssl:/unix: dialed with
//   backoff, ptcp:/pssl:/punix: listened on) are a ControllerSet (of-controller-set.ts) opened
//   with addBridge(name, targets) and changed live by setControllers; their channels use the
//   same dispatch table and receive the same async messages (channelsOf).
// Design: handlers see the bridge only through OfBridge (of-handlers/handler-context.ts); per
//   connection state (SET_CONFIG) lives in a WeakMap keyed by channel. Opening and closing run
//   one at a time in call order through a promise queue, so a bridge removed while its
//   listeners open is closed after they are up. FLOW_REMOVED (timeouts and FLOW_MOD, GROUP_MOD
//   and METER_MOD deletes, OfBridge.subscribeFlowRemoved), PORT_STATUS (subscribePortStatus)
//   and PACKET_IN go through sendAsync to every connection of the bridge that may receive them
//   (its role and async masks, of-async.ts).
//   PACKET_IN: each bridge subscribes to its packet-ins (OfBridge.subscribePacketIn) while
//   open and sends each one to every connected channel of the bridge, cut to that
//   connection's miss_send_len for NO_MATCH (of-handlers/packet-in.ts).
//   Async messages: every PACKET_IN, FLOW_REMOVED and PORT_STATUS leaves through sendAsync,
//   which asks of-async.ts whether each connection may receive it (role + SET_ASYNC masks;
//   a SLAVE gets no packet-ins by default). Roles: per bridge (of-roles.ts), ROLE_REQUEST /
//   GET_ASYNC / SET_ASYNC in of-handlers/role-handlers.ts, and a SLAVE's state-changing
//   requests are refused IS_SLAVE by guardSlave around the whole dispatch table.
//   The punix mgmt socket and the `--openflow` listener are service connections: same
//   handlers, roles and async filter as controllers, but they are not "controllers" for the
//   fail mode (only BridgeConfig.controllers are). Packet-ins are sent droppable (a controller far behind loses packet-ins, not
//   its connection); a bridge with no connected channel counts them in `packetInDrops`. They
//   go out with sendInBurst: the packet-ins of one batch of upcalls leave in one socket write.
// Invariants: every listener that cannot bind is logged with its target and the others stay
//   up; addBridge rejects only when one of the explicitly configured `targets` failed (an
//   operator asked for it), never for the implicit punix socket (a switch must not refuse to
//   start because its state directory's path is too long for a unix socket); after
//   removeBridge resolves, no channel of the bridge is open and its punix socket file is gone.
// Threading: main thread.

import { join } from "node:path";
import type { Logger } from "pino";
import {
  type ChannelLog,
  type OfChannel,
  type Outgoing,
  PROBE_INTERVAL_DEFAULT_MS,
} from "../../openflow/channel/channel.ts";
import {
  type BackoffOptions,
  formatTarget,
  PassiveListener,
  parseTarget,
  type TlsFiles,
} from "../../openflow/channel/transports.ts";
import type { FailMode } from "../config/model.ts";
import { mayFailOpen } from "./fail-mode-flows.ts";
import { FailOpenMonitor } from "./fail-open.ts";
import { type AsyncKind, mayReceive } from "./of-async.ts";
import { ControllerSet, type ControllerStatus } from "./of-controller-set.ts";
import { flowHandlers } from "./of-handlers/flow-handlers.ts";
import { groupHandlers } from "./of-handlers/group-handlers.ts";
import { newConnectionState, type OfBridge, type OfConnectionState } from "./of-handlers/handler-context.ts";
import { meterHandlers } from "./of-handlers/meter-handlers.ts";
import { multipartHandlers } from "./of-handlers/multipart-handlers.ts";
import { packetInMessage } from "./of-handlers/packet-in.ts";
import { portHandlers, portStatusMessage } from "./of-handlers/port-handlers.ts";
import { queueHandlers } from "./of-handlers/queue-handlers.ts";
import { guardSlave, roleHandlers } from "./of-handlers/role-handlers.ts";
import { switchHandlers } from "./of-handlers/switch-handlers.ts";
import { tableModHandlers } from "./of-handlers/table-mod-handler.ts";
import { BridgeRoles, roleName } from "./of-roles.ts";

export interface OfConnectionsOptions {
  /** Directory of the per-bridge unix sockets, `<runDir>/<bridge>.mgmt`. */
  runDir: string;
  /** More passive targets per bridge name, in OVS syntax (`ptcp:6653:127.0.0.1`). */
  targets?: Record<string, string[]>;
  /** The bridge as the handlers see it. */
  bridgeOf(name: string): OfBridge;
  logger: Logger;
  /** Echo probe interval of each channel (default: the channel's, 5 s). */
  probeIntervalMs?: number;
  /** TLS files for the controllers' ssl:/pssl: targets (undefined: none configured). */
  tls?: () => TlsFiles | undefined;
  /** Reconnect backoff of active controller targets (default 1 s doubling to 8 s). */
  backoff?: BackoffOptions;
  /** A bridge starts or stops failing open (fail-open.ts); the daemon switches its ofproto. */
  onFailOpen?(bridge: string, failOpen: boolean): void;
}

interface BridgeListeners {
  listeners: PassiveListener[];
  /** The bridge's configured controllers (of-controller-set.ts). */
  controllers?: ControllerSet;
  /** Roles, generation id and async masks of the bridge's connections (of-roles.ts). */
  roles?: BridgeRoles;
  failMode: FailMode;
  failOpen?: FailOpenMonitor;
  unsubscribe: Array<(() => void) | undefined>;
}

export interface OfConnectionsStats {
  packetIns: number;
  /** Packet-ins of a bridge with no connected channel (or none accepted). */
  packetInDrops: number;
}

/** The target a listener is bound to, with the real port (ptcp:0 → ptcp:43121:127.0.0.1). */
export function boundTarget(l: PassiveListener): string {
  const a = l.address;
  const t = l.target;
  if (a && "port" in a && (t.kind === "ptcp" || t.kind === "pssl")) return formatTarget({ ...t, port: a.port });
  return formatTarget(t);
}

export class OfConnections {
  private readonly bridges = new Map<string, BridgeListeners>();
  private readonly states = new WeakMap<OfChannel, OfConnectionState>();
  private queue: Promise<void> = Promise.resolve();
  readonly stats: OfConnectionsStats = { packetIns: 0, packetInDrops: 0 };

  constructor(private readonly opts: OfConnectionsOptions) {}

  /** The bound targets of a bridge's listeners (empty when it has none). */
  targets(bridge: string): string[] {
    return (this.bridges.get(bridge)?.listeners ?? []).map(boundTarget);
  }

  addBridge(name: string, controllers: readonly string[] = [], failMode: FailMode = "standalone"): Promise<void> {
    return this.enqueue(async () => {
      await this.open(name);
      const entry = this.bridges.get(name);
      if (entry) entry.failMode = failMode;
      await this.applyControllers(entry, controllers);
    });
  }

  /** Makes the bridge's controller connections match `targets` (only what changed moves). */
  setControllers(name: string, targets: readonly string[]): Promise<void> {
    return this.enqueue(() => this.applyControllers(this.bridges.get(name), targets));
  }

  /** The bridge's fail mode (standalone bridges with controllers may fail open). */
  setFailMode(name: string, failMode: FailMode): Promise<void> {
    return this.enqueue(async () => {
      const entry = this.bridges.get(name);
      if (!entry) return;
      entry.failMode = failMode;
      this.configureFailOpen(entry);
    });
  }

  /** Per configured controller target, its connection state, and whether the bridge fails open. */
  controllerStatus(name: string): { controllers: ControllerStatus[]; failOpen: boolean } | undefined {
    const entry = this.bridges.get(name);
    if (!entry?.controllers) return undefined;
    return { controllers: entry.controllers.status(), failOpen: entry.failOpen?.active ?? false };
  }

  private async applyControllers(entry: BridgeListeners | undefined, targets: readonly string[]): Promise<void> {
    if (!entry?.controllers) return;
    await entry.controllers.apply(targets);
    this.configureFailOpen(entry);
  }

  private configureFailOpen(entry: BridgeListeners): void {
    entry.failOpen?.configure(
      mayFailOpen({ failMode: entry.failMode, controllers: entry.controllers?.targets() ?? [] }),
    );
  }

  /**
   * THE send path of asynchronous messages (PACKET_IN, PORT_STATUS, FLOW_REMOVED): sends to
   * every connection of the bridge that may receive `kind` for `reason` (its role and
   * SET_ASYNC masks, of-async.ts). `message` may be built per connection. Returns how many
   * connections queued it (0 for an unknown bridge).
   */
  sendAsync(
    bridge: string,
    kind: AsyncKind,
    reason: number,
    message: Outgoing | ((ch: OfChannel) => Outgoing),
    opts: { droppable?: boolean; burst?: boolean } = {},
  ): number {
    const entry = this.bridges.get(bridge);
    return entry ? this.sendAsyncTo(entry, kind, reason, message, opts) : 0;
  }

  private sendAsyncTo(
    entry: BridgeListeners,
    kind: AsyncKind,
    reason: number,
    message: Outgoing | ((ch: OfChannel) => Outgoing),
    opts: { droppable?: boolean; burst?: boolean },
  ): number {
    let sent = 0;
    for (const ch of this.channelsOf(entry)) {
      const c = entry.roles?.control(ch);
      if (c && !mayReceive(c.role, c.async, kind, reason)) continue;
      const m = typeof message === "function" ? message(ch) : message;
      const id = opts.burst ? ch.sendInBurst(m, opts) : ch.send(m, opts);
      if (id !== null) sent++;
    }
    return sent;
  }

  /** Every channel of a bridge: its listeners' and its controllers'. */
  private *channelsOf(entry: BridgeListeners): Iterable<OfChannel> {
    for (const l of entry.listeners) yield* l.channels;
    if (entry.controllers) yield* entry.controllers.channels();
  }

  /** Every channel of the bridges (listeners' and controllers') with where it came in and its state. */
  channelStates(): Array<{ bridge: string; target: string; state: string }> {
    const out: Array<{ bridge: string; target: string; state: string }> = [];
    for (const [bridge, e] of this.bridges) {
      for (const l of e.listeners) {
        for (const ch of l.channels) out.push({ bridge, target: boundTarget(l), state: ch.state });
      }
      for (const ch of e.controllers?.channels() ?? []) out.push({ bridge, target: "controller", state: ch.state });
    }
    return out;
  }

  removeBridge(name: string): Promise<void> {
    return this.enqueue(() => this.shut(name));
  }

  /** Closes every listener and channel. */
  close(): Promise<void> {
    return this.enqueue(async () => {
      for (const name of [...this.bridges.keys()]) await this.shut(name);
    });
  }

  private enqueue(op: () => Promise<void>): Promise<void> {
    const next = this.queue.then(op);
    this.queue = next.catch(() => {});
    return next;
  }

  private stateOf = (ch: OfChannel): OfConnectionState => {
    let s = this.states.get(ch);
    if (!s) {
      s = newConnectionState();
      this.states.set(ch, s);
    }
    return s;
  };

  private async open(name: string): Promise<void> {
    if (this.bridges.has(name)) return;
    const logger = this.opts.logger.child({ bridge: name });
    const entry: BridgeListeners = { listeners: [], failMode: "standalone", unsubscribe: [] };
    this.bridges.set(name, entry);
    const bridge = this.opts.bridgeOf(name);
    const roles = new BridgeRoles(() => this.channelsOf(entry));
    entry.roles = roles;
    entry.unsubscribe.push(
      bridge.subscribeFlowRemoved?.((m) => this.sendAsyncTo(entry, "flow-removed", m.reason, m, {})),
    );
    entry.unsubscribe.push(
      bridge.subscribePortStatus?.((ev) =>
        this.sendAsyncTo(entry, "port-status", ev.reason, portStatusMessage(ev), {}),
      ),
    );
    entry.unsubscribe.push(
      bridge.subscribePacketIn?.((ev) => {
        const sent = this.sendAsyncTo(
          entry,
          "packet-in",
          ev.reason,
          (ch) => packetInMessage(ev, this.stateOf(ch).missSendLen),
          { droppable: true, burst: true },
        );
        if (sent > 0) this.stats.packetIns += sent;
        else this.stats.packetInDrops++;
      }),
    );
    const handlers = guardSlave(
      {
        ...switchHandlers(bridge, this.stateOf, (ch) => roles.isSlave(ch)),
        ...multipartHandlers(bridge),
        ...flowHandlers(bridge),
        ...meterHandlers(bridge),
        ...groupHandlers(bridge),
        ...portHandlers(bridge),
        ...queueHandlers(bridge),
        ...tableModHandlers(),
        ...roleHandlers(roles),
      },
      roles,
    );
    const log: ChannelLog = {
      info: (msg) => logger.debug(msg),
      warn: (msg) => logger.warn(msg),
      error: (msg) => logger.error(msg),
    };
    entry.controllers = new ControllerSet({
      channel: { handlers, log, probeIntervalMs: this.opts.probeIntervalMs },
      tls: this.opts.tls,
      backoff: this.opts.backoff,
      logger,
      onChannel: (ch) => {
        ch.once("connected", () => entry.failOpen?.check());
        ch.once("disconnected", () => entry.failOpen?.check());
      },
      roleOf: (ch) => roleName(roles.roleOf(ch)),
    });
    entry.failOpen = new FailOpenMonitor({
      triggerMs: 3 * (this.opts.probeIntervalMs || PROBE_INTERVAL_DEFAULT_MS),
      connected: () => entry.controllers?.anyConnected() ?? false,
      onChange: (on) => {
        logger.warn(
          { failOpen: on },
          on ? "no controller connected: failing open (NORMAL)" : "controller back: fail-open ended",
        );
        this.opts.onFailOpen?.(name, on);
      },
    });
    const mgmt = `punix:${join(this.opts.runDir, `${name}.mgmt`)}`;
    const targets = [mgmt, ...(this.opts.targets?.[name] ?? [])];
    const failures: string[] = [];
    for (const t of targets) {
      const l = new PassiveListener(parseTarget(t), {
        channel: { handlers, log, probeIntervalMs: this.opts.probeIntervalMs },
      });
      l.on("channel", (ch) => {
        logger.info({ peer: ch.name }, "openflow connection");
        ch.on("disconnected", (reason) => logger.info({ peer: ch.name, reason }, "openflow connection closed"));
      });
      try {
        await l.listen();
      } catch (e) {
        logger.error({ target: t, err: (e as Error).message }, "openflow listener could not start");
        if (t !== mgmt) failures.push((e as Error).message);
        continue;
      }
      entry.listeners.push(l);
      logger.info({ openflow: boundTarget(l) }, "openflow listening");
    }
    if (failures.length > 0) throw new Error(failures.join("; "));
  }

  private async shut(name: string): Promise<void> {
    const entry = this.bridges.get(name);
    if (!entry) return;
    this.bridges.delete(name);
    for (const u of entry.unsubscribe) u?.();
    entry.failOpen?.close();
    await Promise.all([...entry.listeners.map((l) => l.close()), entry.controllers?.close()]);
  }
}
