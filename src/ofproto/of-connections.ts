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
//                                                                      AGGREGATE TABLE
//                                                 flow-handlers.ts     FLOW_MOD BARRIER PACKET_OUT
//                                                 table-features.ts    TABLE_FEATURES
//                                                 (HELLO, ECHO, ERROR and BAD_REQUEST for the
//                                                  rest are the channel's own)
//
// Design: handlers see the bridge only through OfBridge (of-handlers/handler-context.ts); per
//   connection state (SET_CONFIG) lives in a WeakMap keyed by channel. Opening and closing run
//   one at a time in call order through a promise queue, so a bridge removed while its
//   listeners open is closed after they are up. FLOW_REMOVED caused by one connection's
//   FLOW_MOD goes to every connection of the bridge (all are equal; roles come later).
//   PACKET_IN: each bridge subscribes to its packet-ins (OfBridge.subscribePacketIn) while
//   open and sends each one to every connected channel of the bridge, cut to that
//   connection's miss_send_len for NO_MATCH (of-handlers/packet-in.ts). Roles (a SLAVE gets
//   none) and SET_ASYNC filtering are not implemented yet: every connection gets every
//   packet-in. Packet-ins are sent droppable (a controller far behind loses packet-ins, not
//   its connection); a bridge with no connected channel counts them in `packetInDrops`.
// Invariants: every listener that cannot bind is logged with its target and the others stay
//   up; addBridge rejects only when one of the explicitly configured `targets` failed (an
//   operator asked for it), never for the implicit punix socket (a switch must not refuse to
//   start because its state directory's path is too long for a unix socket); after
//   removeBridge resolves, no channel of the bridge is open and its punix socket file is gone.
// Threading: main thread.

import { join } from "node:path";
import type { Logger } from "pino";
import type { ChannelLog, OfChannel } from "../../openflow/channel/channel.ts";
import { formatTarget, PassiveListener, parseTarget } from "../../openflow/channel/transports.ts";
import type { FlowRemovedMessage } from "../../openflow/messages/flow-removed.ts";
import { flowHandlers } from "./of-handlers/flow-handlers.ts";
import { newConnectionState, type OfBridge, type OfConnectionState } from "./of-handlers/handler-context.ts";
import { multipartHandlers } from "./of-handlers/multipart-handlers.ts";
import { packetInMessage } from "./of-handlers/packet-in.ts";
import { switchHandlers } from "./of-handlers/switch-handlers.ts";

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
}

interface BridgeListeners {
  listeners: PassiveListener[];
  unsubscribe?: () => void;
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

  /** Every channel of the bridges' listeners with the target it came in on and its state. */
  channelStates(): Array<{ bridge: string; target: string; state: string }> {
    const out: Array<{ bridge: string; target: string; state: string }> = [];
    for (const [bridge, e] of this.bridges) {
      for (const l of e.listeners)
        for (const ch of l.channels) out.push({ bridge, target: boundTarget(l), state: ch.state });
    }
    return out;
  }

  addBridge(name: string): Promise<void> {
    return this.enqueue(() => this.open(name));
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
    const entry: BridgeListeners = { listeners: [] };
    this.bridges.set(name, entry);
    const bridge = this.opts.bridgeOf(name);
    const notifyRemoved = (m: FlowRemovedMessage) => {
      for (const l of entry.listeners) for (const ch of l.channels) ch.send(m);
    };
    entry.unsubscribe = bridge.subscribePacketIn?.((ev) => {
      let sent = 0;
      for (const l of entry.listeners) {
        for (const ch of l.channels) {
          const m = packetInMessage(ev, this.stateOf(ch).missSendLen);
          if (ch.send(m, { droppable: true }) !== null) sent++;
        }
      }
      if (sent > 0) this.stats.packetIns += sent;
      else this.stats.packetInDrops++;
    });
    const handlers = {
      ...switchHandlers(bridge, this.stateOf),
      ...multipartHandlers(bridge),
      ...flowHandlers(bridge, notifyRemoved),
    };
    const log: ChannelLog = {
      info: (msg) => logger.debug(msg),
      warn: (msg) => logger.warn(msg),
      error: (msg) => logger.error(msg),
    };
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
    entry.unsubscribe?.();
    await Promise.all(entry.listeners.map((l) => l.close()));
  }
}
