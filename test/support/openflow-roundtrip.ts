// Every OpenFlow message a test exchanged, decoded and re-encoded by wasmvs's own codec
// (openflow/message.ts) and compared byte for byte with what crossed the wire.
//
// What: `RoundTripCheck` takes whole messages (`check(bytes, where)`) and keeps a count and the
//   mismatches (a decode error, or the first offset where the re-encoding differs);
//   `MessageSplitter` cuts one direction of a byte stream into messages by the header's length
//   field; `openflowStreamMessages(file, ports)` rebuilds every TCP stream of a capture (tshark,
//   one row per segment, ordered by sequence number, retransmitted bytes dropped) and returns its
//   messages per direction, so a capture on lo is checked like the bytes through a proxy.
// Design: the codec's invariant (openflow/message.ts) is that encode(decode(b)) = b for every
//   message whose pad bytes are zero, as real peers send them; a peer's message that breaks it
//   is a codec bug, which is what this check is for. Messages of another version (a HELLO a
//   1.0-only peer sent) are counted apart, not decoded.

import { execFile } from "node:child_process";
import { decodeMessage, encodeMessage } from "../../openflow/message.ts";

const OFP_VERSION_13 = 4;

export interface RoundTripMismatch {
  where: string;
  type: number;
  length: number;
  problem: string;
  hex: string;
}

export class RoundTripCheck {
  checked = 0;
  otherVersion = 0;
  readonly mismatches: RoundTripMismatch[] = [];

  check(bytes: Uint8Array, where: string): void {
    const type = bytes[1];
    if (bytes[0] !== OFP_VERSION_13) {
      this.otherVersion++;
      return;
    }
    this.checked++;
    const hex = Buffer.from(bytes).toString("hex");
    let again: Uint8Array;
    try {
      again = encodeMessage(decodeMessage(bytes));
    } catch (e) {
      this.mismatches.push({ where, type, length: bytes.length, problem: (e as Error).message, hex });
      return;
    }
    if (Buffer.compare(Buffer.from(again), Buffer.from(bytes)) === 0) return;
    let at = 0;
    while (at < bytes.length && at < again.length && bytes[at] === again[at]) at++;
    const problem = `re-encoded as ${again.length} bytes, first difference at offset ${at}`;
    this.mismatches.push({ where, type, length: bytes.length, problem, hex });
  }
}

/** Cuts one direction of an OpenFlow byte stream into whole messages. */
export class MessageSplitter {
  private pending = Buffer.alloc(0);

  constructor(private readonly onMessage: (m: Uint8Array) => void) {}

  push(chunk: Uint8Array): void {
    let buf = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : Buffer.from(chunk);
    while (buf.length >= 4) {
      const len = buf.readUInt16BE(2);
      if (len < 8 || buf.length < len) break;
      this.onMessage(Uint8Array.from(buf.subarray(0, len)));
      buf = buf.subarray(len);
    }
    this.pending = Buffer.from(buf);
  }

  /** Bytes left over that do not make a whole message (0 at the end of a clean stream). */
  get leftover(): number {
    return this.pending.length;
  }
}

function tshark(args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile("tshark", args, { maxBuffer: 1 << 30, encoding: "utf8" }, (err, stdout, stderr) =>
      err ? reject(new Error(`tshark ${args.join(" ")}: ${err.message}\n${stderr}`)) : resolve(stdout),
    ),
  );
}

export interface StreamMessages {
  /** "stream N from port P" */
  where: string;
  /** The capture time of its first byte (seconds since the epoch). */
  start: number;
  messages: Uint8Array[];
  leftover: number;
}

/** The OpenFlow messages of every TCP stream (each direction) of `file` that touches `ports`. */
export async function openflowStreamMessages(file: string, ports: number[]): Promise<StreamMessages[]> {
  const filter = `tcp.len > 0 and (${ports.map((p) => `tcp.port == ${p}`).join(" or ")})`;
  const out = await tshark([
    "-r",
    file,
    "-o",
    "tcp.relative_sequence_numbers:FALSE",
    "-Y",
    filter,
    "-T",
    "fields",
    "-E",
    "separator=|",
    "-e",
    "tcp.stream",
    "-e",
    "tcp.srcport",
    "-e",
    "tcp.seq",
    "-e",
    "tcp.payload",
    "-e",
    "frame.time_epoch",
  ]);
  const dirs = new Map<string, Array<{ seq: number; data: Buffer; time: number }>>();
  for (const line of out.split("\n")) {
    if (line === "") continue;
    const [stream, src, seq, payload, time] = line.split("|");
    const key = `stream ${stream} from port ${src}`;
    const segs = dirs.get(key) ?? [];
    dirs.set(key, segs);
    segs.push({ seq: Number(seq), data: Buffer.from(payload.replace(/:/g, ""), "hex"), time: Number(time) });
  }
  const result: StreamMessages[] = [];
  for (const [where, segs] of dirs) {
    // Sequence numbers may wrap within a long stream: order by distance from the first one.
    const base = segs[0].seq;
    const rel = (s: number) => (s - base + 2 ** 32) % 2 ** 32;
    segs.sort((x, y) => rel(x.seq) - rel(y.seq));
    const messages: Uint8Array[] = [];
    const splitter = new MessageSplitter((m) => messages.push(m));
    let next = 0;
    for (const s of segs) {
      const at = rel(s.seq);
      if (at + s.data.length <= next) continue; // a retransmission of bytes already taken
      if (at > next) throw new Error(`${file}: ${where} has a gap at byte ${next} (capture lost a segment)`);
      splitter.push(s.data.subarray(next - at));
      next = at + s.data.length;
    }
    result.push({ where, start: Math.min(...segs.map((x) => x.time)), messages, leftover: splitter.leftover });
  }
  return result;
}

/** Round-trips every message of the TCP streams of `file` on `ports` into `check`. */
export async function roundTripCapture(file: string, ports: number[], check: RoundTripCheck): Promise<void> {
  for (const s of await openflowStreamMessages(file, ports)) {
    for (const m of s.messages) check.check(m, `${file} ${s.where}`);
    if (s.leftover !== 0) {
      check.mismatches.push({
        where: `${file} ${s.where}`,
        type: -1,
        length: s.leftover,
        problem: "the stream ends inside a message",
        hex: "",
      });
    }
  }
}
