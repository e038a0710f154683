// The live dataplane: joins the configuration service to the datapath worker and ofproto.
//
// What: subscribes to SwitchService events and turns them into datapath work — a bridge gets
//   its MAC table and its LOCAL (internal) port; a port gets a datapath port number, a backend
//   in the worker (tap / system / internal) and its VLAN policy in ofproto. It answers the
//   service's DataplaneView questions (port counters, the FDB, FDB flushes).
//   To OpenFlow it is each bridge's OfBridge (ofBridge): ports with their config and link,
//   PORT_MOD, PORT_STATS from the datapath's counters, and PORT_STATUS for every port added,
//   deleted or changed (configuration, PORT_MOD, or its link, which LinkMonitor polls).
// Design: events arrive synchronously; attaching a port is asynchronous (the worker opens the
//   device), so operations run one at a time through a promise queue in event order, and a
//   failure is logged with the port's name (the configuration stays; the port is just not
//   attached — `port stats` then says so).
//   Admin state: the configured `adminDown` and PORT_MOD's OFPPC_PORT_DOWN are one state, last
//   writer wins. PORT_MOD's is run-time state only, as in Open vSwitch (where mod-port down
//   sets the netdev down and leaves the database alone): it is not persisted, so a restart
//   or a REST change of adminDown brings back the configured state. Unlike OVS we do not set
//   the kernel device down (the switch does not own a `system` port's netdev): the datapath
//   stops receiving from and sending to the port, and PORT_DESC says PORT_DOWN.
//   Link: IFF_RUNNING of the port's device; a `tap`/`internal` device this namespace cannot see
//   (moved into a container's namespace) counts as up, a vanished `system` device as down.
// Threading: main thread.

import { createHash } from "node:crypto";
import type { Logger } from "pino";
import { OFPP } from "../../openflow/constants.ts";
import { BAD_REQUEST, OFPET, OfpError } from "../../openflow/errors.ts";
import type { PortStats as OfpPortStats } from "../../openflow/messages/multipart-stats.ts";
import { OFPPC, OFPPR, type PortModMessage } from "../../openflow/messages/port.ts";
import { OFPC_FRAG } from "../../openflow/messages/switch-config.ts";
import { ERR_PORT_NOT_ATTACHED } from "../api/errors.ts";
import type { BridgeConfig, PortConfig } from "../config/model.ts";
import { DEFAULT_MAC_AGING_SECONDS, DEFAULT_MAC_TABLE_SIZE } from "../config/model.ts";
import { createFastPath, type FastPath } from "../datapath/fastpath-module.ts";
import { KEY_SIZE, macFromString } from "../datapath/flow-key.ts";
import { type DatapathOptions, DatapathRuntime } from "../datapath/runtime/datapath-runtime.ts";
import { CaptureHub } from "../observe/capture-hub.ts";
import { BridgeListeners } from "../ofproto/bridge-listeners.ts";
import { applyFailModeFlows } from "../ofproto/fail-mode-flows.ts";
import { policyOf } from "../ofproto/normal/vlan-policy.ts";
import type { OfBridge, OfPortView, PortStatusEvent } from "../ofproto/of-handlers/handler-context.ts";
import { PORT_COUNTER_UNAVAILABLE } from "../ofproto/of-handlers/port-handlers.ts";
import { Ofproto } from "../ofproto/ofproto.ts";
import { portModConfig } from "../ofproto/port-state.ts";
import { TraceInputError, type TraceTarget } from "../ofproto/trace/trace.ts";
import { netdevInfo } from "../ports/netdev-info.ts";
import type { PacketRingOptions } from "../ports/packet-ring.ts";
import type { DataplaneView, FdbEntry, FdbFlushFilter, PortStats } from "../switch/dataplane-view.ts";
import type { SwitchService } from "../switch/switch-service.ts";
import { IFF_RUNNING, netdevFlags } from "../sys/netdev-ioctl.ts";
import { LinkMonitor } from "./link-monitor.ts";

const MAX_DP_PORTS = 1024;
/** Largest PACKET_OUT frame: the data room of the datapath worker's buffers (pool.ts default). */
const PARSER_DATA_ROOM = 2048;
const LOCAL = "LOCAL";

/** Port options that size a `system` port's TPACKET_V3 receive ring (the ring is the port's
 *  receive buffer: a backlog benchmark needs ~1M frames of it, the default holds far fewer). */
const RING_OPTION_KEYS: Record<string, keyof PacketRingOptions> = {
  "rx-ring-block-size": "blockSize",
  "rx-ring-blocks": "blockCount",
  "rx-ring-retire-ms": "retireMs",
};
/** The same three as a daemon-wide default for every system port, for callers (benchmarks)
 *  whose port options cannot carry them yet: "blockSize,blockCount,retireMs", e.g.
 *  WASMVS_SYSTEM_RX_RING=1048576,200,100. */
const RING_ENV = "WASMVS_SYSTEM_RX_RING";

/** Ring options for a system port: its own options first, then the daemon-wide default. */
function systemRingOptions(options: Record<string, string>): PacketRingOptions | undefined {
  const ring: PacketRingOptions = {};
  const env = process.env[RING_ENV];
  if (env) {
    const [blockSize, blockCount, retireMs] = env.split(",").map((v) => (v === "" ? undefined : Number(v)));
    Object.assign(ring, { blockSize, blockCount, retireMs });
  }
  for (const [key, field] of Object.entries(RING_OPTION_KEYS)) {
    if (options[key] !== undefined) ring[field] = Number(options[key]);
  }
  for (const k of Object.keys(ring) as Array<keyof PacketRingOptions>) {
    if (ring[k] === undefined || !Number.isFinite(ring[k])) delete ring[k];
  }
  return Object.keys(ring).length > 0 ? ring : undefined;
}

/** The datapath flow key of `frame` received on datapath port `dpPort`, by the fast path's parser. */
function parseFrameKey(fp: FastPath, frame: Uint8Array, dpPort: number): Uint8Array {
  const id = fp.bufferAlloc();
  if (id < 0) throw new Error("packet-out parser: no buffer");
  try {
    const at = fp.bufferData(id);
    new Uint8Array(fp.memory.buffer, at, frame.length).set(frame);
    const key = fp.classifyScratch();
    fp.parseAt(at, frame.length, dpPort, key);
    return new Uint8Array(fp.memory.buffer, key, KEY_SIZE).slice();
  } finally {
    fp.bufferFree(id);
  }
}

interface AttachedPort {
  dpPort: number;
  /** OpenFlow port number: the configured ofport, OFPP_LOCAL for the internal port. */
  ofPort: number;
  bridge: string;
  name: string;
  netdev: string;
  /** Backend type: tap, system or internal. */
  type: string;
  attached: boolean;
  /** Date.now() when attached (PORT_STATS duration). */
  attachedAt: number;
  error?: string;
}

export interface LiveDataplaneOptions extends DatapathOptions {
  /** Give each bridge its LOCAL internal port (a TAP named after the bridge), as OVS does. */
  internalPorts?: boolean;
}

export class LiveDataplane implements DataplaneView {
  readonly ofproto = new Ofproto();
  private readonly ports = new Map<string, AttachedPort>(); // "bridge/port"
  private readonly usedDp = new Set<number>();
  private readonly bridgeConfigs = new Map<string, BridgeConfig>();
  private queue: Promise<void> = Promise.resolve();
  private timer?: NodeJS.Timeout;
  /** A small fast-path instance on this thread, used only to parse PACKET_OUT frames. */
  private parser?: Promise<FastPath>;
  private readonly portStatus = new BridgeListeners<PortStatusEvent>();
  private readonly links = new LinkMonitor((key, up) => this.linkChanged(key, up));
  /** Port capture sessions (`wasmvs capture`); the fast path mirrors only captured ports. */
  readonly captures: CaptureHub;

  private constructor(
    readonly runtime: DatapathRuntime,
    private readonly logger: Logger,
    private readonly opts: LiveDataplaneOptions,
  ) {
    this.ofproto.attach(runtime);
    this.captures = new CaptureHub((dpPort, dirs) => runtime.setCapture(dpPort, dirs));
    this.timer = setInterval(() => this.ofproto.tick(), 1000);
    this.timer.unref();
    this.links.start(1000);
  }

  static async start(logger: Logger, opts: LiveDataplaneOptions = {}): Promise<LiveDataplane> {
    let dp: LiveDataplane | undefined;
    const runtime = await DatapathRuntime.start(
      {
        onMiss: (p, k, b) => dp?.ofproto.onMiss(p, k, b),
        onActionUpcall: (r, u, k, p) => dp?.ofproto.onActionUpcall(r, u, k, p),
        onFlowStats: (h, u, p, b) => dp?.ofproto.onFlowStats(h, u, p, b),
        onFlowGone: (h, w, p, b) => dp?.ofproto.onFlowGone(h, w, p, b),
        onCapture: (t, r) => dp?.captures.deliver(t, r),
      },
      opts,
    );
    dp = new LiveDataplane(runtime, logger, opts);
    return dp;
  }

  /** Follows the service's configuration from now on (subscribe before service.start()). */
  follow(service: SwitchService): void {
    service.on("bridge-added", (e) => this.enqueue(() => this.addBridge(e.bridge)));
    service.on("bridge-removed", (e) => this.enqueue(() => this.removeBridge(e.bridge)));
    service.on("bridge-changed", (e) => this.enqueue(async () => this.changeBridge(e.new)));
    service.on("port-added", (e) => this.enqueue(() => this.addPort(e.bridge, e.port)));
    service.on("port-removed", (e) => this.enqueue(() => this.removePort(e.bridge, e.port.name)));
    service.on("port-changed", (e) => this.enqueue(async () => this.changePort(e.bridge, e.new, e.old)));
  }

  /** Resolves when every configuration change so far has reached the datapath. */
  settled(): Promise<void> {
    return this.queue;
  }

  private enqueue(op: () => Promise<void>): void {
    this.queue = this.queue.then(op).catch((e: Error) => this.logger.error({ err: e }, "dataplane update failed"));
  }

  private allocDp(): number {
    for (let i = 1; i < MAX_DP_PORTS; i++) {
      if (!this.usedDp.has(i)) {
        this.usedDp.add(i);
        return i;
      }
    }
    throw new Error(`no free datapath port (limit ${MAX_DP_PORTS - 1})`);
  }

  private async addBridge(b: BridgeConfig): Promise<void> {
    this.ofproto.addBridge(
      b.name,
      b.macAgingSeconds || DEFAULT_MAC_AGING_SECONDS,
      b.macTableSize || DEFAULT_MAC_TABLE_SIZE,
    );
    if (this.opts.internalPorts ?? true) {
      const spec = { type: "internal", name: b.name };
      await this.attach(b.name, LOCAL, b.name, spec, policyOf("trunk", 0, []), true, OFPP.LOCAL);
    }
    this.changeBridge(b);
  }

  private changeBridge(b: BridgeConfig): void {
    const br = this.ofproto.bridges.get(b.name);
    if (!br) return;
    applyFailModeFlows(this.ofproto, b.name, this.bridgeConfigs.get(b.name), b);
    this.bridgeConfigs.set(b.name, b);
    br.macs.configure(
      {
        agingSeconds: b.macAgingSeconds || DEFAULT_MAC_AGING_SECONDS,
        maxEntries: b.macTableSize || DEFAULT_MAC_TABLE_SIZE,
      },
      this.ofproto.now(),
    );
    this.syncStaticMacs(b.name);
  }

  /** Static MACs of the bridge's configuration, for the ports attached so far. */
  private syncStaticMacs(bridge: string): void {
    const br = this.ofproto.bridges.get(bridge);
    const b = this.bridgeConfigs.get(bridge);
    if (!br || !b) return;
    for (const e of br.macs.list(this.ofproto.now())) if (e.isStatic) br.macs.removeStatic(e.vlan, e.mac);
    for (const s of b.staticMacs) {
      const p = this.ports.get(`${b.name}/${s.port}`);
      if (p) br.macs.addStatic(s.vlan, s.mac, p.dpPort);
    }
  }

  private async removeBridge(b: BridgeConfig): Promise<void> {
    const local = this.ports.get(`${b.name}/${LOCAL}`);
    if (local) await this.detach(local);
    this.ofproto.removeBridge(b.name);
    this.bridgeConfigs.delete(b.name);
  }

  private async addPort(bridge: string, p: PortConfig): Promise<void> {
    const type = p.type === "representor" ? "system" : p.type;
    if (type !== "tap" && type !== "system" && type !== "internal") {
      this.logger.warn({ bridge, port: p.name, type: p.type }, "port type not supported by the datapath yet");
      return;
    }
    const ringOptions = type === "system" ? systemRingOptions(p.options) : undefined;
    await this.attach(
      bridge,
      p.name,
      p.name,
      ringOptions ? { type, name: p.name, system: { ringOptions } } : { type, name: p.name },
      policyOf(p.vlanMode, p.tag, p.trunks),
      !p.adminDown,
      p.ofport,
    );
  }

  private async attach(
    bridge: string,
    name: string,
    netdev: string,
    spec: { type: string; name: string; system?: { ringOptions: PacketRingOptions } },
    policy: ReturnType<typeof policyOf>,
    up: boolean,
    ofPort: number,
  ): Promise<void> {
    const dpPort = this.allocDp();
    const rec: AttachedPort = { dpPort, ofPort, bridge, name, netdev, type: spec.type, attached: false, attachedAt: 0 };
    const key = `${bridge}/${name}`;
    this.ports.set(key, rec);
    try {
      await this.runtime.addPort(dpPort, spec);
      rec.attached = true;
      rec.attachedAt = Date.now();
      const linkUp = this.readLink(rec);
      this.ofproto.setPort(bridge, { dpPort, name, policy, up }, ofPort, linkUp);
      this.links.watch(key, () => this.readLink(rec), linkUp);
      this.syncStaticMacs(bridge);
      this.announce(OFPPR.ADD, rec);
      this.logger.info({ bridge, port: name, dpPort }, "port attached");
    } catch (e) {
      rec.error = (e as Error).message;
      this.logger.error({ bridge, port: name, err: rec.error }, "port could not be attached");
    }
  }

  private async removePort(bridge: string, name: string): Promise<void> {
    const rec = this.ports.get(`${bridge}/${name}`);
    if (rec) await this.detach(rec);
  }

  private async detach(rec: AttachedPort): Promise<void> {
    const gone = rec.attached ? this.viewOf(rec) : undefined;
    this.ports.delete(`${rec.bridge}/${rec.name}`);
    this.links.unwatch(`${rec.bridge}/${rec.name}`);
    this.captures.portGone(rec.dpPort);
    this.ofproto.removePort(rec.bridge, rec.dpPort);
    if (gone) this.portStatus.emit(rec.bridge, { reason: OFPPR.DELETE, port: gone });
    if (rec.attached) await this.runtime.removePort(rec.dpPort);
    this.usedDp.delete(rec.dpPort);
    this.logger.info({ bridge: rec.bridge, port: rec.name }, "port detached");
  }

  private changePort(bridge: string, p: PortConfig, old: PortConfig): void {
    const rec = this.ports.get(`${bridge}/${p.name}`);
    if (!rec?.attached) return;
    const before = this.viewOf(rec);
    // Admin state: a REST change of adminDown wins; otherwise PORT_MOD's PORT_DOWN stays.
    const up = p.adminDown !== old.adminDown ? !p.adminDown : before.adminUp;
    rec.ofPort = p.ofport;
    this.ofproto.setPort(
      bridge,
      { dpPort: rec.dpPort, name: p.name, policy: policyOf(p.vlanMode, p.tag, p.trunks), up },
      p.ofport,
    );
    const after = this.viewOf(rec);
    if (after.ofPort !== before.ofPort) {
      this.portStatus.emit(bridge, { reason: OFPPR.DELETE, port: before });
      this.portStatus.emit(bridge, { reason: OFPPR.ADD, port: after });
    } else if (after.config !== before.config || after.linkUp !== before.linkUp) {
      this.portStatus.emit(bridge, { reason: OFPPR.MODIFY, port: after });
    }
  }

  /** Whether a port's link is up (LinkMonitor's reader; see the design note on link). */
  private readLink(rec: AttachedPort): boolean {
    try {
      return (netdevFlags(rec.netdev) & IFF_RUNNING) !== 0;
    } catch {
      return rec.type !== "system"; // a TAP in another namespace: we hold its fd
    }
  }

  private linkChanged(key: string, up: boolean): void {
    const rec = this.ports.get(key);
    if (!rec?.attached) return;
    this.logger.info({ bridge: rec.bridge, port: rec.name, link: up ? "up" : "down" }, "port link changed");
    if (this.ofproto.setPortState(rec.bridge, rec.dpPort, { linkUp: up })) this.announce(OFPPR.MODIFY, rec);
  }

  /** PORT_STATUS for `rec` as it is now. */
  private announce(reason: number, rec: AttachedPort): void {
    if (this.portStatus.has(rec.bridge)) this.portStatus.emit(rec.bridge, { reason, port: this.viewOf(rec) });
  }

  /** PORT_MOD on OpenFlow port `pm.portNo` of `bridge` (port-state.ts checks; throws OfpError). */
  private portMod(bridge: string, pm: PortModMessage): void {
    const rec = this.attachedOf(bridge).find((r) => r.ofPort === pm.portNo >>> 0);
    const view = rec ? this.viewOf(rec) : undefined;
    const config = portModConfig(view && { config: view.config ?? 0, hwAddr: macFromString(view.mac) }, pm);
    if (rec && this.ofproto.setPortState(bridge, rec.dpPort, { config })) this.announce(OFPPR.MODIFY, rec);
  }

  /** PORT_STATS entries: one port, or every port for OFPP_ANY (BAD_REQUEST/BAD_PORT otherwise). */
  private async ofPortStats(bridge: string, portNo: number): Promise<OfpPortStats[]> {
    const recs = this.attachedOf(bridge).filter((r) => portNo === OFPP.ANY || r.ofPort === portNo);
    if (portNo !== OFPP.ANY && recs.length === 0) {
      throw new OfpError(OFPET.BAD_REQUEST, BAD_REQUEST.BAD_PORT, `port-stats: no port ${portNo} on ${bridge}`);
    }
    const now = Date.now();
    const stats = await Promise.all(
      recs.map((r) =>
        this.runtime.portStats(r.dpPort).then(
          (s) => ({ r, s }),
          () => undefined,
        ),
      ),
    );
    const out: OfpPortStats[] = [];
    for (const x of stats) {
      if (!x) continue; // detached while we asked: it is no longer a port
      const ms = Math.max(0, now - x.r.attachedAt);
      const durationSec = Math.floor(ms / 1000);
      out.push({
        portNo: x.r.ofPort,
        rxPackets: BigInt(x.s.rxPackets),
        txPackets: BigInt(x.s.txPackets),
        rxBytes: BigInt(x.s.rxBytes),
        txBytes: BigInt(x.s.txBytes),
        rxDropped: BigInt(x.s.rxDrops),
        txDropped: BigInt(x.s.txDrops),
        rxErrors: BigInt(x.s.rxErrors),
        txErrors: BigInt(x.s.txErrors),
        rxFrameErr: PORT_COUNTER_UNAVAILABLE,
        rxOverErr: PORT_COUNTER_UNAVAILABLE,
        rxCrcErr: PORT_COUNTER_UNAVAILABLE,
        collisions: PORT_COUNTER_UNAVAILABLE,
        durationSec,
        durationNsec: (ms - durationSec * 1000) * 1_000_000,
      });
    }
    if (portNo !== OFPP.ANY && out.length === 0) {
      throw new OfpError(OFPET.BAD_REQUEST, BAD_REQUEST.BAD_PORT, `port-stats: port ${portNo} is going away`);
    }
    return out;
  }

  async portStats(bridge: string, port: string): Promise<PortStats> {
    const rec = this.ports.get(`${bridge}/${port}`);
    if (!rec) throw ERR_PORT_NOT_ATTACHED(port, "its type is not supported by the datapath yet, or it is being added");
    if (!rec.attached) throw ERR_PORT_NOT_ATTACHED(port, rec.error ?? "it is still being attached; try again");
    const s = await this.runtime.portStats(rec.dpPort);
    let linkUp = false;
    let mtu = 0;
    try {
      const info = netdevInfo(rec.netdev);
      linkUp = info.linkUp;
      mtu = info.mtu;
    } catch {
      // the device went away under us: report it down
    }
    return {
      rxPackets: s.rxPackets,
      rxBytes: s.rxBytes,
      rxDropped: s.rxDrops,
      rxErrors: s.rxErrors,
      txPackets: s.txPackets,
      txBytes: s.txBytes,
      txDropped: s.txDrops,
      txErrors: s.txErrors,
      linkUp,
      mtu,
    };
  }

  private portName(bridge: string, dpPort: number): string {
    return this.ofproto.bridges.get(bridge)?.ports.get(dpPort)?.name ?? `#${dpPort}`;
  }

  fdb(bridge: string): FdbEntry[] {
    const br = this.ofproto.bridges.get(bridge);
    if (!br) return [];
    return br.macs.list(this.ofproto.now()).map((e) => ({
      vlan: e.vlan,
      mac: e.mac,
      port: this.portName(bridge, e.port),
      ageSeconds: e.ageSeconds,
      static: e.isStatic,
    }));
  }

  fdbFlush(bridge: string, filter: FdbFlushFilter): number {
    const br = this.ofproto.bridges.get(bridge);
    if (!br) return 0;
    const port = filter.port === undefined ? undefined : this.ports.get(`${bridge}/${filter.port}`)?.dpPort;
    if (filter.port !== undefined && port === undefined) return 0;
    return br.macs.flush({ port, vlan: filter.vlan });
  }

  /** The bridge as OpenFlow connections see it (of-connections.ts); state is read per call. */
  ofBridge(name: string): OfBridge {
    const br = () => {
      const b = this.ofproto.bridges.get(name);
      if (!b) throw new Error(`bridge ${name} is not in the datapath`);
      return b;
    };
    return {
      name,
      datapathId: () => this.datapathId(name),
      ports: () => this.ofPortViews(name),
      tables: () => br().tables,
      now: () => this.ofproto.now(),
      flowMod: (fm) => this.ofproto.flowMod(name, fm),
      flowModChecks: () => this.ofproto.flowModChecks(br()),
      groupMod: (gm) => this.ofproto.groupMod(name, gm),
      groups: () => br().groups,
      subscribePacketIn: (l) => this.ofproto.subscribePacketIn(name, l),
      subscribeFlowRemoved: (l) => this.ofproto.subscribeFlowRemoved(name, l),
      subscribePortStatus: (l) => this.portStatus.subscribe(name, l),
      portStats: (portNo) => this.ofPortStats(name, portNo),
      portMod: (pm) => this.portMod(name, pm),
      fragMode: () => (br().fragDrop ? OFPC_FRAG.DROP : OFPC_FRAG.NORMAL),
      setFragMode: (mode) => this.ofproto.setFragDrop(name, mode === OFPC_FRAG.DROP),
      packetOut: async (inPort, actions, data) => {
        if (data.length > PARSER_DATA_ROOM) {
          throw new OfpError(OFPET.BAD_REQUEST, BAD_REQUEST.BAD_PACKET, `packet-out of ${data.length} bytes`);
        }
        const fp = await this.frameParser();
        this.ofproto.packetOut(name, inPort, actions, data, (frame, dpPort) => parseFrameKey(fp, frame, dpPort));
      },
      fence: () => this.runtime.fence(),
      settled: () => this.runtime.settled,
      meters: () => br().meters,
      meterMod: (mm) => this.ofproto.meterMod(name, mm),
      meterCounters: (slots) => this.runtime.meterStats(slots),
    };
  }

  /** The parser instance for PACKET_OUT and trace frames (created on first use). */
  private frameParser(): Promise<FastPath> {
    this.parser ??= createFastPath({ buffers: 4, maxFlows: 16, emcEntries: 16, dataRoom: PARSER_DATA_ROOM });
    return this.parser;
  }

  /** The bridge as `wasmvs trace` sees it (src/ofproto/trace/trace.ts). */
  traceTarget(name: string): TraceTarget | undefined {
    const br = this.ofproto.bridges.get(name);
    if (!br) return undefined;
    return {
      bridge: name,
      ports: () =>
        [...this.ports.values()]
          .filter((p) => p.bridge === name && p.attached)
          .map((p) => ({ ofPort: p.ofPort, dpPort: p.dpPort, name: p.name === LOCAL ? name : p.name })),
      parseKey: async (frame, dpPort) => {
        if (frame.length > PARSER_DATA_ROOM) {
          throw new TraceInputError(`packet of ${frame.length} bytes: larger than ${PARSER_DATA_ROOM}`);
        }
        return parseFrameKey(await this.frameParser(), frame, dpPort);
      },
      translate: (dpPort, key, generate) => this.ofproto.traceTranslate(br, dpPort, key, generate),
    };
  }

  /** The configured datapath id, else the LOCAL port's MAC, else one derived from the name. */
  private datapathId(bridge: string): bigint {
    const configured = this.bridgeConfigs.get(bridge)?.datapathId ?? 0n;
    if (configured !== 0n) return configured;
    const local = this.ports.get(`${bridge}/${LOCAL}`);
    let mac: Uint8Array | undefined;
    try {
      if (local) mac = macFromString(netdevInfo(local.netdev).mac);
    } catch {
      // the TAP is gone: fall back to the name
    }
    if (!mac) {
      const h = createHash("sha256").update(bridge).digest();
      mac = Uint8Array.from([(h[0] & 0xfe) | 0x02, h[1], h[2], h[3], h[4], h[5]]);
    }
    return mac.reduce((v, b) => (v << 8n) | BigInt(b), 0n);
  }

  /** The attached ports of a bridge, in OpenFlow port order. */
  private attachedOf(bridge: string): AttachedPort[] {
    return [...this.ports.values()]
      .filter((r) => r.bridge === bridge && r.attached)
      .sort((a, b) => a.ofPort - b.ofPort);
  }

  private ofPortViews(bridge: string): OfPortView[] {
    return this.attachedOf(bridge).map((rec) => this.viewOf(rec));
  }

  /** A port as OpenFlow describes it: MAC from the kernel, config and link as forwarding sees them. */
  private viewOf(rec: AttachedPort): OfPortView {
    let mac = "00:00:00:00:00:00";
    try {
      mac = netdevInfo(rec.netdev).mac;
    } catch {
      // the device is not in this namespace (a moved TAP) or went away
    }
    const st = this.ofproto.portState(rec.dpPort) ?? { config: OFPPC.PORT_DOWN, linkUp: false };
    return {
      ofPort: rec.ofPort,
      name: rec.name === LOCAL ? rec.bridge : rec.name,
      mac,
      adminUp: (st.config & OFPPC.PORT_DOWN) === 0,
      linkUp: st.linkUp,
      config: st.config,
    };
  }

  /** Every port the datapath knows: bridge, port name ("LOCAL" for the bridge's own), number. */
  attachedPorts(): Array<{ bridge: string; name: string; netdev: string; dpPort: number; attached: boolean }> {
    return [...this.ports.values()].map(({ bridge, name, netdev, dpPort, attached }) => ({
      bridge,
      name,
      netdev,
      dpPort,
      attached,
    }));
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.links.stop();
    this.captures.closeAll();
    await this.queue;
    await this.runtime.stop();
  }
}
