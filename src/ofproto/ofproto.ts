// ofproto: the bridges' forwarding logic on the control plane side of the datapath — it
// translates misses through each bridge's OpenFlow tables, installs the resulting megaflows,
// and keeps them correct when flow tables, MAC tables, ports or VLAN settings change.
//
// What: one Ofproto serves every bridge of the switch (one datapath, datapath port numbers
//   unique across bridges). Each bridge has its RuleTables (254 tables), starting with the one
//   flow Open vSwitch shows on a fresh bridge, `table=0, priority=0, actions=NORMAL`, so a new
//   bridge is a standalone learning switch. It is the DatapathSink of the runtime: onMiss
//   translates with xlatePipeline (output:NORMAL runs xlateNormal with learning) and installs
//   (the missed packet rides along and is executed with the new actions); flow stats credit
//   the OpenFlow rules that produced a megaflow and the tables its translation looked up
//   (lookup/matched counts, table-visits.ts), and refresh the MAC entries of sources the fast
//   path is still carrying; flow removals drop registry entries. flowMod applies a FLOW_MOD;
//   groupMod a GROUP_MOD (group-table.ts; a deleted group takes the rules that use it along);
//   group and bucket counters are credited from megaflow stats like rules (group-stats.ts).
//   onActionUpcall turns CONTROLLER-action and TTL upcalls into packet-ins for the bridge's
//   subscribers (subscribePacketIn; of-connections.ts sends them as OFPT_PACKET_IN).
//   meterMod applies a METER_MOD (meter-mod.ts); each bridge's meters take fast-path meter
//   slots from one MeterSlots (one datapath), and translation emits A_METER for them.
//   tick() (once a second) ages MAC entries and expires rules by idle/hard timeout
//   (rule-expiry.ts); rules leaving by timeout or by FLOW_MOD delete reach the bridge's
//   subscribeFlowRemoved listeners as FLOW_REMOVED (only SEND_FLOW_REM rules) — one path for
//   both. Each port has a PortState (port-state.ts: OpenFlow config bits from PORT_MOD or the
//   configured admin state, and the link); setPortState changes it and revalidates.
//   setFragDrop sets a bridge's SET_CONFIG frag mode (DROP: IP fragments dropped before table
//   0, xlate.ts) and revalidates when it changes.
// Design: translation results are recorded in MegaflowRegistry with what they depended on; a
//   MAC-table change deletes exactly the megaflows whose destination lookup it affects; a
//   FLOW_MOD, a port or a bridge change deletes the bridge's megaflows (revalidation by
//   removal: always correct). OpenFlow port numbers are the configured ofports; the bridge's
//   internal port is OFPP_LOCAL. A translation that ran NORMAL more than once (several
//   destinations decided it) is executed but not installed: the registry keeps one dependency
//   per megaflow, and an uninstalled flow cannot go stale.
// Invariants: every megaflow in the fast path has a registry record (or is being removed);
//   a port's NormalPort.up is portLive(its PortState) and its PortInfo carries the config;
//   translation failures install drop megaflows (fail closed); after flowMod, groupMod or
//   meterMod returns, every
//   megaflow of the bridge translated before it has been queued for deletion (the caller's
//   fence on the datapath then makes that visible before a BARRIER_REPLY).
// Threading: main thread.

import type { Action } from "../../openflow/actions/actions.ts";
import { OFPP, OFPTT_ALL } from "../../openflow/constants.ts";
import { BAD_REQUEST, OFPET, OfpError } from "../../openflow/errors.ts";
import { OFPFC } from "../../openflow/messages/flow-mod.ts";
import { type FlowRemovedMessage, OFPRR } from "../../openflow/messages/flow-removed.ts";
import { OFPR } from "../../openflow/messages/packet-in.ts";
import { OFPPC } from "../../openflow/messages/port.ts";
import { KEY } from "../datapath/flow-key.ts";
import type { DatapathRuntime, DatapathSink } from "../datapath/runtime/datapath-runtime.ts";
import { GONE_IDLE } from "../datapath/runtime/ring-messages.ts";
import { checkConsistency, factsOfKey } from "./action-checks.ts";
import { BridgeListeners } from "./bridge-listeners.ts";
import type { FlowModRequest, FlowModResult } from "./flow-mod.ts";
import { applyFlowMod, checkActionList, type FlowModOptions, type RemovedRule } from "./flow-mod.ts";
import { creditGroupHits, type GroupHit } from "./group-stats.ts";
import { type GroupModOutcome, type GroupModRequest, GroupTable } from "./group-table.ts";
import { MegaflowRegistry } from "./megaflow-registry.ts";
import { applyMeterMod, type MeterModResult } from "./meter-mod.ts";
import { type MeterModRequest, MeterSlots, MeterTable } from "./meter-table.ts";
import { MacTable } from "./normal/mac-table.ts";
import type { NormalPort } from "./normal/xlate-normal.ts";
import { OFPCML_NO_BUFFER, type PacketInEvent, type PacketInListener } from "./of-handlers/packet-in.ts";
import { PipelineFlow } from "./pipeline-flow.ts";
import { type PortState, portLive } from "./port-state.ts";
import { expireRules } from "./rule-expiry.ts";
import { creditRule, flowRemovedMessages } from "./rule-stats.ts";
import { type Rule, RuleTables } from "./rule-table.ts";
import { creditTableVisits, type TableVisits } from "./table-visits.ts";
import { ControllerUserdata } from "./xlate/controller-userdata.ts";
import { StaticPortMap } from "./xlate/port-map.ts";
import { type XlateResult, xlatePacketOut, xlatePipeline } from "./xlate/xlate.ts";
import type { XlateEnv } from "./xlate/xlate-context.ts";

export interface OfprotoBridge {
  name: string;
  ports: Map<number, NormalPort>;
  macs: MacTable;
  tables: RuleTables;
  /** Datapath port → OpenFlow port number. */
  ofPorts: Map<number, number>;
  /** The translator's view of the ports, rebuilt on every port change. */
  portMap: StaticPortMap;
  controller: ControllerUserdata;
  /** OpenFlow meters (meter-table.ts), carried by fast-path meter slots. */
  meters: MeterTable;
  groups: GroupTable;
  /** While failing open (fail-open.ts): a table holding only NORMAL, used instead of `tables`. */
  failOpen?: RuleTables;
  /** SET_CONFIG frag mode DROP: IP fragments are dropped before table 0 (per switch, as in OVS). */
  fragDrop: boolean;
}

/** What a GROUP_MOD changed: the group table's outcome and the flows that used deleted groups. */
export interface GroupModResult extends GroupModOutcome {
  /** Rules removed with their groups (reason GROUP_DELETE). */
  removed: RemovedRule[];
}

/** The FLOW_MOD that deletes every rule whose own actions use `groupId`. */
function deleteFlowsOfGroup(groupId: number): FlowModRequest {
  return {
    ...defaultNormalFlow(),
    command: OFPFC.DELETE,
    tableId: OFPTT_ALL,
    outGroup: groupId,
    instructions: [],
  };
}

/** The flow a fresh bridge starts with: table=0, priority=0, actions=NORMAL. */
export function defaultNormalFlow(): FlowModRequest {
  return {
    cookie: 0n,
    cookieMask: 0n,
    tableId: 0,
    command: 0,
    idleTimeout: 0,
    hardTimeout: 0,
    priority: 0,
    outPort: OFPP.ANY,
    outGroup: 0xffffffff,
    flags: 0,
    match: [],
    instructions: [{ type: "apply_actions", actions: [{ type: "output", port: OFPP.NORMAL, maxLen: 0 }] }],
  };
}

/** Reasons of datapath action upcalls (assembly/datapath/upcall-queue.ts). */
export const UPCALL_ACTION = 1;
export const UPCALL_TTL = 3;
/** The cookie of a packet-in no rule can be associated with (§7.4.1: -1). */
const ALL_ONES_COOKIE = 0xffffffffffffffffn;

export interface OfprotoStats {
  upcalls: number;
  /** Packet-ins handed to a bridge's listeners. */
  packetIns: number;
  /** Controller/TTL upcalls dropped: no listener on the bridge, port gone, unknown userdata. */
  packetInDrops: number;
  installs: number;
  revalidations: number;
  /** Rules removed by their idle or hard timeout. */
  expirations: number;
}

export class Ofproto implements DatapathSink {
  readonly bridges = new Map<string, OfprotoBridge>();
  private readonly portBridge = new Map<number, OfprotoBridge>();
  readonly registry = new MegaflowRegistry();
  readonly stats: OfprotoStats = {
    upcalls: 0,
    packetIns: 0,
    packetInDrops: 0,
    installs: 0,
    revalidations: 0,
    expirations: 0,
  };
  private runtime?: DatapathRuntime;
  /** Fast-path meter slots, shared by the bridges (one datapath). */
  readonly meterSlots = new MeterSlots();
  /** Told each handled miss's latency in seconds: from the miss reaching onMiss (read off the
   *  up ring) to its install — or, for a miss executed without an install, its execute —
   *  written to the down ring (/metrics histogram). */
  upcallLatency?: (seconds: number) => void;
  private readonly packetInListeners = new Map<string, Set<PacketInListener>>();
  private readonly flowRemovedListeners = new BridgeListeners<FlowRemovedMessage>();
  /** Datapath port → its OpenFlow state (config bits, link). */
  private readonly portStates = new Map<number, PortState>();
  private readonly epoch: number;
  /**
   * Megaflow handle → the OpenFlow rules its translation matched, the tables it looked up
   * (table-visits.ts: a shared frozen pattern, credited to `tables`), and the counts already
   * credited to them. Kept after revalidation removes the megaflow, until the datapath reports
   * it gone with its final counts (GONE_DELETED), so no traffic goes uncounted.
   */
  private readonly credits = new Map<
    number,
    { rules: Rule[]; groups: GroupHit[]; tables: RuleTables; visits: TableVisits; packets: number; bytes: number }
  >();

  /** `clock` is wall time in ms (tests pass a fake one). */
  constructor(private readonly clock: () => number = Date.now) {
    this.epoch = clock();
  }

  /** Milliseconds since this ofproto started (the MAC tables' and rule tables' clock). */
  now(): number {
    return this.clock() - this.epoch;
  }

  attach(runtime: DatapathRuntime): void {
    this.runtime = runtime;
  }

  addBridge(name: string, agingSeconds: number, maxEntries: number): OfprotoBridge {
    const br: OfprotoBridge = {
      name,
      ports: new Map(),
      macs: new MacTable({ agingSeconds, maxEntries }),
      tables: new RuleTables(),
      ofPorts: new Map(),
      portMap: new StaticPortMap(),
      controller: new ControllerUserdata(),
      meters: new MeterTable(this.meterSlots),
      groups: new GroupTable(),
      fragDrop: false,
    };
    applyFlowMod(br.tables, defaultNormalFlow(), this.now());
    br.macs.onChange((vlan, mac) => this.revalidateDependents(br, vlan, mac));
    this.bridges.set(name, br);
    return br;
  }

  removeBridge(name: string): void {
    const br = this.bridges.get(name);
    if (!br) return;
    for (const dp of br.ports.keys()) {
      this.portBridge.delete(dp);
      this.portStates.delete(dp);
    }
    this.bridges.delete(name);
    this.revalidateBridge(name);
    for (const m of br.meters.clear()) this.runtime?.deleteMeter(m.slot);
  }

  /**
   * Adds or replaces a port; its learned MACs go (as OVS does when a port's VLANs change).
   * `ofPort` is its OpenFlow number (OFPP_LOCAL for the internal port; default: dpPort).
   * `port.up` is the administrative state (OFPPC_PORT_DOWN clear); the port's other config
   * bits stay; `linkUp` (default: as before, or up) is the device's link.
   */
  setPort(bridge: string, port: NormalPort, ofPort = port.dpPort, linkUp?: boolean): void {
    const br = this.bridges.get(bridge);
    if (!br) throw new Error(`no bridge ${bridge}`);
    const old = br.ports.get(port.dpPort);
    const prev = this.portStates.get(port.dpPort);
    const st: PortState = {
      config: port.up ? (prev?.config ?? 0) & ~OFPPC.PORT_DOWN : (prev?.config ?? 0) | OFPPC.PORT_DOWN,
      linkUp: linkUp ?? prev?.linkUp ?? true,
    };
    this.portStates.set(port.dpPort, st);
    br.ports.set(port.dpPort, withState(port, st));
    br.ofPorts.set(port.dpPort, ofPort);
    this.portBridge.set(port.dpPort, br);
    this.rebuildPortMap(br);
    if (old) br.macs.flush({ port: port.dpPort });
    this.revalidateBridge(bridge);
  }

  removePort(bridge: string, dpPort: number): void {
    const br = this.bridges.get(bridge);
    if (!br) return;
    br.ports.delete(dpPort);
    br.ofPorts.delete(dpPort);
    this.portBridge.delete(dpPort);
    this.portStates.delete(dpPort);
    this.rebuildPortMap(br);
    br.macs.flush({ port: dpPort });
    this.revalidateBridge(bridge);
  }

  /** The OpenFlow state of a datapath port (a copy), or undefined when it is no port of ours. */
  portState(dpPort: number): PortState | undefined {
    const s = this.portStates.get(dpPort);
    return s ? { ...s } : undefined;
  }

  /**
   * Changes a port's OpenFlow config bits and/or link; when that changes anything, the
   * translator's view is rebuilt and the bridge's megaflows are revalidated. Returns whether
   * something changed. MAC entries stay (a link flap must not flush the bridge's learning).
   */
  setPortState(bridge: string, dpPort: number, patch: Partial<PortState>): boolean {
    const br = this.bridges.get(bridge);
    const port = br?.ports.get(dpPort);
    const prev = this.portStates.get(dpPort);
    if (!br || !port || !prev) return false;
    const st: PortState = { config: patch.config ?? prev.config, linkUp: patch.linkUp ?? prev.linkUp };
    if (st.config === prev.config && st.linkUp === prev.linkUp) return false;
    this.portStates.set(dpPort, st);
    br.ports.set(dpPort, withState(port, st));
    this.rebuildPortMap(br);
    this.revalidateBridge(bridge);
    return true;
  }

  /** Ages out MAC entries and expires rules by timeout (call about once a second). */
  tick(): void {
    const now = this.now();
    for (const br of this.bridges.values()) {
      br.macs.expire(now);
      const gone = expireRules(br.tables, now);
      if (gone.length === 0) continue;
      this.stats.expirations += gone.length;
      this.revalidateBridge(br.name);
      this.notifyRemoved(br.name, gone, now);
    }
  }

  /** The bridge a datapath port belongs to. */
  bridgeOfPort(dpPort: number): OfprotoBridge | undefined {
    return this.portBridge.get(dpPort);
  }

  /**
   * Fail-open (fail-open.ts) on or off: while on, the bridge translates with a table holding
   * only NORMAL — every packet is switched as by a standalone bridge — and its OpenFlow tables
   * stay as they are for when a controller is back. Revalidates the bridge's megaflows.
   */
  setFailOpen(bridge: string, on: boolean): void {
    const br = this.bridges.get(bridge);
    if (!br || (br.failOpen !== undefined) === on) return;
    if (on) {
      br.failOpen = new RuleTables();
      applyFlowMod(br.failOpen, defaultNormalFlow(), this.now());
    } else {
      br.failOpen = undefined;
    }
    this.revalidateBridge(bridge);
  }

  /**
   * SET_CONFIG's IP fragment handling for a bridge: DROP (true) drops every IP fragment before
   * table 0, NORMAL (false) runs fragments through the tables. A change revalidates the
   * bridge's megaflows (they were translated under the other mode).
   */
  setFragDrop(bridge: string, on: boolean): void {
    const br = this.bridges.get(bridge);
    if (!br || br.fragDrop === on) return;
    br.fragDrop = on;
    this.revalidateBridge(bridge);
  }

  /** The translation environment of a bridge (tables, ports, NORMAL with learning). */
  xlateEnv(br: OfprotoBridge, learn: boolean): XlateEnv {
    return {
      tables: br.failOpen ?? br.tables,
      groups: br.groups,
      ports: br.portMap,
      controller: br.controller,
      meters: { slotOf: (id) => br.meters.get(id)?.slot },
      fragDrop: br.fragDrop,
      normal: { bridge: br, learn, now: this.now() },
    };
  }

  /**
   * Translates a packet of `br` received on datapath port `inPort` with datapath key `keyBytes`
   * through its pipeline: what a miss runs, and what `wasmvs trace` runs (the same call, so a
   * trace shows exactly what the datapath would be given). `learn`: NORMAL learns the source.
   */
  translate(br: OfprotoBridge, inPort: number, keyBytes: Uint8Array, learn: boolean): XlateResult {
    const ofInPort = br.ofPorts.get(inPort) ?? inPort;
    return xlatePipeline(this.xlateEnv(br, learn), PipelineFlow.fromKey(keyBytes, ofInPort));
  }

  /**
   * translate() for `wasmvs trace`: the same translation, except that CONTROLLER outputs do
   * not intern their userdata (controller-userdata.ts dryRun: a trace installs nothing, so it
   * must not grow the table). `generate`: NORMAL learns, as for a real packet.
   */
  traceTranslate(br: OfprotoBridge, inPort: number, keyBytes: Uint8Array, generate: boolean): XlateResult {
    const ofInPort = br.ofPorts.get(inPort) ?? inPort;
    const env = { ...this.xlateEnv(br, generate), controller: br.controller.dryRun() };
    return xlatePipeline(env, PipelineFlow.fromKey(keyBytes, ofInPort));
  }

  onMiss(inPort: number, keyBytes: Uint8Array, packet: Uint8Array): void {
    const t0 = this.upcallLatency ? performance.now() : 0;
    this.stats.upcalls++;
    const br = this.portBridge.get(inPort);
    if (!br || !this.runtime) return; // a port being removed: the packet is dropped
    const tables = br.failOpen ?? br.tables; // the tables translate() looked up
    const r = this.translate(br, inPort, keyBytes, true);
    const rules = r.rules.map((x) => x.rule as Rule);
    // The missed packet runs through the actions, not through a megaflow: credit it here.
    const now = this.now();
    for (const rule of rules) creditRule(rule, 1, packet.length, now);
    creditTableVisits(tables, r.tableVisits, 1);
    const groups = r.groupHits as GroupHit[];
    creditGroupHits(groups, 1, packet.length);
    if (r.normal.length > 1) {
      // Several NORMAL decisions, one dependency slot: run this packet, install nothing.
      this.runtime.execute(inPort, r.actions, packet);
      this.upcallLatency?.((performance.now() - t0) / 1000);
      return;
    }
    const rec = this.registry.add({
      bridge: br.name,
      key: keyBytes,
      mask: r.mask,
      actions: r.actions,
      dependsOn: r.normal[0]?.dependsOn,
      source: r.normal[0]?.source,
    });
    this.stats.installs++;
    if (!this.runtime.install(rec.handle, keyBytes, r.mask, r.actions, { inPort, bytes: packet })) {
      this.registry.remove(rec.handle); // ring full: the packet is dropped, the next one retries
      return;
    }
    if (rules.length > 0 || groups.length > 0 || r.tableVisits.length > 0) {
      this.credits.set(rec.handle, { rules, groups, tables, visits: r.tableVisits, packets: 0, bytes: 0 });
    }
    this.upcallLatency?.((performance.now() - t0) / 1000);
  }

  /** Removes every megaflow from the fast path through the registry (dpctl del-flows); the
   *  next packet of each flow misses and is translated afresh. Returns how many. */
  deleteAllMegaflows(): number {
    const handles = [...this.registry.all()].map((r) => r.handle);
    for (const h of handles) this.deleteFlow(h);
    return handles.length;
  }

  /**
   * Applies a FLOW_MOD to a bridge's tables (throws OfpError, changing nothing, on refusal)
   * and removes the bridge's megaflows, which were translated from the old tables.
   */
  flowMod(bridge: string, fm: FlowModRequest): FlowModResult {
    const br = this.bridges.get(bridge);
    if (!br) throw new Error(`no bridge ${bridge}`);
    const now = this.now();
    const result = applyFlowMod(br.tables, fm, now, this.flowModChecks(br));
    const changed = result.added.length + result.replaced.length + result.modified.length + result.removed.length > 0;
    if (changed) this.revalidateBridge(bridge);
    this.notifyRemoved(bridge, result.removed, now);
    return result;
  }

  /** The switch-state checks a FLOW_MOD of `br` passes (its groups and meters exist). */
  flowModChecks(br: OfprotoBridge): FlowModOptions {
    return {
      meterExists: (id) => br.meters.has(id),
      checkInstructions: (instructions) => br.groups.checkFlowGroups(instructions),
    };
  }

  /**
   * Applies a METER_MOD to a bridge (meter-mod.ts; throws OfpError, changing nothing, on
   * refusal). Deleting meters deletes the rules that use them and revalidates the bridge.
   */
  meterMod(bridge: string, mm: MeterModRequest): MeterModResult {
    const br = this.bridges.get(bridge);
    if (!br) throw new Error(`no bridge ${bridge}`);
    const result = applyMeterMod(br.tables, br.meters, mm, this.now(), this.runtime, () =>
      this.revalidateBridge(bridge),
    );
    this.notifyRemoved(bridge, result.removed, this.now());
    return result;
  }

  /**
   * Applies a GROUP_MOD to a bridge's group table (throws OfpError, changing nothing, on
   * refusal). A deleted group takes the rules that use it along (reason GROUP_DELETE, as Open
   * vSwitch does). Any change removes the bridge's megaflows, as flowMod does.
   */
  groupMod(bridge: string, gm: GroupModRequest): GroupModResult {
    const br = this.bridges.get(bridge);
    if (!br) throw new Error(`no bridge ${bridge}`);
    const outcome = br.groups.apply(gm, this.now());
    const removed: RemovedRule[] = [];
    for (const g of outcome.deleted) {
      for (const r of applyFlowMod(br.tables, deleteFlowsOfGroup(g.groupId), this.now()).removed) {
        removed.push({ rule: r.rule, reason: OFPRR.GROUP_DELETE });
      }
    }
    if (outcome.installed || outcome.deleted.length > 0) this.revalidateBridge(bridge);
    this.notifyRemoved(bridge, removed, this.now());
    return { ...outcome, removed };
  }

  /**
   * Subscribes to the FLOW_REMOVED messages of `bridge` — rules with OFPFF_SEND_FLOW_REM gone
   * by timeout (tick) or FLOW_MOD delete; returns the unsubscribe.
   */
  subscribeFlowRemoved(bridge: string, listener: (m: FlowRemovedMessage) => void): () => void {
    return this.flowRemovedListeners.subscribe(bridge, listener);
  }

  private notifyRemoved(bridge: string, removed: readonly RemovedRule[], now: number): void {
    if (removed.length === 0 || !this.flowRemovedListeners.has(bridge)) return;
    for (const m of flowRemovedMessages(removed, now)) this.flowRemovedListeners.emit(bridge, m);
  }

  /**
   * PACKET_OUT: translates `actions` for `data` as received on OpenFlow port `ofInPort`
   * (CONTROLLER or ANY: no port) and has the datapath run the result. `parseKey` gives the
   * datapath flow key of a frame on a datapath port (0: none). BAD_REQUEST/BAD_PORT for an
   * in_port the bridge does not have; the actions get a FLOW_MOD's checks (BAD_ACTION/*,
   * BAD_OUT_GROUP for a group the bridge lacks, MATCH_INCONSISTENT against the packet).
   */
  packetOut(
    bridge: string,
    ofInPort: number,
    actions: readonly Action[],
    data: Uint8Array,
    parseKey: (frame: Uint8Array, dpPort: number) => Uint8Array,
  ): void {
    const br = this.bridges.get(bridge);
    if (!br || !this.runtime) return;
    const none = ofInPort === OFPP.CONTROLLER || ofInPort === OFPP.ANY;
    const dpIn = none ? 0 : br.portMap.toDatapath(ofInPort);
    if (dpIn === undefined) {
      throw new OfpError(
        OFPET.BAD_REQUEST,
        BAD_REQUEST.BAD_PORT,
        `packet-out in_port ${ofInPort} is not a port of ${bridge}`,
      );
    }
    // The checks a FLOW_MOD's actions pass, and consistency against the packet itself (Open
    // vSwitch checks a packet-out against the flow extracted from its data).
    checkActionList(actions);
    br.groups.checkFlowGroups([{ type: "apply_actions", actions: [...actions] }]);
    const key = parseKey(data, dpIn);
    checkConsistency(actions, factsOfKey(key));
    const flow = PipelineFlow.fromKey(key, ofInPort);
    const env = this.xlateEnv(br, false);
    const r = xlatePacketOut(env, flow, actions);
    creditGroupHits(r.groupHits as GroupHit[], 1, data.length);
    // output:TABLE ran the packet through rules and tables: they count it, as in Open vSwitch.
    const now = this.now();
    for (const { rule } of r.rules) creditRule(rule as Rule, 1, data.length, now);
    creditTableVisits(env.tables as RuleTables, r.tableVisits, 1);
    if (r.actions.length > 0) this.runtime.execute(dpIn, r.actions, data);
  }

  /**
   * Subscribes to the packet-ins of `bridge` (of-connections.ts, one listener per bridge's
   * connection set); returns the unsubscribe.
   */
  subscribePacketIn(bridge: string, listener: PacketInListener): () => void {
    let set = this.packetInListeners.get(bridge);
    if (!set) {
      set = new Set();
      this.packetInListeners.set(bridge, set);
    }
    set.add(listener);
    const s = set;
    return () => {
      s.delete(listener);
      if (s.size === 0 && this.packetInListeners.get(bridge) === s) this.packetInListeners.delete(bridge);
    };
  }

  /**
   * A datapath USERSPACE action (reason UPCALL_ACTION, userdata from ControllerUserdata) or a
   * TTL expiry (UPCALL_TTL) → a PacketInEvent for the listeners of the packet's bridge (the
   * bridge of the key's IN_PORT; OpenFlow in_port = its ofport). Counted in
   * stats.packetInDrops and dropped when the bridge has no listener, the port is gone, or the
   * userdata is not a controller one.
   */
  onActionUpcall(reason: number, userdata: number, key: Uint8Array, packet: Uint8Array): void {
    if (key.length < 4) {
      this.stats.packetInDrops++;
      return;
    }
    const dpIn = new DataView(key.buffer, key.byteOffset, key.byteLength).getUint32(KEY.IN_PORT, true);
    const br = this.portBridge.get(dpIn);
    const listeners = br ? this.packetInListeners.get(br.name) : undefined;
    if (!br || !listeners || listeners.size === 0) {
      this.stats.packetInDrops++;
      return;
    }
    if ((this.portStates.get(dpIn)?.config ?? 0) & OFPPC.NO_PACKET_IN) {
      this.stats.packetInDrops++; // OFPPC_NO_PACKET_IN: no packet-ins for this port's packets
      return;
    }
    let ev: PacketInEvent;
    const inPort = br.ofPorts.get(dpIn) ?? dpIn;
    if (reason === UPCALL_TTL) {
      // The dec-TTL record's userdata names the rule's table and cookie (OpenFlow 1.3.5
      // §7.4.1); a record without one (userdata 0) reports table 0 and cookie -1.
      const c = br.controller.decode(userdata);
      const rule = c?.reason === OFPR.INVALID_TTL ? c : undefined;
      ev = {
        reason: OFPR.INVALID_TTL,
        tableId: rule?.tableId ?? 0,
        cookie: rule?.cookie ?? ALL_ONES_COOKIE,
        maxLen: OFPCML_NO_BUFFER,
        inPort,
        data: packet,
      };
    } else {
      const c = reason === UPCALL_ACTION ? br.controller.decode(userdata) : undefined;
      if (!c) {
        this.stats.packetInDrops++;
        return;
      }
      ev = {
        reason: c.reason,
        tableId: c.tableId,
        cookie: c.cookie,
        maxLen: c.maxLen,
        inPort,
        metadata: c.metadata,
        tunnelId: c.tunnelId,
        data: packet,
      };
    }
    this.stats.packetIns++;
    for (const l of listeners) l(ev);
  }

  onFlowStats(handle: number, used: number, packets: number, bytes: number): void {
    this.creditRules(handle, packets, bytes);
    const rec = this.registry.get(handle);
    if (!rec) return;
    if (packets > rec.packets && rec.source) {
      // The fast path is still carrying this source: keep its MAC entry from aging out. Only
      // refresh: stats arrive up to a second late, and a report from the old port of a MAC
      // that has since moved (a migrated VM announcing itself once) must not move it back.
      const br = this.bridges.get(rec.bridge);
      const { vlan, mac, port } = rec.source;
      const now = this.now();
      const at = br?.macs.lookup(vlan, mac, now);
      if (at === undefined || at === port) br?.macs.learn(vlan, mac, port, now);
    }
    rec.packets = packets;
    rec.bytes = bytes;
    rec.used = used;
  }

  onFlowGone(handle: number, why: number, packets = 0, bytes = 0): void {
    this.creditRules(handle, packets, bytes);
    this.credits.delete(handle);
    if (why === GONE_IDLE || this.registry.get(handle)) this.registry.remove(handle);
  }

  /** Credits the rules, groups and tables of megaflow `handle` with what its counts grew since
   *  the last report. */
  private creditRules(handle: number, packets: number, bytes: number): void {
    const c = this.credits.get(handle);
    if (!c || packets <= c.packets) return;
    const now = this.now();
    for (const rule of c.rules) creditRule(rule, packets - c.packets, Math.max(0, bytes - c.bytes), now);
    creditGroupHits(c.groups, packets - c.packets, Math.max(0, bytes - c.bytes));
    creditTableVisits(c.tables, c.visits, packets - c.packets);
    c.packets = packets;
    c.bytes = bytes;
  }

  private rebuildPortMap(br: OfprotoBridge): void {
    const map = new StaticPortMap();
    for (const [dpPort, p] of br.ports) {
      const config = this.portStates.get(dpPort)?.config ?? 0;
      map.add({ ofPort: br.ofPorts.get(dpPort) ?? dpPort, dpPort, name: p.name, live: p.up, config });
    }
    br.portMap = map;
  }

  private revalidateDependents(br: OfprotoBridge, vlan: number, mac: string): void {
    for (const h of this.registry.dependents(br.name, vlan, mac)) this.deleteFlow(h);
  }

  private revalidateBridge(bridge: string): void {
    for (const h of this.registry.ofBridge(bridge)) this.deleteFlow(h);
  }

  private deleteFlow(handle: number): void {
    this.stats.revalidations++;
    this.registry.remove(handle);
    // `credits` stays until the datapath reports the flow gone with its final counts (the
    // runtime never loses a delete: a full ring defers it).
    if (this.runtime) this.runtime.deleteFlow(handle);
    else this.credits.delete(handle);
  }
}

/** The NormalPort NORMAL sees for a port in state `st`: up when live, NO_FWD kept out. */
function withState(port: NormalPort, st: PortState): NormalPort {
  return { ...port, up: portLive(st), noFwd: (st.config & OFPPC.NO_FWD) !== 0 };
}
