// What the observation surfaces (dpctl, stats/top, /metrics, capture) read from the running
// switch, in one place: the ObserveSource the REST plugins are given.
//
// What: DataplaneObserver joins the live dataplane (datapath runtime, ofproto, capture hub,
//   attached ports), the OpenFlow connection manager and the configuration service into the
//   views the API serves: datapath show (counters, flow count, ports), megaflow dumps with
//   dpctl text, del-flows, capture sessions by bridge/port name, per-port stats, rule counts,
//   OpenFlow channel states and the upcall latency feed.
// Design: read-only except deleteFlows (through ofproto's registry, so the control plane forgets
//   what it removes and the rules' counters get the flows' final counts) and capture sessions.
//   Names are resolved here so every route answers the same errors for an unknown bridge or
//   port (the service's catalog errors name the token). The bridge's own internal port is
//   named after the bridge, as in OVS.
// Threading: main thread.

import { ERR_PORT_NOT_ATTACHED } from "../api/errors.ts";
import type { LiveDataplane } from "../bridge/live-dataplane.ts";
import { describeActions } from "../datapath/datapath-actions.ts";
import { FlowKey } from "../datapath/flow-key.ts";
import type { OfConnections } from "../ofproto/of-connections.ts";
import type { PortStats } from "../switch/dataplane-view.ts";
import type { SwitchService } from "../switch/switch-service.ts";
import type { CaptureListener } from "./capture-hub.ts";
import { formatMegaflow, formatMegaflowMatch, formatTcpFlags } from "./megaflow-format.ts";

/** LiveDataplane's name for a bridge's internal port. */
const LOCAL_PORT = "LOCAL";

export interface DatapathPortView {
  dpPort: number;
  bridge: string;
  /** The port's name; the bridge's own internal port is named after the bridge. */
  name: string;
  attached: boolean;
}

export interface DatapathShowView {
  flows: number;
  /** Fast-path counters by name (assembly/counters/counters.ts). */
  counters: Record<string, number>;
  ports: DatapathPortView[];
}

export interface MegaflowView {
  handle: number;
  bridge: string | null;
  inPort: number;
  match: string;
  packets: number;
  bytes: number;
  /** Seconds since the last hit; null when never hit since install. */
  usedSeconds: number | null;
  ageSeconds: number;
  tcpFlags: string;
  /** Exact-match cache entries serving the flow now. */
  emc: number;
  /** Which cache served its packets: EMC hits and megaflow-classifier hits. */
  hits: { emc: number; classifier: number };
  actions: string;
  /** The whole dpctl/dump-flows line. */
  line: string;
}

export interface ObserveSource {
  show(): Promise<DatapathShowView>;
  flows(): Promise<MegaflowView[]>;
  deleteFlows(): Promise<number>;
  /** Starts a capture of bridge/port (throws the catalog's error for unknown names). */
  openCapture(
    bridge: string,
    port: string,
    dirs: number,
    listener: CaptureListener,
    onEnd: (why: string) => void,
  ): Promise<() => Promise<void>>;
  portStats(bridge: string, port: string): Promise<PortStats>;
  /** Rules per bridge and table (tables with at least one rule). */
  ruleCounts(): Array<{ bridge: string; table: number; rules: number }>;
  openflowChannels(): Array<{ bridge: string; target: string; state: string }>;
  openflowListeners(): Array<{ bridge: string; target: string }>;
  captureSessions(): number;
  /** Resolves once every frame the fast path captured before the call has reached its session. */
  flushCaptures(): Promise<void>;
  /** Feeds each handled miss's latency (seconds) to fn; one feed at a time. */
  onUpcallLatency(fn: (seconds: number) => void): void;
}

export class DataplaneObserver implements ObserveSource {
  constructor(
    private readonly live: LiveDataplane,
    private readonly service: SwitchService,
    private readonly openflow?: OfConnections,
  ) {}

  private ports(): DatapathPortView[] {
    return this.live
      .attachedPorts()
      .map((p) => ({
        dpPort: p.dpPort,
        bridge: p.bridge,
        name: p.name === LOCAL_PORT ? p.bridge : p.name,
        attached: p.attached,
      }))
      .sort((a, b) => a.dpPort - b.dpPort);
  }

  async show(): Promise<DatapathShowView> {
    return {
      flows: this.live.ofproto.registry.size,
      counters: await this.live.runtime.counters(),
      ports: this.ports(),
    };
  }

  async flows(): Promise<MegaflowView[]> {
    const dump = await this.live.runtime.dumpFlows();
    const registry = this.live.ofproto.registry;
    return dump.flows
      .map((f) => ({
        handle: f.handle,
        bridge: registry.get(f.handle)?.bridge ?? null,
        inPort: new FlowKey(f.key).inPort,
        match: formatMegaflowMatch(f.key, f.mask),
        packets: f.packets,
        bytes: f.bytes,
        usedSeconds: f.packets === 0 ? null : ((dump.now - f.used) >>> 0) / 1000,
        ageSeconds: ((dump.now - f.installed) >>> 0) / 1000,
        tcpFlags: formatTcpFlags(f.tcpFlags),
        emc: f.emc,
        hits: { emc: Math.max(0, f.packets - f.classifierHits), classifier: f.classifierHits },
        actions: describeActions(f.actions),
        line: formatMegaflow(f, dump.now),
      }))
      .sort((a, b) => a.handle - b.handle);
  }

  async deleteFlows(): Promise<number> {
    const n = this.live.ofproto.deleteAllMegaflows();
    await this.live.runtime.fence(); // gone from the fast path when we answer
    return n;
  }

  /** The datapath port of bridge/port; the catalog's errors for names that do not exist. */
  private resolve(bridge: string, port: string): number {
    this.service.getBridge(bridge); // BRIDGE_NOT_FOUND
    const p = this.live
      .attachedPorts()
      .find((x) => x.bridge === bridge && (x.name === port || (x.name === LOCAL_PORT && port === bridge)));
    if (!p) {
      this.service.getPort(bridge, port); // PORT_NOT_FOUND
      throw ERR_PORT_NOT_ATTACHED(port, "its type is not supported by the datapath yet, or it is being added");
    }
    if (!p.attached) throw ERR_PORT_NOT_ATTACHED(port, "it is still being attached; try again");
    return p.dpPort;
  }

  openCapture(
    bridge: string,
    port: string,
    dirs: number,
    listener: CaptureListener,
    onEnd: (why: string) => void,
  ): Promise<() => Promise<void>> {
    const dpPort = this.resolve(bridge, port);
    return this.live.captures.open(dpPort, dirs, listener, onEnd);
  }

  async portStats(bridge: string, port: string): Promise<PortStats> {
    const ports = this.live.attachedPorts();
    const isLocal = port === bridge && !ports.some((p) => p.bridge === bridge && p.name === port);
    return this.live.portStats(bridge, isLocal ? LOCAL_PORT : port);
  }

  ruleCounts(): Array<{ bridge: string; table: number; rules: number }> {
    const out: Array<{ bridge: string; table: number; rules: number }> = [];
    for (const [name, br] of this.live.ofproto.bridges) {
      for (let t = 0; t < 254; t++) {
        const n = br.tables.table(t).size;
        if (n > 0) out.push({ bridge: name, table: t, rules: n });
      }
    }
    return out;
  }

  openflowChannels(): Array<{ bridge: string; target: string; state: string }> {
    return this.openflow?.channelStates() ?? [];
  }

  openflowListeners(): Array<{ bridge: string; target: string }> {
    const of = this.openflow;
    if (!of) return [];
    return [...this.live.ofproto.bridges.keys()].flatMap((bridge) =>
      of.targets(bridge).map((target) => ({ bridge, target })),
    );
  }

  flushCaptures(): Promise<void> {
    return this.live.runtime.roundTrip();
  }

  captureSessions(): number {
    return this.live.captures.size;
  }

  onUpcallLatency(fn: (seconds: number) => void): void {
    this.live.ofproto.upcallLatency = fn;
  }
}
