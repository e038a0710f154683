// The control plane's record of every megaflow it installed in the fast path: what it was
// translated from and what it depended on, so changes can find the megaflows they make stale.
//
// What: handles (u32, chosen here) → {bridge, key, mask, actions, dependsOn, source, stats}.
//   byDependency indexes handles by the (bridge, VLAN, MAC) destination whose MAC-table entry
//   decided their outputs; byBridge by bridge, for port and configuration changes.
// Design: revalidation here is removal: a stale megaflow is deleted from the fast path and the
//   next packet of that flow misses and is translated afresh. That is always correct, and the
//   MAC-table changes that trigger it (a new host, a move, an expiry) are rare next to packets.
// Invariants: a handle is in the indexes iff it is in `flows`; handles are never reused while
//   the fast path may still hold them (they only grow, wrapping at 2^32 after ~4e9 installs).
// Threading: main thread.

export interface MegaflowRecord {
  handle: number;
  bridge: string;
  key: Uint8Array;
  mask: Uint8Array;
  actions: Uint8Array;
  dependsOn?: { vlan: number; mac: string };
  source?: { vlan: number; mac: string; port: number };
  packets: number;
  bytes: number;
  used: number;
}

export class MegaflowRegistry {
  private readonly flows = new Map<number, MegaflowRecord>();
  private readonly byDependency = new Map<string, Set<number>>();
  private readonly byBridge = new Map<string, Set<number>>();
  private nextHandle = 1;

  static depKey(bridge: string, vlan: number, mac: string): string {
    return `${bridge}/${vlan}/${mac}`;
  }

  get size(): number {
    return this.flows.size;
  }

  add(r: Omit<MegaflowRecord, "handle" | "packets" | "bytes" | "used">): MegaflowRecord {
    const handle = this.nextHandle;
    this.nextHandle = (this.nextHandle + 1) >>> 0 || 1;
    const rec: MegaflowRecord = {
      handle,
      bridge: r.bridge,
      key: r.key,
      mask: r.mask,
      actions: r.actions,
      dependsOn: r.dependsOn,
      source: r.source,
      packets: 0,
      bytes: 0,
      used: 0,
    };
    this.flows.set(handle, rec);
    if (rec.dependsOn) {
      const k = MegaflowRegistry.depKey(rec.bridge, rec.dependsOn.vlan, rec.dependsOn.mac);
      const s = this.byDependency.get(k) ?? new Set<number>();
      this.byDependency.set(k, s);
      s.add(handle);
    }
    const b = this.byBridge.get(rec.bridge) ?? new Set<number>();
    this.byBridge.set(rec.bridge, b);
    b.add(handle);
    return rec;
  }

  get(handle: number): MegaflowRecord | undefined {
    return this.flows.get(handle);
  }

  remove(handle: number): MegaflowRecord | undefined {
    const rec = this.flows.get(handle);
    if (!rec) return undefined;
    this.flows.delete(handle);
    if (rec.dependsOn) {
      const k = MegaflowRegistry.depKey(rec.bridge, rec.dependsOn.vlan, rec.dependsOn.mac);
      const s = this.byDependency.get(k);
      s?.delete(handle);
      if (s?.size === 0) this.byDependency.delete(k);
    }
    const b = this.byBridge.get(rec.bridge);
    b?.delete(handle);
    if (b?.size === 0) this.byBridge.delete(rec.bridge);
    return rec;
  }

  /** Handles whose outputs were decided by (bridge, vlan, mac). */
  dependents(bridge: string, vlan: number, mac: string): number[] {
    return [...(this.byDependency.get(MegaflowRegistry.depKey(bridge, vlan, mac)) ?? [])];
  }

  ofBridge(bridge: string): number[] {
    return [...(this.byBridge.get(bridge) ?? [])];
  }

  all(): IterableIterator<MegaflowRecord> {
    return this.flows.values();
  }
}
