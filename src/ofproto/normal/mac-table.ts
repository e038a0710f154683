// MAC learning table of one bridge: (VLAN, MAC) → port, with aging, a size limit and moves,
// the way Open vSwitch's NORMAL action learns (lib/mac-learning.c).
//
// What: learn() on every packet NORMAL translates (from upcalls, and refreshed from megaflow
//   stats by ofproto so active hosts do not age out while the fast path carries them);
//   lookup() when choosing an output; expire() periodically; flush() by port and/or VLAN.
// Design: learned entries sit on a doubly linked list in least-recently-seen order (a refresh
//   moves the entry to the tail), indexed by a Map keyed "vlan/mac": aging and eviction look at
//   the head only, and every operation is O(1) (a JS Map's own order would do, but iterating it
//   from the start after many deletions walks their tombstones: eviction went quadratic).
//   Static entries are configuration: kept apart, never moved, aged or evicted.
// Invariants: size (static and learned) <= maxEntries unless statics alone exceed it; an entry older than the aging time is never returned.
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

interface Node extends MacEntry {
  key: string;
  prev: Node | null;
  next: Node | null;
}

export type LearnOutcome = "learned" | "moved" | "refreshed" | "static" | "evicted-none";

export interface MacTableOptions {
  agingSeconds: number;
  maxEntries: number;
}

type ChangeListener = (vlan: number, mac: string) => void;

export class MacTable {
  private readonly learned = new Map<string, Node>();
  private readonly statics = new Map<string, MacEntry>();
  private head: Node | null = null; // least recently seen
  private tail: Node | null = null;
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
    while (this.size > this.maxEntries && this.evictOldest()) {}
  }

  get size(): number {
    return this.learned.size + this.statics.size;
  }

  private unlink(n: Node): void {
    if (n.prev) n.prev.next = n.next;
    else this.head = n.next;
    if (n.next) n.next.prev = n.prev;
    else this.tail = n.prev;
    n.prev = null;
    n.next = null;
  }

  private append(n: Node): void {
    n.prev = this.tail;
    n.next = null;
    if (this.tail) this.tail.next = n;
    else this.head = n;
    this.tail = n;
  }

  private drop(n: Node): void {
    this.unlink(n);
    this.learned.delete(n.key);
  }

  /** Records that mac was seen on port in vlan at time now (ms). */
  learn(vlan: number, mac: string, port: number, now: number): LearnOutcome {
    const k = MacTable.keyOf(vlan, mac);
    if (this.statics.has(k)) return "static";
    const e = this.learned.get(k);
    if (e && now - e.lastSeen <= this.agingMs) {
      this.unlink(e);
      this.append(e);
      e.lastSeen = now;
      if (e.port !== port) {
        e.port = port;
        this.moves++;
        this.changed(vlan, mac);
        return "moved";
      }
      return "refreshed";
    }
    if (e) this.drop(e); // expired: learn afresh
    if (this.size >= this.maxEntries && !this.evictOldest()) return "evicted-none";
    const n: Node = { key: k, vlan, mac, port, lastSeen: now, isStatic: false, prev: null, next: null };
    this.learned.set(k, n);
    this.append(n);
    this.changed(vlan, mac);
    return "learned";
  }

  /** The port (VLAN, MAC) was learned on, if the entry is live. */
  lookup(vlan: number, mac: string, now: number): number | undefined {
    const k = MacTable.keyOf(vlan, mac);
    const s = this.statics.get(k);
    if (s) return s.port;
    const e = this.learned.get(k);
    if (!e || now - e.lastSeen > this.agingMs) return undefined;
    return e.port;
  }

  addStatic(vlan: number, mac: string, port: number): void {
    const k = MacTable.keyOf(vlan, mac);
    const e = this.learned.get(k);
    if (e) this.drop(e);
    this.statics.set(k, { vlan, mac, port, lastSeen: 0, isStatic: true });
    this.changed(vlan, mac);
  }

  removeStatic(vlan: number, mac: string): boolean {
    if (!this.statics.delete(MacTable.keyOf(vlan, mac))) return false;
    this.changed(vlan, mac);
    return true;
  }

  /** Removes entries idle longer than the aging time; returns them. */
  expire(now: number): MacEntry[] {
    const gone: MacEntry[] = [];
    while (this.head && now - this.head.lastSeen > this.agingMs) {
      const n = this.head;
      this.drop(n);
      gone.push(n);
    }
    for (const e of gone) this.changed(e.vlan, e.mac);
    return gone;
  }

  /** Removes learned entries matching the filter (all when empty); returns how many. */
  flush(filter: { port?: number; vlan?: number } = {}): number {
    const gone: MacEntry[] = [];
    for (let n = this.head; n; ) {
      const next = n.next;
      if (
        (filter.port === undefined || n.port === filter.port) &&
        (filter.vlan === undefined || n.vlan === filter.vlan)
      ) {
        this.drop(n);
        gone.push(n);
      }
      n = next;
    }
    for (const e of gone) this.changed(e.vlan, e.mac);
    return gone.length;
  }

  list(now: number): Array<MacEntry & { ageSeconds: number }> {
    const out: Array<MacEntry & { ageSeconds: number }> = [];
    for (const s of this.statics.values()) out.push({ ...s, ageSeconds: 0 });
    for (let n = this.head; n; n = n.next) {
      if (now - n.lastSeen > this.agingMs) continue;
      out.push({
        vlan: n.vlan,
        mac: n.mac,
        port: n.port,
        lastSeen: n.lastSeen,
        isStatic: false,
        ageSeconds: Math.floor((now - n.lastSeen) / 1000),
      });
    }
    return out;
  }

  private evictOldest(): boolean {
    const n = this.head;
    if (!n) return false;
    this.drop(n);
    this.evictions++;
    this.changed(n.vlan, n.mac);
    return true;
  }
}
