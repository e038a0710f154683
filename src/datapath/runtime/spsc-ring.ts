// Single-producer single-consumer ring of variable-length records in a SharedArrayBuffer:
// how misses go up from the datapath worker and installs/packet-outs come down to it.
//
// What: tryWrite(type, length, fill) reserves a record and lets the producer fill its payload
//   in place; read(handler, max) hands records to the consumer in order.
// Design:
//   SAB:  ┌──────────────── 64-byte control block ────────────────┬──── data: 2^k bytes ────┐
//         │ i32 head │ i32 tail │ i32 doorbell │ i32 dropped │ ... │ records, 8-byte aligned  │
//         └──────────────────────────────────────────────────────┴─────────────────────────┘
//   record: u32 payload length │ u16 type │ u16 (zero) │ payload │ pad to 8
//   head and tail are byte counters that wrap at 2^32 (only their difference matters); a record
//   never wraps around the end of the data area: the producer writes a PAD record to the end
//   and starts again at 0. The producer publishes with Atomics.store(head) after the payload is
//   written; the consumer frees with Atomics.store(tail) after it is done reading.
//   A full ring refuses the write (the producer counts a drop); it never blocks or throws.
// Threading: exactly one producer thread and one consumer thread per ring. The doorbell is
//   bumped and notified by the producer so a consumer can Atomics.waitAsync on it.

const CTRL_BYTES = 64;
const HEAD = 0;
const TAIL = 1;
const DOORBELL = 2;
const DROPPED = 3;
const HEADER = 8;
export const RECORD_PAD = 0;

export class SpscRing {
  readonly sab: SharedArrayBuffer;
  private readonly ctrl: Int32Array;
  private readonly data: Uint8Array;
  private readonly view: DataView;
  private readonly size: number;

  private constructor(sab: SharedArrayBuffer) {
    this.sab = sab;
    this.ctrl = new Int32Array(sab, 0, CTRL_BYTES / 4);
    this.size = sab.byteLength - CTRL_BYTES;
    if (this.size < 1024 || (this.size & (this.size - 1)) !== 0) {
      throw new Error(`ring data area must be a power of two >= 1024 bytes, got ${this.size}`);
    }
    this.data = new Uint8Array(sab, CTRL_BYTES, this.size);
    this.view = new DataView(sab, CTRL_BYTES, this.size);
  }

  static create(dataBytes: number): SpscRing {
    return new SpscRing(new SharedArrayBuffer(CTRL_BYTES + dataBytes));
  }

  static attach(sab: SharedArrayBuffer): SpscRing {
    return new SpscRing(sab);
  }

  /** Records the producer could not write because the ring was full. */
  get dropped(): number {
    return Atomics.load(this.ctrl, DROPPED);
  }

  /** Bytes a record of `length` payload bytes takes in the ring (header and padding). */
  static recordBytes(length: number): number {
    return HEADER + ((length + 7) & ~7);
  }

  /** Size of the data area in bytes. */
  get capacity(): number {
    return this.size;
  }

  /** Producer: bytes not holding records. A write that reaches the end of the data area also
   *  spends the bytes up to the end (a PAD record), so a run of writes totalling W bytes fits
   *  when W plus its largest record is at most this. Only grows while the producer waits. */
  get free(): number {
    return this.size - ((Atomics.load(this.ctrl, HEAD) - Atomics.load(this.ctrl, TAIL)) >>> 0);
  }

  /** Producer: reserves a record of `length` payload bytes, calls fill(view, offset) to write
   *  the payload at data offset `offset`, and publishes it. False (and a drop counted) if full. */
  tryWrite(type: number, length: number, fill: (view: DataView, bytes: Uint8Array, offset: number) => void): boolean {
    const rec = SpscRing.recordBytes(length);
    if (rec > this.size / 2) throw new Error(`record of ${length} bytes is too large for a ${this.size}-byte ring`);
    let head = Atomics.load(this.ctrl, HEAD) >>> 0;
    const tail = Atomics.load(this.ctrl, TAIL) >>> 0;
    let at = head & (this.size - 1);
    const toEnd = this.size - at;
    const need = toEnd < rec ? toEnd + rec : rec;
    if (((head - tail) >>> 0) + need > this.size) {
      Atomics.add(this.ctrl, DROPPED, 1);
      return false;
    }
    if (toEnd < rec) {
      this.view.setUint32(at, toEnd - HEADER, true);
      this.view.setUint16(at + 4, RECORD_PAD, true);
      head = (head + toEnd) >>> 0;
      at = 0;
    }
    this.view.setUint32(at, length, true);
    this.view.setUint16(at + 4, type, true);
    this.view.setUint16(at + 6, 0, true);
    fill(this.view, this.data, at + HEADER);
    Atomics.store(this.ctrl, HEAD, (head + rec) | 0);
    return true;
  }

  /** Producer: wakes a consumer waiting in waitAsync / wait. */
  ring(): void {
    Atomics.add(this.ctrl, DOORBELL, 1);
    Atomics.notify(this.ctrl, DOORBELL);
  }

  /** Consumer: hands up to max records to handler(type, view, bytes, offset, length) in order;
   *  returns how many. The payload is only valid during the call. */
  read(
    handler: (type: number, view: DataView, bytes: Uint8Array, offset: number, length: number) => void,
    max = Number.POSITIVE_INFINITY,
  ): number {
    const head = Atomics.load(this.ctrl, HEAD) >>> 0;
    let tail = Atomics.load(this.ctrl, TAIL) >>> 0;
    let n = 0;
    while (tail !== head && n < max) {
      const at = tail & (this.size - 1);
      const length = this.view.getUint32(at, true);
      const type = this.view.getUint16(at + 4, true);
      if (type !== RECORD_PAD) {
        handler(type, this.view, this.data, at + HEADER, length);
        n++;
      }
      tail = (tail + HEADER + ((length + 7) & ~7)) >>> 0;
      Atomics.store(this.ctrl, TAIL, tail | 0);
    }
    return n;
  }

  /** Consumer: true when a record is waiting. */
  get pending(): boolean {
    return Atomics.load(this.ctrl, HEAD) !== Atomics.load(this.ctrl, TAIL);
  }

  /** Consumer (main thread): resolves when the producer rings after `seen`, or after timeoutMs. */
  async waitAsync(timeoutMs: number): Promise<void> {
    const seen = Atomics.load(this.ctrl, DOORBELL);
    if (this.pending) return;
    const r = Atomics.waitAsync(this.ctrl, DOORBELL, seen, timeoutMs);
    if (r.async) await r.value;
  }
}
