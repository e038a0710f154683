// A growable buffer for encoders, in network byte order.
//
// What: WireWriter appends u8/u16/u32/u64/bytes/padding and patches lengths written later
//   (`u16At`), so an encoder writes a TLV's header first and its length when it knows it.
// Invariants: bytes() returns exactly what was written, in order.

export class WireWriter {
  private buf: Uint8Array;
  private view: DataView;
  private len = 0;

  constructor(initial = 256) {
    this.buf = new Uint8Array(initial);
    this.view = new DataView(this.buf.buffer);
  }

  get length(): number {
    return this.len;
  }

  private grow(n: number): number {
    if (this.len + n > this.buf.length) {
      let cap = this.buf.length * 2;
      while (cap < this.len + n) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.buf.subarray(0, this.len));
      this.buf = next;
      this.view = new DataView(next.buffer);
    }
    const p = this.len;
    this.len += n;
    return p;
  }

  u8(v: number): this {
    const at = this.grow(1); // grow first: it may replace this.view
    this.view.setUint8(at, v);
    return this;
  }
  u16(v: number): this {
    const at = this.grow(2);
    this.view.setUint16(at, v);
    return this;
  }
  u32(v: number): this {
    const at = this.grow(4);
    this.view.setUint32(at, v >>> 0);
    return this;
  }
  u64(v: bigint): this {
    const at = this.grow(8);
    this.view.setBigUint64(at, BigInt.asUintN(64, v));
    return this;
  }
  bytes(b: Uint8Array): this {
    const p = this.grow(b.length); // grow() may replace this.buf: take the offset first
    this.buf.set(b, p);
    return this;
  }
  zeros(n: number): this {
    const p = this.grow(n);
    this.buf.fill(0, p, this.len);
    return this;
  }
  /** Pads with zeros to a multiple of `align` bytes counted from `from`. */
  padTo(align: number, from = 0): this {
    const over = (this.len - from) % align;
    return over === 0 ? this : this.zeros(align - over);
  }
  u16At(offset: number, v: number): this {
    this.view.setUint16(offset, v);
    return this;
  }
  bytesOut(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}
