// Classifier: one OpenFlow table's rules as a tuple-space search over the pipeline key, with
// the megaflow mask (un-wildcarding) it needs to be correct — OVS's lib/classifier.c, plainly.
//
// What: insert(item, priority, seq, compiled) → entry / remove(entry) / lookup(flowBytes, wc) →
//   the highest-priority matching item (ties: the lowest seq, i.e. the earliest added).
// Design: rules with the same key mask share a subtable: a Map from the masked value (a string
//   of the masked bytes) to the rules with that value, sorted by priority then seq (a bucket of
//   one rule is the entry itself, not an array: most are, and an array costs ~56 B). Lookup visits
//   subtables in decreasing order of their highest priority and stops when the next subtable's
//   highest priority is below the best match found; equal priority is still visited, since an
//   earlier-added rule there would win the tie.
//   Un-wildcarding: every subtable visited contributes its whole mask to wc — those are exactly
//   the bits the visit hashed. Soundness: a flow g that agrees with f on wc hashes to the same
//   bucket in every subtable f visited, so it finds the same candidates, the same best, and the
//   same stopping point (which depends only on the best and the subtables' priorities). Skipped
//   subtables are skipped for g too. Extra bits (a subtable's mask beyond what decided) only
//   reduce megaflow sharing; OVS's staged lookup and prefix tracking would trim them — not done.
//   Per-subtable maximum priority is kept with a priority→count map and recomputed lazily
//   (removals only mark it dirty), so mass deletes stay linear.
// Invariants: every bucket is one entry or an array of two or more, sorted (priority desc, seq asc); `order` holds every
//   subtable and is sorted by maxPriority desc whenever `orderDirty` is false.
// Threading: main thread.

import type { KeyMask } from "../datapath/flow-key.ts";
import { type CompiledMatch, unwildcardPipelineMask } from "./oxm-key-map.ts";

/** One inserted item, with where it sits (one record per item: rules are many). insert()
 *  returns it and remove() takes it back: the caller keeps it (on its rule), so the classifier
 *  needs no item → entry map. */
export interface ClassifierEntry<T> {
  readonly item: T;
  readonly priority: number;
  readonly seq: number;
  sub: Subtable<T> | undefined;
  readonly key: string;
}
type Entry<T> = ClassifierEntry<T>;

/** A bucket: the one entry most masked values have, or several, sorted. */
type Bucket<T> = Entry<T> | Entry<T>[];

function first<T>(b: Bucket<T>): Entry<T> {
  return Array.isArray(b) ? b[0] : b;
}

class Subtable<T> {
  readonly mask: Uint8Array;
  /** Byte offsets where the mask is non-zero: the only bytes hashed. */
  private readonly idx: number[];
  /** keyOf's scratch, one char code per hashed byte. */
  private readonly codes: number[];
  readonly buckets = new Map<string, Bucket<T>>();
  readonly priorities = new Map<number, number>();
  maxPriority = -1;
  maxDirty = false;
  size = 0;

  constructor(mask: Uint8Array) {
    this.mask = mask;
    this.idx = [];
    for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) this.idx.push(i);
    this.codes = new Array<number>(this.idx.length).fill(0);
  }

  /** The bucket key of `bytes` under this subtable's mask. */
  keyOf(bytes: Uint8Array): string {
    const { idx, mask, codes } = this;
    for (let i = 0; i < idx.length; i++) codes[i] = bytes[idx[i]] & mask[idx[i]];
    return String.fromCharCode.apply(null, codes);
  }

  refreshMax(): void {
    let max = -1;
    for (const p of this.priorities.keys()) if (p > max) max = p;
    this.maxPriority = max;
    this.maxDirty = false;
  }
}

function maskId(mask: Uint8Array): string {
  return Buffer.from(mask.buffer, mask.byteOffset, mask.length).toString("latin1");
}

/** Rank: does a beat b? Higher priority, then earlier seq. */
function beats<T>(a: Entry<T>, b: Entry<T>): boolean {
  return a.priority > b.priority || (a.priority === b.priority && a.seq < b.seq);
}

export class Classifier<T> {
  private readonly subtables = new Map<string, Subtable<T>>();
  private order: Subtable<T>[] = [];
  private orderDirty = false;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Number of subtables (distinct masks): what a lookup may visit. */
  get subtableCount(): number {
    return this.subtables.size;
  }

  /** Adds `item`; keep the entry returned, remove() takes it. */
  insert(item: T, priority: number, seq: number, c: CompiledMatch): ClassifierEntry<T> {
    const id = maskId(c.mask);
    let sub = this.subtables.get(id);
    if (!sub) {
      sub = new Subtable<T>(c.mask.slice());
      this.subtables.set(id, sub);
      this.order.push(sub);
    }
    const key = sub.keyOf(c.value);
    const entry: Entry<T> = { item, priority, seq, sub, key };
    const bucket = sub.buckets.get(key);
    if (!bucket) sub.buckets.set(key, entry);
    else {
      const list = Array.isArray(bucket) ? bucket : [bucket];
      let lo = 0;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (beats(list[mid], entry)) lo = mid + 1;
        else hi = mid;
      }
      list.splice(lo, 0, entry);
      if (list !== bucket) sub.buckets.set(key, list);
    }
    sub.priorities.set(priority, (sub.priorities.get(priority) ?? 0) + 1);
    sub.size++;
    if (priority > sub.maxPriority && !sub.maxDirty) sub.maxPriority = priority;
    this.orderDirty = true;
    this.count++;
    return entry;
  }

  /** Removes the entry insert() returned; false when it is not (or no longer) here. */
  remove(entry: ClassifierEntry<T>): boolean {
    const { sub, key } = entry;
    if (!sub || this.subtables.get(maskId(sub.mask)) !== sub) return false;
    const bucket = sub.buckets.get(key);
    if (bucket === undefined) return false;
    if (Array.isArray(bucket)) {
      const at = bucket.indexOf(entry);
      if (at < 0) return false;
      bucket.splice(at, 1);
      if (bucket.length === 1) sub.buckets.set(key, bucket[0]);
    } else if (bucket === entry) sub.buckets.delete(key);
    else return false;
    entry.sub = undefined;
    this.count--;
    const n = (sub.priorities.get(entry.priority) ?? 1) - 1;
    if (n === 0) {
      sub.priorities.delete(entry.priority);
      if (entry.priority === sub.maxPriority) sub.maxDirty = true;
    } else sub.priorities.set(entry.priority, n);
    sub.size--;
    if (sub.size === 0) {
      this.subtables.delete(maskId(sub.mask));
      this.order = this.order.filter((s) => s !== sub);
    }
    this.orderDirty = true;
    return true;
  }

  private sortOrder(): void {
    for (const s of this.order) if (s.maxDirty) s.refreshMax();
    this.order.sort((a, b) => b.maxPriority - a.maxPriority);
    this.orderDirty = false;
  }

  /**
   * The best item matching the pipeline key `bytes`, OR-ing into `wc` the masks of the
   * subtables it had to look at (see the design comment for why that is enough).
   */
  lookup(bytes: Uint8Array, wc?: KeyMask): T | undefined {
    if (this.orderDirty) this.sortOrder();
    let best: Entry<T> | undefined;
    for (const sub of this.order) {
      if (best && sub.maxPriority < best.priority) break;
      if (wc) unwildcardPipelineMask(wc, sub.mask);
      const bucket = sub.buckets.get(sub.keyOf(bytes));
      if (bucket !== undefined) {
        const top = first(bucket);
        if (!best || beats(top, best)) best = top;
      }
    }
    return best?.item;
  }
}
