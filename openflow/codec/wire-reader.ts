// A bounds-checked cursor over OpenFlow bytes (network byte order), for decoders.
//
// What: WireReader reads u8/u16/u32/u64 and byte ranges and forks sub-readers over a length
//   field's extent. Every read checks the bounds once; running past the end throws the OfpError
//   the caller names (OFPBRC_BAD_LEN by default), so a truncated or lying message becomes an
//   ERROR reply, never an exception that escapes the channel.
// Invariants: a reader never reads outside [start, end) of the bytes it was given.

import { OFPBRC_BAD_LEN, OFPET_BAD_REQUEST, OfpError } from "../errors.ts";

export class WireReader {
  private readonly view: DataView;
  private pos: number;

  constructor(
    readonly bytes: Uint8Array,
    private readonly start = 0,
    private readonly end = bytes.length,
    private readonly errType: number = OFPET_BAD_REQUEST,
    private readonly errCode: number = OFPBRC_BAD_LEN,
  ) {
    if (start < 0 || end > bytes.length || start > end) throw new RangeError(`bad reader extent ${start}..${end}`);
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
  }

  get offset(): number {
    return this.pos - this.start;
  }
  get remaining(): number {
    return this.end - this.pos;
  }
  get atEnd(): boolean {
    return this.pos >= this.end;
  }

  private need(n: number, what: string): number {
    if (this.pos + n > this.end) {
      throw new OfpError(
        this.errType,
        this.errCode,
        `${what}: need ${n} bytes at offset ${this.offset}, ${this.remaining} left`,
      );
    }
    const p = this.pos;
    this.pos += n;
    return p;
  }

  u8(what = "u8"): number {
    return this.view.getUint8(this.need(1, what));
  }
  u16(what = "u16"): number {
    return this.view.getUint16(this.need(2, what));
  }
  u32(what = "u32"): number {
    return this.view.getUint32(this.need(4, what));
  }
  u64(what = "u64"): bigint {
    return this.view.getBigUint64(this.need(8, what));
  }
  /**
   * A copy of the next n bytes, in a Uint8Array of its own. Not `bytes.slice()`: on a Buffer
   * (a socket read) that is a view, and a decoded value kept for long (a rule's eth_dst) would
   * keep the whole read chunk alive with it.
   */
  bytesOf(n: number, what = "bytes"): Uint8Array {
    const p = this.need(n, what);
    const out = new Uint8Array(n);
    out.set(this.bytes.subarray(p, p + n));
    return out;
  }
  skip(n: number, what = "padding"): void {
    this.need(n, what);
  }
  /** A reader over the next n bytes (this reader moves past them). */
  sub(n: number, what = "field", errType = this.errType, errCode = this.errCode): WireReader {
    const p = this.need(n, what);
    return new WireReader(this.bytes, p, p + n, errType, errCode);
  }
  /** Absolute offset of the cursor in `bytes` (for error data and nested decoders). */
  get absolute(): number {
    return this.pos;
  }
}
