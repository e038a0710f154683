// The byte stream `GET /v1/bridges/{b}/ports/{p}/capture` answers with, and its decoder: how
// captured frames travel from the daemon to `wasmvs capture`, which writes the pcap itself (so
// the file belongs to the user who ran the command, not to the daemon).
//
// What: encodeCaptureHeader() opens the stream; encodeCaptureFrame() / encodeCaptureEnd()
//   frame one record each; CaptureStreamDecoder turns arbitrary chunks back into records.
// Design: a chunked HTTP body, not a websocket or long-poll: fastify sends a Node stream as is,
//   and the client reads it with fetch's body reader. The magic goes out first so the client
//   knows the mirror is on before any frame arrives. Everything big-endian:
//
//     magic "WVSCAP1\n" (8 bytes), then records:
//     ┌────────────┬──────────────┬────────┬────────────┬──────────────────────┐
//     │ u32 length │ f64 time ms  │ u32 dir│ u32 origLen│ data[length - 16]    │
//     └────────────┴──────────────┴────────┴────────────┴──────────────────────┘
//     dir 1 received, 2 transmitted; dir 0 is the last record: data = why it ended (UTF-8).
// Invariants: the decoder never yields a partial record; bytes after an end record are ignored.
// Threading: any.

export const CAPTURE_MAGIC = "WVSCAP1\n";
export const CAPTURE_CONTENT_TYPE = "application/x-wasmvs-capture";
const HEADER = 20;

export interface CaptureRecord {
  timeMs: number;
  /** 1 received, 2 transmitted. */
  dir: number;
  origLen: number;
  data: Uint8Array;
}

export type CaptureEvent = { kind: "frame"; frame: CaptureRecord } | { kind: "end"; reason: string };

export function encodeCaptureHeader(): Buffer {
  return Buffer.from(CAPTURE_MAGIC, "latin1");
}

function record(timeMs: number, dir: number, origLen: number, data: Uint8Array): Buffer {
  const b = Buffer.allocUnsafe(HEADER + data.length);
  b.writeUInt32BE(16 + data.length, 0);
  b.writeDoubleBE(timeMs, 4);
  b.writeUInt32BE(dir, 12);
  b.writeUInt32BE(origLen, 16);
  b.set(data, HEADER);
  return b;
}

export function encodeCaptureFrame(f: CaptureRecord): Buffer {
  return record(f.timeMs, f.dir, f.origLen, f.data);
}

export function encodeCaptureEnd(reason: string): Buffer {
  const text = Buffer.from(reason, "utf8");
  return record(Date.now(), 0, text.length, text);
}

export class CaptureStreamDecoder {
  private buf = Buffer.alloc(0);
  private sawMagic = false;
  private ended = false;

  /** Feeds a chunk; returns the records it completed. Throws on a stream that is not ours. */
  push(chunk: Uint8Array): CaptureEvent[] {
    if (this.ended) return [];
    this.buf = this.buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buf, chunk]);
    const out: CaptureEvent[] = [];
    if (!this.sawMagic) {
      if (this.buf.length < CAPTURE_MAGIC.length) return out;
      if (this.buf.subarray(0, CAPTURE_MAGIC.length).toString("latin1") !== CAPTURE_MAGIC) {
        throw new Error("the daemon's capture stream does not start with the expected header");
      }
      this.sawMagic = true;
      this.buf = this.buf.subarray(CAPTURE_MAGIC.length);
    }
    while (this.buf.length >= 4) {
      const len = this.buf.readUInt32BE(0);
      if (len < 16) throw new Error(`corrupt capture stream: record length ${len}`);
      if (this.buf.length < 4 + len) break;
      const timeMs = this.buf.readDoubleBE(4);
      const dir = this.buf.readUInt32BE(12);
      const origLen = this.buf.readUInt32BE(16);
      const data = new Uint8Array(this.buf.subarray(HEADER, 4 + len));
      this.buf = this.buf.subarray(4 + len);
      if (dir === 0) {
        this.ended = true;
        out.push({ kind: "end", reason: Buffer.from(data).toString("utf8") });
        return out;
      }
      out.push({ kind: "frame", frame: { timeMs, dir, origLen, data: data.slice() } });
    }
    return out;
  }

  /** True once the magic arrived (the mirror is on). */
  get started(): boolean {
    return this.sawMagic;
  }
}
