// What: the on-disk journal of the configuration store — record framing, replay (with torn-tail
//       repair), durable appends, and atomic whole-file replacement (compaction, creation).
//
// Design: one file, a fixed header, then records back to back. All integers little-endian.
//
//   file   ┌──────── header (8 bytes) ────────┐┌─ record ─┐┌─ record ─┐ ... ┌─ record ─┐ EOF
//          │ "WVSJ" magic │ u16 version = 1 │ u16 flags = 0 │
//
//   record  0          4          8                      8+len
//          ┌──────────┬──────────┬───────────────────────┐
//          │ u32 len  │ u32 crc  │ payload (len bytes)   │   payload = protobuf ConfigRecord
//          └──────────┴──────────┴───────────────────────┘
//          crc = CRC-32 (zlib.crc32, IEEE) over the 4 length bytes then the payload. Covering the
//          length too means an all-zero region (what a file system may leave after a crash that
//          extended the file) is never a valid empty record.
//
//   Replay reads the whole file and walks it. A record is valid when 1 ≤ len ≤ MAX_RECORD_BYTES,
//   it lies wholly inside the file, its crc matches, its payload decodes, and its seq is the
//   previous record's seq + 1 (any seq for the first). At the first invalid record at offset X:
//     - if some valid record (seq beyond the last good one) starts anywhere after X, X is
//       corruption in the MIDDLE: JournalCorruptError naming the file and X; start-up stops.
//     - otherwise everything from X on is a TORN TAIL (an append cut short by a crash, or
//       garbage that cannot be a record): the caller truncates the file to X, logging it.
//   The search for a later record tries every byte offset; it costs O(tail²) in the worst case,
//   and a tail left by a crash is at most one record long.
//
// Invariants:
//   - append() resolves only after the frame is written and fdatasync'ed. If the write fails the
//     file is cut back to the last good record; if that or the fdatasync fails, the writer is
//     broken (every later append rejects with the first error): after a failed fsync the kernel
//     may have dropped the pages, so the only safe way on is re-opening and replaying.
//   - replaceJournalFile() never exposes a partial file: temp file, write, fsync, rename over,
//     fsync the directory. A crash leaves either the old file or the new one (plus maybe a stale
//     temp file, which openers delete).
//
// Threading: main thread. One JournalWriter per file, and its caller must not overlap appends
// (ConfigStore serializes them through its queue).

import type { FileHandle } from "node:fs/promises";
import { open, readFile, rename, truncate, unlink } from "node:fs/promises";
import { crc32 } from "node:zlib";
import { ConfigCodecError, decodeRecord, type JournalRecord } from "./codec.ts";

export const JOURNAL_MAGIC = Buffer.from("WVSJ", "ascii");
export const JOURNAL_VERSION = 1;
export const HEADER_SIZE = 8;
export const FRAME_HEADER_SIZE = 8;
/** A sanity bound on one record; a whole snapshot must fit (far beyond any real config). */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;

export class JournalCorruptError extends Error {
  override name = "JournalCorruptError";
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly reason: string,
  ) {
    super(
      `config journal ${file} is corrupt at byte offset ${offset} (${reason}), and valid records ` +
        "follow it, so it is not a torn tail; refusing to start. Restore the file from a backup or " +
        "move it aside to start with an empty configuration.",
    );
  }
}

/** replaceJournalFile failed; `renamed` says whether the new file had already replaced the old. */
export class JournalReplaceError extends Error {
  override name = "JournalReplaceError";
  constructor(
    readonly file: string,
    readonly renamed: boolean,
    override readonly cause: Error,
  ) {
    super(`replacing config journal ${file} failed${renamed ? " after the rename" : ""}: ${cause.message}`);
  }
}

/** The 8-byte file header. */
export function journalHeader(): Buffer {
  const h = Buffer.alloc(HEADER_SIZE);
  JOURNAL_MAGIC.copy(h, 0);
  h.writeUInt16LE(JOURNAL_VERSION, 4);
  h.writeUInt16LE(0, 6);
  return h;
}

function frameCrc(frame: Uint8Array, offset: number, len: number): number {
  return crc32(
    frame.subarray(offset + FRAME_HEADER_SIZE, offset + FRAME_HEADER_SIZE + len),
    crc32(frame.subarray(offset, offset + 4)),
  );
}

/** [len][crc][payload] for one payload. */
export function frameRecord(payload: Uint8Array): Buffer {
  if (payload.length < 1 || payload.length > MAX_RECORD_BYTES) {
    throw new RangeError(`journal record of ${payload.length} bytes is outside 1..${MAX_RECORD_BYTES}`);
  }
  const frame = Buffer.alloc(FRAME_HEADER_SIZE + payload.length);
  frame.writeUInt32LE(payload.length, 0);
  frame.set(payload, FRAME_HEADER_SIZE);
  frame.writeUInt32LE(frameCrc(frame, 0, payload.length), 4);
  return frame;
}

type Probe = { ok: true; record: JournalRecord; next: number } | { ok: false; reason: string };

/** Is there a valid record at `offset` whose seq is `expectSeq` (or ≥ `minSeq` when resyncing)? */
function probeRecord(bytes: Buffer, offset: number, seqOk: (seq: bigint) => string | null): Probe {
  if (bytes.length - offset < FRAME_HEADER_SIZE) return { ok: false, reason: "incomplete record header" };
  const len = bytes.readUInt32LE(offset);
  if (len < 1 || len > MAX_RECORD_BYTES) return { ok: false, reason: `bad record length ${len}` };
  if (bytes.length - offset - FRAME_HEADER_SIZE < len) return { ok: false, reason: "record runs past end of file" };
  if (frameCrc(bytes, offset, len) !== bytes.readUInt32LE(offset + 4)) return { ok: false, reason: "crc mismatch" };
  let record: JournalRecord;
  try {
    record = decodeRecord(bytes.subarray(offset + FRAME_HEADER_SIZE, offset + FRAME_HEADER_SIZE + len));
  } catch (err) {
    if (err instanceof ConfigCodecError) return { ok: false, reason: `undecodable payload: ${err.message}` };
    throw err;
  }
  const seqProblem = seqOk(record.seq);
  if (seqProblem !== null) return { ok: false, reason: seqProblem };
  return { ok: true, record, next: offset + FRAME_HEADER_SIZE + len };
}

export interface JournalScan {
  records: JournalRecord[];
  /** Byte offset just past the last good record (or the header). */
  goodEnd: number;
  /** Bytes after goodEnd that form a torn tail, and why the first of them is not a record. */
  tornBytes: number;
  tornReason: string;
  /** Byte offset of each record in `records`. */
  offsets: number[];
}

/**
 * Walks journal bytes. Throws JournalCorruptError for a bad header or a bad record followed by
 * a good one; reports a torn tail in the result. Pure: touches no file.
 */
export function scanJournal(bytes: Buffer, file: string): JournalScan {
  if (bytes.length < HEADER_SIZE) {
    // Files are created whole by rename, so a short file is only expected if something else
    // wrote it; a prefix of our header (or an empty file) is repaired as a torn tail.
    if (journalHeader().subarray(0, bytes.length).equals(bytes)) {
      return { records: [], goodEnd: 0, tornBytes: bytes.length, tornReason: "incomplete file header", offsets: [] };
    }
    throw new JournalCorruptError(file, 0, "not a wasmvs config journal (bad magic)");
  }
  if (!bytes.subarray(0, 4).equals(JOURNAL_MAGIC)) {
    throw new JournalCorruptError(file, 0, "not a wasmvs config journal (bad magic)");
  }
  const version = bytes.readUInt16LE(4);
  if (version !== JOURNAL_VERSION) {
    throw new JournalCorruptError(
      file,
      4,
      `unsupported journal version ${version} (this build reads ${JOURNAL_VERSION})`,
    );
  }
  const records: JournalRecord[] = [];
  const offsets: number[] = [];
  let offset = HEADER_SIZE;
  let lastSeq: bigint | null = null;
  while (offset < bytes.length) {
    const want = lastSeq === null ? null : lastSeq + 1n;
    const probe = probeRecord(bytes, offset, (seq) =>
      want === null || seq === want ? null : `sequence gap: expected seq ${want}, found ${seq}`,
    );
    if (probe.ok) {
      records.push(probe.record);
      offsets.push(offset);
      lastSeq = probe.record.seq;
      offset = probe.next;
      continue;
    }
    // Torn tail or corruption in the middle? Look for any later valid record.
    for (let at = offset + 1; at + FRAME_HEADER_SIZE < bytes.length; at++) {
      const later = probeRecord(bytes, at, (seq) => (lastSeq === null || seq > lastSeq ? null : "old seq"));
      if (later.ok) throw new JournalCorruptError(file, offset, probe.reason);
    }
    return { records, goodEnd: offset, tornBytes: bytes.length - offset, tornReason: probe.reason, offsets };
  }
  return { records, goodEnd: offset, tornBytes: 0, tornReason: "", offsets };
}

/** fsync a directory, so a create, rename or unlink in it is durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Appends durable records to an open journal file. */
export class JournalWriter {
  private broken: Error | null = null;

  private constructor(
    private readonly fh: FileHandle,
    private end: number,
  ) {}

  /** Wraps an open handle whose valid contents end at `end` (appends are positional). */
  static fromHandle(fh: FileHandle, end: number): JournalWriter {
    return new JournalWriter(fh, end);
  }

  /** Opens `file` for appending after its first `end` bytes (which must be valid journal). */
  static async open(file: string, end: number): Promise<JournalWriter> {
    return new JournalWriter(await open(file, "r+"), end);
  }

  /** Bytes of valid journal, header included. */
  get size(): number {
    return this.end;
  }

  /** Writes one framed record and fdatasyncs; resolves with the new size. */
  async append(payload: Uint8Array): Promise<number> {
    if (this.broken) throw this.broken;
    const frame = frameRecord(payload);
    try {
      let done = 0;
      while (done < frame.length) {
        const { bytesWritten } = await this.fh.write(frame, done, frame.length - done, this.end + done);
        done += bytesWritten;
      }
    } catch (err) {
      // Cut a partial frame back off, or the next append would land behind garbage and turn a
      // torn tail into corruption in the middle.
      try {
        await this.fh.truncate(this.end);
        await this.fh.datasync();
      } catch {
        this.broken = err as Error;
      }
      throw err;
    }
    try {
      await this.fh.datasync();
    } catch (err) {
      this.broken = err as Error;
      throw err;
    }
    this.end += frame.length;
    return this.end;
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}

/**
 * Atomically replaces (or creates) `file` with a header plus `payloads` as records: writes
 * `tmpFile`, fsyncs it, renames it over `file`, fsyncs `dir`. Returns a writer on the new file.
 */
export async function replaceJournalFile(
  dir: string,
  file: string,
  tmpFile: string,
  payloads: Uint8Array[],
): Promise<JournalWriter> {
  const image = Buffer.concat([journalHeader(), ...payloads.map(frameRecord)]);
  const fh = await open(tmpFile, "w+");
  let renamed = false;
  try {
    let done = 0;
    while (done < image.length) {
      const { bytesWritten } = await fh.write(image, done, image.length - done, done);
      done += bytesWritten;
    }
    await fh.sync();
    await rename(tmpFile, file);
    renamed = true;
    await fsyncDir(dir);
    return JournalWriter.fromHandle(fh, image.length);
  } catch (err) {
    await fh.close().catch(() => {});
    if (!renamed) await unlink(tmpFile).catch(() => {});
    throw new JournalReplaceError(file, renamed, err as Error);
  }
}

/** Reads and scans `file`; a torn tail is cut off the file (and fsynced) before returning. */
export async function readJournal(file: string, onTornTail: (scan: JournalScan) => void): Promise<JournalScan> {
  const scan = scanJournal(await readFile(file), file);
  if (scan.tornBytes > 0) {
    onTornTail(scan);
    await truncate(file, scan.goodEnd);
    const fh = await open(file, "r+");
    try {
      await fh.datasync();
    } finally {
      await fh.close();
    }
  }
  return scan;
}
