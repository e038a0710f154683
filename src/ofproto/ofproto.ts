// ofproto: the bridges' forwarding logic on the control plane side of the datapath — it
// translates misses (NORMAL for now), installs the resulting megaflows, and keeps them correct
// when MAC tables, ports or VLAN settings change.
//
// What: one Ofproto serves every bridge of the switch (one datapath, datapath port numbers
//   unique across bridges). It is the DatapathSink of the runtime: onMiss translates and
//   installs (the missed packet rides along and is executed with the new actions); flow stats
//   refresh the MAC entries of sources the fast path is still carrying; flow removals drop
//   registry entries.
// Design: translation results are recorded in MegaflowRegistry with what they depended on; a
//   MAC-table change deletes exactly the megaflows whose destination lookup it affects, a port
//   or bridge change deletes the bridge's megaflows (revalidation by removal: always correct).
// Invariants: every megaflow in the fast path has a registry record (or is being removed);
//   translation failures install drop megaflows (fail closed).
// Threading: main thread.

import { FlowKey } from "../datapath/flow-key.ts";
import type { DatapathRuntime, DatapathSink } from "../datapath/runtime/datapath-runtime.ts";
import { GONE_IDLE } from "../datapath/runtime/ring-messages.ts";
import { MegaflowRegistry } from "./megaflow-registry.ts";
import { MacTable } from "./normal/mac-table.ts";
import { type NormalPort, xlateNormal } from "./normal/xlate-normal.ts";

export interface OfprotoBridge {
  name: string;
  ports: Map<number, NormalPort>;
  macs: MacTable;
}

export interface OfprotoStats {
  upcalls: number;
  installs: number;
  revalidations: number;
}

export class Ofproto implements DatapathSink {
  readonly bridges = new Map<string, OfprotoBridge>();
  private readonly portBridge = new Map<number, OfprotoBridge>();
  readonly registry = new MegaflowRegistry();
  readonly stats: OfprotoStats = { upcalls: 0, installs: 0, revalidations: 0 };
  private runtime?: DatapathRuntime;
  private readonly epoch = Date.now();

  /** Milliseconds since this ofproto started (the MAC tables' clock). */
  now(): number {
    return Date.now() - this.epoch;
  }

  attach(runtime: DatapathRuntime): void {
    this.runtime = runtime;
  }

  addBridge(name: string, agingSeconds: number, maxEntries: number): OfprotoBridge {
    const br: OfprotoBridge = { name, ports: new Map(), macs: new MacTable({ agingSeconds, maxEntries }) };
    br.macs.onChange((vlan, mac) => this.revalidateDependents(br, vlan, mac));
    this.bridges.set(name, br);
    return br;
  }

  removeBridge(name: string): void {
    const br = this.bridges.get(name);
    if (!br) return;
    for (const dp of br.ports.keys()) this.portBridge.delete(dp);
    this.bridges.delete(name);
    this.revalidateBridge(name);
  }

  /** Adds or replaces a port; its learned MACs go (as OVS does when a port's VLANs change). */
  setPort(bridge: string, port: NormalPort): void {
    const br = this.bridges.get(bridge);
    if (!br) throw new Error(`no bridge ${bridge}`);
    const old = br.ports.get(port.dpPort);
    br.ports.set(port.dpPort, port);
    this.portBridge.set(port.dpPort, br);
    if (old) br.macs.flush({ port: port.dpPort });
    this.revalidateBridge(bridge);
  }

  removePort(bridge: string, dpPort: number): void {
    const br = this.bridges.get(bridge);
    if (!br) return;
    br.ports.delete(dpPort);
    this.portBridge.delete(dpPort);
    br.macs.flush({ port: dpPort });
    this.revalidateBridge(bridge);
  }

  /** Ages out MAC entries (call about once a second). */
  tick(): void {
    const now = this.now();
    for (const br of this.bridges.values()) br.macs.expire(now);
  }

  onMiss(inPort: number, keyBytes: Uint8Array, packet: Uint8Array): void {
    this.stats.upcalls++;
    const br = this.portBridge.get(inPort);
    if (!br || !this.runtime) return; // a port being removed: the packet is dropped
    const key = new FlowKey(keyBytes);
    const r = xlateNormal(br, key, this.now(), { learn: true });
    const rec = this.registry.add({
      bridge: br.name,
      key: keyBytes,
      mask: r.mask,
      actions: r.actions,
      dependsOn: r.dependsOn,
      source: r.source,
    });
    this.stats.installs++;
    if (!this.runtime.install(rec.handle, keyBytes, r.mask, r.actions, { inPort, bytes: packet })) {
      this.registry.remove(rec.handle); // ring full: the packet is dropped, the next one retries
    }
  }

  onActionUpcall(): void {
    // NORMAL emits no userspace actions; OpenFlow CONTROLLER outputs arrive here later.
  }

  onFlowStats(handle: number, used: number, packets: number, bytes: number): void {
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

  onFlowGone(handle: number, why: number): void {
    if (why === GONE_IDLE || this.registry.get(handle)) this.registry.remove(handle);
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
    this.runtime?.deleteFlow(handle);
  }
}
