// The live dataplane: joins the configuration service to the datapath worker and ofproto.
//
// What: subscribes to SwitchService events and turns them into datapath work — a bridge gets
//   its MAC table and its LOCAL (internal) port; a port gets a datapath port number, a backend
//   in the worker (tap / system / internal) and its VLAN policy in ofproto. It answers the
//   service's DataplaneView questions (port counters, the FDB, FDB flushes).
// Design: events arrive synchronously; attaching a port is asynchronous (the worker opens the
//   device), so operations run one at a time through a promise queue in event order, and a
//   failure is logged with the port's name (the configuration stays; the port is just not
//   attached — `port stats` then says so).
// Threading: main thread.

import { createHash } from "node:crypto";
import type { Logger } from "pino";
import { OFPP } from "../../openflow/constants.ts";
import { BAD_REQUEST, OFPET, OfpError } from "../../openflow/errors.ts";
import { ERR_PORT_NOT_ATTACHED } from "../api/errors.ts";
import type { BridgeConfig, PortConfig } from "../config/model.ts";
import { DEFAULT_MAC_AGING_SECONDS, DEFAULT_MAC_TABLE_SIZE } from "../config/model.ts";
import { createFastPath, type FastPath } from "../datapath/fastpath-module.ts";
import { KEY_SIZE, macFromString } from "../datapath/flow-key.ts";
import { type DatapathOptions, DatapathRuntime } from "../datapath/runtime/datapath-runtime.ts";
import { CaptureHub } from "../observe/capture-hub.ts";
import { policyOf } from "../ofproto/normal/vlan-policy.ts";
import type { OfBridge, OfPortView } from "../ofproto/of-handlers/handler-context.ts";
import { Ofproto } from "../ofproto/ofproto.ts";
import { netdevInfo } from "../ports/netdev-info.ts";
import type { PacketRingOptions } from "../ports/packet-ring.ts";
import type { DataplaneView, FdbEntry, FdbFlushFilter, PortStats } from "../switch/dataplane-view.ts";
import type { SwitchService } from "../switch/switch-service.ts";

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
  attached: boolean;
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
  }

  static async start(logger: Logger, opts: LiveDataplaneOptions = {}): Promise<LiveDataplane> {
    let dp: LiveDataplane | undefined;
    const runtime = await DatapathRuntime.start(
      {
        onMiss: (p, k, b) => dp?.ofproto.onMiss(p, k, b),
        onActionUpcall: (r, u, k, p) => dp?.ofproto.onActionUpcall(r, u, k, p),
        onFlowStats: (h, u, p, b) => dp?.ofproto.onFlowStats(h, u, p, b),
        onFlowGone: (h, w) => dp?.ofproto.onFlowGone(h, w),
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
    service.on("port-changed", (e) => this.enqueue(async () => this.changePort(e.bridge, e.new)));
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
    const rec: AttachedPort = { dpPort, ofPort, bridge, name, netdev, attached: false };
    this.ports.set(`${bridge}/${name}`, rec);
    try {
      await this.runtime.addPort(dpPort, spec);
      rec.attached = true;
      this.ofproto.setPort(bridge, { dpPort, name, policy, up }, ofPort);
      this.syncStaticMacs(bridge);
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
    this.ports.delete(`${rec.bridge}/${rec.name}`);
    this.captures.portGone(rec.dpPort);
    this.ofproto.removePort(rec.bridge, rec.dpPort);
    if (rec.attached) await this.runtime.removePort(rec.dpPort);
    this.usedDp.delete(rec.dpPort);
    this.logger.info({ bridge: rec.bridge, port: rec.name }, "port detached");
  }

  private changePort(bridge: string, p: PortConfig): void {
    const rec = this.ports.get(`${bridge}/${p.name}`);
    if (!rec?.attached) return;
    rec.ofPort = p.ofport;
    this.ofproto.setPort(
      bridge,
      { dpPort: rec.dpPort, name: p.name, policy: policyOf(p.vlanMode, p.tag, p.trunks), up: !p.adminDown },
      p.ofport,
    );
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
      subscribePacketIn: (l) => this.ofproto.subscribePacketIn(name, l),
      packetOut: async (inPort, actions, data) => {
        if (data.length > PARSER_DATA_ROOM) {
          throw new OfpError(OFPET.BAD_REQUEST, BAD_REQUEST.BAD_PACKET, `packet-out of ${data.length} bytes`);
        }
        this.parser ??= createFastPath({ buffers: 4, maxFlows: 16, emcEntries: 16, dataRoom: PARSER_DATA_ROOM });
        const fp = await this.parser;
        this.ofproto.packetOut(name, inPort, actions, data, (frame, dpPort) => parseFrameKey(fp, frame, dpPort));
      },
      fence: () => this.runtime.fence(),
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

  private ofPortViews(bridge: string): OfPortView[] {
    const views: OfPortView[] = [];
    for (const rec of this.ports.values()) {
      if (rec.bridge !== bridge || !rec.attached) continue;
      let mac = "00:00:00:00:00:00";
      let linkUp = false;
      try {
        const info = netdevInfo(rec.netdev);
        mac = info.mac;
        linkUp = info.linkUp;
      } catch {
        // the device went away under us: report it down
      }
      const adminUp = this.ofproto.bridges.get(bridge)?.ports.get(rec.dpPort)?.up ?? false;
      views.push({ ofPort: rec.ofPort, name: rec.name === LOCAL ? bridge : rec.name, mac, adminUp, linkUp });
    }
    return views.sort((a, b) => a.ofPort - b.ofPort);
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
    this.captures.closeAll();
    await this.queue;
    await this.runtime.stop();
  }
}
