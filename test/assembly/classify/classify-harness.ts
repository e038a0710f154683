// Drives the classifier exports of one fast-path instance from tests: writes keys, masks and
// action lists into classifyScratch() and reads results back.

import { createFastPath, type FastPath } from "../../../src/datapath/fastpath-module.ts";
import { KEY_SIZE } from "../../reference/classifier-model.ts";

const OFF_KEY = 0;
const OFF_MASK = 128;
const OFF_ACTIONS = 256; // up to 1024 bytes
const OFF_IDS = 1536; // up to 128 u32
const OFF_BATCH_OUT = 1536; // shares the id area (not used at the same time)

/** One A_OUTPUT record: [type 1 LE, len 8 LE, port u32 LE]. */
export function outputAction(port: number): Uint8Array {
  const a = new Uint8Array(8);
  const dv = new DataView(a.buffer);
  dv.setUint16(0, 1, true);
  dv.setUint16(2, 8, true);
  dv.setUint32(4, port, true);
  return a;
}

export function keyFrom(bytes: Record<number, number>): Uint8Array {
  const k = new Uint8Array(KEY_SIZE);
  for (const [off, v] of Object.entries(bytes)) k[Number(off)] = v;
  return k;
}

/** A mask with 0xff over [off, off + len) for each range. */
export function maskOf(...ranges: Array<[number, number]>): Uint8Array {
  const m = new Uint8Array(KEY_SIZE);
  for (const [off, len] of ranges) m.fill(0xff, off, off + len);
  return m;
}

export class ClassifyHarness {
  readonly scratch: number;

  constructor(readonly fp: FastPath) {
    this.scratch = fp.classifyScratch();
  }

  static async create(maxFlows: number, emcEntries = 256): Promise<ClassifyHarness> {
    return new ClassifyHarness(await createFastPath({ buffers: 16, maxFlows, emcEntries }));
  }

  private bytes(off: number, n: number): Uint8Array {
    return new Uint8Array(this.fp.memory.buffer, this.scratch + off, n);
  }

  /** megaflowInsert result: id ≥ 0, -1 exists, -2 full, -3 bad actions. */
  insert(key: Uint8Array, mask: Uint8Array, actions: Uint8Array = outputAction(1), now?: number): number {
    this.bytes(OFF_KEY, KEY_SIZE).set(key);
    this.bytes(OFF_MASK, KEY_SIZE).set(mask);
    this.bytes(OFF_ACTIONS, actions.length).set(actions);
    const s = this.scratch;
    return now === undefined
      ? this.fp.megaflowInsert(s + OFF_KEY, s + OFF_MASK, s + OFF_ACTIONS, actions.length)
      : this.fp.megaflowInsertAt(s + OFF_KEY, s + OFF_MASK, s + OFF_ACTIONS, actions.length, now);
  }

  private putKey(key: Uint8Array): number {
    this.bytes(OFF_KEY, KEY_SIZE).set(key);
    return this.scratch + OFF_KEY;
  }

  lookup(key: Uint8Array): number {
    return this.fp.megaflowLookup(this.putKey(key));
  }

  /** megaflowMatches: does key match live flow id under its own mask? */
  matches(id: number, key: Uint8Array): boolean {
    return this.fp.megaflowMatches(id, this.putKey(key));
  }

  /** megaflowLookupBatch over keys; preset[i] (default -1) is out[i] on entry. */
  lookupBatch(keys: Uint8Array[], preset?: number[]): { out: number[]; hits: number } {
    const keysOff = 2048 + 16; // after the id area; 2032 bytes leave room for 18 keys
    const room = Math.floor((4096 - keysOff) / KEY_SIZE);
    if (keys.length > room) throw new Error(`at most ${room} keys per batch here`);
    keys.forEach((k, i) => {
      this.bytes(keysOff + i * KEY_SIZE, KEY_SIZE).set(k);
    });
    const out = new Int32Array(this.fp.memory.buffer, this.scratch + OFF_BATCH_OUT, keys.length);
    for (let i = 0; i < keys.length; i++) out[i] = preset?.[i] ?? -1;
    const hits = this.fp.megaflowLookupBatch(this.scratch + keysOff, keys.length, this.scratch + OFF_BATCH_OUT);
    const view = new Int32Array(this.fp.memory.buffer, this.scratch + OFF_BATCH_OUT, keys.length);
    return { out: Array.from(view), hits };
  }

  /** The datapath's cache-then-classifier path for one key (as batch.ts runs it). */
  cachedLookup(key: Uint8Array): { id: number; fromEmc: boolean } {
    const p = this.putKey(key);
    const h = this.fp.classifyKeyHash(p);
    const e = this.fp.emcLookup(p, h);
    if (e >= 0) return { id: e, fromEmc: true };
    const id = this.fp.megaflowLookup(p);
    if (id >= 0) this.fp.emcInsert(p, h, id);
    return { id, fromEmc: false };
  }

  emcLookup(key: Uint8Array): number {
    const p = this.putKey(key);
    return this.fp.emcLookup(p, this.fp.classifyKeyHash(p));
  }

  emcInsert(key: Uint8Array, flow: number): void {
    const p = this.putKey(key);
    this.fp.emcInsert(p, this.fp.classifyKeyHash(p), flow);
  }

  keyOf(id: number): Uint8Array {
    return new Uint8Array(this.fp.memory.buffer, this.fp.megaflowKeyPtr(id), KEY_SIZE).slice();
  }

  maskOf(id: number): Uint8Array {
    return new Uint8Array(this.fp.memory.buffer, this.fp.megaflowMaskPtr(id), KEY_SIZE).slice();
  }

  actionsOf(id: number): Uint8Array {
    const n = this.fp.megaflowActionsLen(id);
    return new Uint8Array(this.fp.memory.buffer, this.fp.megaflowActions(id), n).slice();
  }

  expireIdle(now: number, idleMs: number, max = 128): number[] {
    const n = this.fp.megaflowExpireIdle(now, idleMs, this.scratch + OFF_IDS, max);
    return Array.from(new Uint32Array(this.fp.memory.buffer, this.scratch + OFF_IDS, n));
  }

  liveIds(): number[] {
    const out: number[] = [];
    for (let id = this.fp.megaflowNext(0); id >= 0; id = this.fp.megaflowNext(id + 1)) out.push(id);
    return out;
  }

  counter(name: string): bigint {
    const n = this.fp.counterCount();
    for (let i = 0; i < n; i++) if (this.fp.counterName(i) === name) return BigInt(this.fp.counterValue(i));
    throw new Error(`no counter ${name}`);
  }
}
