// A minimal virtio 1.x split-ring *driver*, written from the spec's byte layouts (not from the
// device code under test), so tests can play the guest against the WASM device side.
//
//  descriptor (16 B): le64 addr, le32 len, le16 flags, le16 next
//  avail ring:        le16 flags, le16 idx, le16 ring[qsize], le16 used_event
//  used ring:         le16 flags, le16 idx, {le32 id, le32 len}[qsize], le16 avail_event
//
// Each descriptor-table entry i owns a fixed data slot, and each head a fixed indirect table
// (with its own data slots), so no allocator is needed and outstanding chains never collide.

import type { FastPath } from "../../../src/datapath/fastpath-module.ts";

export const VIRTQ_DESC_F_NEXT = 1;
export const VIRTQ_DESC_F_WRITE = 2;
export const VIRTQ_DESC_F_INDIRECT = 4;
export const VIRTQ_AVAIL_F_NO_INTERRUPT = 1;
export const VIRTQ_USED_F_NO_NOTIFY = 1;

export const VQ_EVENT_IDX = 1;
export const VQ_MRG_RXBUF = 2;
export const VQ_VERSION_1 = 4;

export const GPA_BASE = 0x1000_0000;
export const UADDR_BASE = 0x7f00_0000_0000n;
export const SLOT = 2048;
export const MAX_INDIRECT = 8;

/** Guest memory: a region of WASM memory registered as guest-physical GPA_BASE.. */
export class GuestMemory {
  constructor(
    readonly fp: FastPath,
    readonly host: number,
    readonly size: number,
  ) {}

  static async create(fp: FastPath, size: number, table = 0): Promise<GuestMemory> {
    const host = fp.virtioTestArena(size);
    const mem = new GuestMemory(fp, host, size);
    if (!fp.virtioMemSetRegion(table, 0, BigInt(GPA_BASE), BigInt(size), UADDR_BASE, host)) {
      throw new Error("region rejected");
    }
    return mem;
  }

  dv(): DataView {
    return new DataView(this.fp.memory.buffer, this.host, this.size);
  }
  bytes(off: number, len: number): Uint8Array {
    return new Uint8Array(this.fp.memory.buffer, this.host + off, len);
  }
  gpa(off: number): bigint {
    return BigInt(GPA_BASE + off);
  }
}

export interface Seg {
  /** guest-memory offset of the buffer */
  off: number;
  len: number;
  write: boolean;
}

export interface Posted {
  head: number;
  segs: Seg[];
  descs: number[];
}

export interface UsedElem {
  id: number;
  len: number;
  chain: Posted;
}

/** The driver side of one split virtqueue laid out at `base` in guest memory. */
export class GuestDriver {
  readonly descOff: number;
  readonly availOff: number;
  readonly usedOff: number;
  readonly dataOff: number;
  readonly indOff: number;
  readonly indDataOff: number;
  readonly end: number;
  availIdx = 0;
  lastUsed = 0;
  private free: number[] = [];
  readonly outstanding = new Map<number, Posted>();

  constructor(
    readonly mem: GuestMemory,
    readonly base: number,
    readonly qsize: number,
  ) {
    const align = (x: number, a: number) => Math.ceil(x / a) * a;
    this.descOff = base;
    this.availOff = base + 16 * qsize;
    this.usedOff = align(this.availOff + 6 + 2 * qsize, 16);
    this.dataOff = align(this.usedOff + 6 + 8 * qsize, 64);
    this.indOff = this.dataOff + qsize * SLOT;
    this.indDataOff = this.indOff + qsize * 16 * MAX_INDIRECT;
    this.end = this.indDataOff + qsize * MAX_INDIRECT * SLOT;
    if (this.end > mem.size) throw new Error("guest memory too small");
    for (let i = 0; i < qsize; i++) this.free.push(i);
  }

  /** Sets up queue q on the device over this ring; returns the device's answer. */
  setup(q: number, features: number, table = 0): boolean {
    const m = this.mem;
    return m.fp.virtioQueueSetup(
      q,
      table,
      this.qsize,
      m.gpa(this.descOff),
      m.gpa(this.availOff),
      m.gpa(this.usedOff),
      features,
    );
  }

  freeCount(): number {
    return this.free.length;
  }

  writeDesc(tableOff: number, i: number, addr: bigint, len: number, flags: number, next: number): void {
    const dv = this.mem.dv();
    const d = tableOff + 16 * i;
    dv.setBigUint64(d, addr, true);
    dv.setUint32(d + 8, len, true);
    dv.setUint16(d + 12, flags, true);
    dv.setUint16(d + 14, next, true);
  }

  /** Places a chain of buffers with the given lengths (each ≤ SLOT) in the descriptor table,
   *  or in one indirect table, fills readable ones from `data` in order, and puts its head in
   *  the available ring (visible after publish()). Returns the chain or null if no room. */
  post(lens: { len: number; write: boolean }[], opts: { indirect?: boolean; data?: Uint8Array } = {}): Posted | null {
    const indirect = opts.indirect ?? false;
    const need = indirect ? 1 : lens.length;
    if (this.free.length < need || lens.length === 0 || (indirect && lens.length > MAX_INDIRECT)) return null;
    const descs = this.free.splice(0, need);
    const head = descs[0];
    const segs: Seg[] = [];
    let src = 0;
    for (let j = 0; j < lens.length; j++) {
      const off = indirect ? this.indDataOff + (head * MAX_INDIRECT + j) * SLOT : this.dataOff + descs[j] * SLOT;
      const { len, write } = lens[j];
      if (len > SLOT) throw new Error("segment too long");
      if (!write && opts.data) {
        const part = opts.data.subarray(src, src + len);
        this.mem.bytes(off, part.length).set(part);
        src += len;
      }
      segs.push({ off, len, write });
    }
    if (indirect) {
      const t = this.indOff + head * 16 * MAX_INDIRECT;
      segs.forEach((s, j) => {
        const last = j === segs.length - 1;
        const flags = (s.write ? VIRTQ_DESC_F_WRITE : 0) | (last ? 0 : VIRTQ_DESC_F_NEXT);
        this.writeDesc(t, j, this.mem.gpa(s.off), s.len, flags, last ? 0 : j + 1);
      });
      this.writeDesc(this.descOff, head, this.mem.gpa(t), 16 * segs.length, VIRTQ_DESC_F_INDIRECT, 0);
    } else {
      segs.forEach((s, j) => {
        const last = j === segs.length - 1;
        const flags = (s.write ? VIRTQ_DESC_F_WRITE : 0) | (last ? 0 : VIRTQ_DESC_F_NEXT);
        this.writeDesc(this.descOff, descs[j], this.mem.gpa(s.off), s.len, flags, last ? 0 : descs[j + 1]);
      });
    }
    this.offerHead(head);
    const chain = { head, segs, descs };
    this.outstanding.set(head, chain);
    return chain;
  }

  /** Writes a head index into the next available-ring slot (not yet published). */
  offerHead(head: number): void {
    this.mem.dv().setUint16(this.availOff + 4 + 2 * (this.availIdx % this.qsize), head, true);
    this.availIdx = (this.availIdx + 1) & 0xffff;
  }

  publish(): void {
    this.mem.dv().setUint16(this.availOff + 2, this.availIdx, true);
  }

  setAvailFlags(flags: number): void {
    this.mem.dv().setUint16(this.availOff, flags, true);
  }
  setUsedEvent(v: number): void {
    this.mem.dv().setUint16(this.availOff + 4 + 2 * this.qsize, v, true);
  }
  /** Starts both free-running indices at `idx` (the device side gets virtioQueueSetBase). */
  setBase(idx: number): void {
    this.availIdx = idx & 0xffff;
    this.lastUsed = idx & 0xffff;
    this.publish();
    this.mem.dv().setUint16(this.usedOff + 2, idx & 0xffff, true);
  }

  usedFlags(): number {
    return this.mem.dv().getUint16(this.usedOff, true);
  }
  usedIdx(): number {
    return this.mem.dv().getUint16(this.usedOff + 2, true);
  }
  usedElem(i: number): { id: number; len: number } {
    const dv = this.mem.dv();
    const e = this.usedOff + 4 + 8 * (i % this.qsize);
    return { id: dv.getUint32(e, true), len: dv.getUint32(e + 4, true) };
  }
  availEvent(): number {
    return this.mem.dv().getUint16(this.usedOff + 4 + 8 * this.qsize, true);
  }

  /** Takes every newly used element, returning its chain's descriptors to the free list.
   *  Throws if the device used an id that is not an outstanding head. */
  reclaim(): UsedElem[] {
    const out: UsedElem[] = [];
    const idx = this.usedIdx();
    while (this.lastUsed !== idx) {
      const { id, len } = this.usedElem(this.lastUsed);
      const chain = this.outstanding.get(id);
      if (!chain) throw new Error(`device used ${id}, which is not outstanding`);
      this.outstanding.delete(id);
      this.free.push(...chain.descs);
      out.push({ id, len, chain });
      this.lastUsed = (this.lastUsed + 1) & 0xffff;
    }
    return out;
  }

  /** The bytes the device wrote into a used chain: its writable segments, in order, up to len. */
  written(u: UsedElem): Uint8Array {
    const out = new Uint8Array(u.len);
    let pos = 0;
    for (const s of u.chain.segs) {
      if (!s.write || pos >= u.len) continue;
      const n = Math.min(s.len, u.len - pos);
      out.set(this.mem.bytes(s.off, n), pos);
      pos += n;
    }
    return out;
  }
}

/** Reference vring_need_event from the virtio spec / Linux virtio_ring.h. */
export function needEvent(eventIdx: number, newIdx: number, oldIdx: number): boolean {
  return ((newIdx - eventIdx - 1) & 0xffff) < ((newIdx - oldIdx) & 0xffff);
}

export function counters(fp: FastPath): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < fp.counterCount(); i++) out[fp.counterName(i)] = Number(fp.counterValue(i));
  return out;
}

/** Copies `data` into a fresh pool buffer and returns its id. */
export function bufferWith(fp: FastPath, data: Uint8Array): number {
  const id = fp.bufferAlloc();
  if (id < 0) throw new Error("pool empty");
  new Uint8Array(fp.memory.buffer, fp.bufferData(id), data.length).set(data);
  fp.bufferSetLength(id, data.length);
  return id;
}

export function bufferBytes(fp: FastPath, id: number): Uint8Array {
  return new Uint8Array(fp.memory.buffer, fp.bufferData(id), fp.bufferLength(id)).slice();
}

/** A scratch u32 array in WASM memory (a pool buffer's data room) for id lists. */
export class IdList {
  readonly ptr: number;
  readonly id: number;
  constructor(readonly fp: FastPath) {
    this.id = fp.bufferAlloc();
    this.ptr = fp.bufferData(this.id);
  }
  set(ids: number[]): void {
    new Uint32Array(this.fp.memory.buffer, this.ptr, ids.length).set(ids);
  }
  get(n: number): number[] {
    return Array.from(new Uint32Array(this.fp.memory.buffer, this.ptr, n));
  }
}

export function frame(len: number, seed: number): Uint8Array {
  const f = new Uint8Array(len);
  for (let i = 0; i < len; i++) f[i] = (seed * 31 + i * 7 + (i >> 8)) & 0xff;
  return f;
}
