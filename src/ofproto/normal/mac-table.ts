// MAC learning table of one bridge: (VLAN, MAC) → port, with aging, a size limit and moves,
// the way Open vSwitch's NORMAL action learns (lib/mac-learning.c).
//
// What: learn() on every packet NORMAL translates (from upcalls, and refreshed from megaflow
//   stats by the revalidator so active hosts do not age out while the fast path carries them);
//   lookup() when choosing an output; expire() periodically; flush() by port and/or VLAN.
// Design: a Map keyed "vlan/mac" kept in least-recently-seen order (a refresh re-inserts the
//   entry), so aging and eviction look at the front only. Static entries are configuration:
//   learning never moves them, aging and eviction never remove them.
// Invariants: size() <= maxEntries; an entry older than the aging time is never returned.
//   Every change to where a (VLAN, MAC) goes is reported to onChange listeners, which the
//   revalidator uses to find megaflows that depended on it.
// Threading: main thread only.

export interface MacEntry {
  vlan: number;
  mac: string;
  port: number;
  lastSeen: number;
  isStatic: boolean;
}

export type LearnOutcome = "learned" | "moved" | "refreshed" | "static" | "evicted-none";

export interface MacTableOptions {
  agingSeconds: number;
  maxEntries: number;
}

type ChangeListener = (vlan: number, mac: string) => void;

export class MacTable {
  private readonly entries = new Map<string, MacEntry>();
  private readonly listeners: ChangeListener[] = [];
  private agingMs: number;
  private maxEntries: number;
  moves = 0;
  evictions = 0;

  constructor(opts: MacTableOptions) {
    this.agingMs = opts.agingSeconds * 1000;
    this.maxEntries = opts.maxEntries;
  }

  static keyOf(vlan: number, mac: string): string {
    return `${vlan}/${mac}`;
  }

  onChange(listener: ChangeListener): void {
    this.listeners.push(listener);
  }

  private changed(vlan: number, mac: string): void {
    for (const l of this.listeners) l(vlan, mac);
  }

  configure(opts: MacTableOptions, now: number): void {
    this.agingMs = opts.agingSeconds * 1000;
    this.maxEntries = opts.maxEntries;
    this.expire(now);
    while (this.entries.size > this.maxEntries && this.evictOldest()) {}
  }

  get size(): number {
    return this.entries.size;
  }

  /** Records that mac was seen on port in vlan at time now (ms). */
  learn(vlan: number, mac: string, port: number, now: number): LearnOutcome {
    const k = MacTable.keyOf(vlan, mac);
    const e = this.entries.get(k);
    if (e?.isStatic) return "static";
    if (e && now - e.lastSeen <= this.agingMs) {
      this.entries.delete(k);
      const moved = e.port !== port;
      e.port = port;
      e.lastSeen = now;
      this.entries.set(k, e);
      if (moved) {
        this.moves++;
        this.changed(vlan, mac);
        return "moved";
      }
      return "refreshed";
    }
    if (e) this.entries.delete(k); // expired: learn afresh
    if (this.entries.size >= this.maxEntries && !this.evictOldest()) return "evicted-none";
    this.entries.set(k, { vlan, mac, port, lastSeen: now, isStatic: false });
    this.changed(vlan, mac);
    return "learned";
  }

  /** The port (VLAN, MAC) was learned on, if the entry is live. */
  lookup(vlan: number, mac: string, now: number): number | undefined {
    const e = this.entries.get(MacTable.keyOf(vlan, mac));
    if (!e) return undefined;
    if (!e.isStatic && now - e.lastSeen > this.agingMs) return undefined;
    return e.port;
  }

  addStatic(vlan: number, mac: string, port: number): void {
    this.entries.delete(MacTable.keyOf(vlan, mac));
    this.entries.set(MacTable.keyOf(vlan, mac), { vlan, mac, port, lastSeen: 0, isStatic: true });
    this.changed(vlan, mac);
  }

  removeStatic(vlan: number, mac: string): boolean {
    const k = MacTable.keyOf(vlan, mac);
    const e = this.entries.get(k);
    if (!e?.isStatic) return false;
    this.entries.delete(k);
    this.changed(vlan, mac);
    return true;
  }

  /** Removes entries idle longer than the aging time; returns them. */
  expire(now: number): MacEntry[] {
    const gone: MacEntry[] = [];
    for (const [k, e] of this.entries) {
      if (e.isStatic) continue;
      if (now - e.lastSeen <= this.agingMs) break; // the rest are newer
      this.entries.delete(k);
      gone.push(e);
    }
    for (const e of gone) this.changed(e.vlan, e.mac);
    return gone;
  }

  /** Removes learned entries matching the filter (all when empty); returns how many. */
  flush(filter: { port?: number; vlan?: number } = {}): number {
    const gone: MacEntry[] = [];
    for (const [k, e] of this.entries) {
      if (e.isStatic) continue;
      if (filter.port !== undefined && e.port !== filter.port) continue;
      if (filter.vlan !== undefined && e.vlan !== filter.vlan) continue;
      this.entries.delete(k);
      gone.push(e);
    }
    for (const e of gone) this.changed(e.vlan, e.mac);
    return gone.length;
  }

  list(now: number): Array<MacEntry & { ageSeconds: number }> {
    return [...this.entries.values()]
      .filter((e) => e.isStatic || now - e.lastSeen <= this.agingMs)
      .map((e) => ({ ...e, ageSeconds: e.isStatic ? 0 : Math.floor((now - e.lastSeen) / 1000) }));
  }

  private evictOldest(): boolean {
    for (const [k, e] of this.entries) {
      if (e.isStatic) continue;
      this.entries.delete(k);
      this.evictions++;
      this.changed(e.vlan, e.mac);
      return true;
    }
    return false;
  }
}
