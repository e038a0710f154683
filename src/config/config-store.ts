// What: ConfigStore — the durable configuration the REST layer reads and writes. Holds the
//       current bridges in memory and makes every change durable in the journal before it counts.
//
// Design:
//
//   REST handlers ─ putBridge / deleteBridge / compact ─► promise queue (call order)
//                                                             │ one task at a time
//                                                             ▼
//        encode ConfigRecord(seq+1) ─► JournalWriter.append (write + fdatasync) ─► apply to map
//                                                             │ over the thresholds?
//                                                             ▼
//                  compaction: Snapshot record ─► tmp file ─► fsync ─► rename ─► fsync dir
//
//   Files in `dir`:  config.journal      the journal (journal.ts draws the format)
//                    config.journal.tmp  a compaction or creation in progress; deleted on open
//
//   A change is applied to memory from the decoded bytes that were written, so the in-memory
//   state is exactly what replay will rebuild. A change is validated (encoded) when it is called,
//   so bad input rejects at once without touching the disk or the queue.
//
// Invariants:
//   - a putBridge/deleteBridge promise resolves only after its record is fdatasync'ed (and, for
//     a new file, after the directory is fsync'ed); snapshot() never shows an unacknowledged
//     change, and every acknowledged change survives a crash at any moment.
//   - records are written in call order and never interleave; the durable state after a crash is
//     the state after some prefix of the calls, at least as long as the acknowledged prefix.
//   - after a failed fsync the store is broken: every later write rejects; re-open to recover.
//   - only one process may open a directory at a time (not enforced yet: the daemon owns it).
//
// Threading: main thread; no method blocks the event loop on I/O except open()'s single read.

import { mkdir, stat, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Logger } from "pino";
import { decodeRecord, encodeRecord, type JournalChange, type JournalRecord } from "./codec.ts";
import {
  fsyncDir,
  HEADER_SIZE,
  JournalReplaceError,
  JournalWriter,
  readJournal,
  replaceJournalFile,
} from "./journal.ts";
import type { BridgeConfig, ConfigSnapshot } from "./model.ts";

export const JOURNAL_FILE = "config.journal";
export const JOURNAL_TMP_FILE = "config.journal.tmp";

export interface ConfigStoreOptions {
  /** Compact once this many records follow the last snapshot. Default 1000. */
  compactAfterRecords?: number;
  /** Compact once the journal exceeds this many bytes and twice its size after the last compaction. Default 4 MiB. */
  compactAfterBytes?: number;
}

export class ConfigStoreError extends Error {
  override name = "ConfigStoreError";
  constructor(
    readonly code: "closed" | "bridge-not-found",
    message: string,
  ) {
    super(message);
  }
}

export interface ConfigStoreStats {
  /** seq of the last durable record (0n for an empty journal). */
  seq: bigint;
  journalBytes: number;
  recordsSinceCompaction: number;
  compactions: number;
}

export class ConfigStore {
  private readonly bridges = new Map<string, BridgeConfig>();
  private seq = 0n;
  private recordsSinceCompaction = 0;
  private bytesAfterCompaction = HEADER_SIZE;
  private compactions = 0;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  /** Set when the journal file was replaced but the replacement could not be made durable. */
  private broken: Error | null = null;
  private writer!: JournalWriter;
  private readonly compactAfterRecords: number;
  private readonly compactAfterBytes: number;

  private constructor(
    readonly dir: string,
    private readonly logger: Logger,
    options: ConfigStoreOptions,
  ) {
    this.compactAfterRecords = options.compactAfterRecords ?? 1000;
    this.compactAfterBytes = options.compactAfterBytes ?? 4 * 1024 * 1024;
  }

  private get journalPath(): string {
    return join(this.dir, JOURNAL_FILE);
  }

  private get tmpPath(): string {
    return join(this.dir, JOURNAL_TMP_FILE);
  }

  /**
   * Opens (creating if needed) the store in `dir` and replays its journal. A torn tail is cut off
   * with a warning; corruption in the middle rejects with a JournalCorruptError.
   */
  static async open(dir: string, logger: Logger, options: ConfigStoreOptions = {}): Promise<ConfigStore> {
    const store = new ConfigStore(dir, logger, options);
    await store.load();
    return store;
  }

  private async load(): Promise<void> {
    const created = await mkdir(this.dir, { recursive: true });
    if (created !== undefined) await fsyncDir(dirname(created));
    try {
      await unlink(this.tmpPath);
      this.logger.info({ file: this.tmpPath }, "config store: removed an unfinished compaction file");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    const exists = await stat(this.journalPath).then(
      () => true,
      (err: NodeJS.ErrnoException) => {
        if (err.code === "ENOENT") return false;
        throw err;
      },
    );
    if (!exists) {
      this.writer = await replaceJournalFile(this.dir, this.journalPath, this.tmpPath, []);
      this.logger.info({ file: this.journalPath }, "config store: created an empty journal");
      return;
    }
    const scan = await readJournal(this.journalPath, (torn) =>
      this.logger.warn(
        { file: this.journalPath, offset: torn.goodEnd, bytes: torn.tornBytes, reason: torn.tornReason },
        `config journal: truncating torn tail of ${torn.tornBytes} bytes at offset ${torn.goodEnd} (${torn.tornReason})`,
      ),
    );
    scan.records.forEach((record, i) => {
      this.apply(record);
      if (record.change.kind === "snapshot") {
        this.recordsSinceCompaction = 0;
        this.bytesAfterCompaction = scan.offsets[i + 1] ?? scan.goodEnd;
      } else {
        this.recordsSinceCompaction++;
      }
    });
    if (scan.goodEnd < HEADER_SIZE) {
      this.writer = await replaceJournalFile(this.dir, this.journalPath, this.tmpPath, []);
    } else {
      this.writer = await JournalWriter.open(this.journalPath, scan.goodEnd);
    }
    this.logger.info(
      { file: this.journalPath, records: scan.records.length, bridges: this.bridges.size, seq: this.seq.toString() },
      "config store: journal replayed",
    );
  }

  private apply(record: JournalRecord): void {
    const c = record.change;
    switch (c.kind) {
      case "snapshot":
        this.bridges.clear();
        for (const b of c.snapshot.bridges) this.bridges.set(b.name, b);
        break;
      case "put-bridge":
        this.bridges.set(c.bridge.name, c.bridge);
        break;
      case "delete-bridge":
        this.bridges.delete(c.name);
        break;
    }
    this.seq = record.seq;
  }

  /** A deep copy of the acknowledged configuration, bridges in creation order. */
  snapshot(): ConfigSnapshot {
    return { bridges: structuredClone([...this.bridges.values()]) };
  }

  /** A deep copy of one acknowledged bridge, or undefined. */
  getBridge(name: string): BridgeConfig | undefined {
    const b = this.bridges.get(name);
    return b === undefined ? undefined : structuredClone(b);
  }

  stats(): ConfigStoreStats {
    return {
      seq: this.seq,
      journalBytes: this.writer.size,
      recordsSinceCompaction: this.recordsSinceCompaction,
      compactions: this.compactions,
    };
  }

  /** Creates or replaces bridge `b.name` (ports included). Resolves once durable. */
  putBridge(b: BridgeConfig): Promise<void> {
    return this.change({ kind: "put-bridge", bridge: structuredClone(b) });
  }

  /** Deletes bridge `name`; rejects with ConfigStoreError "bridge-not-found" if it is absent when its turn comes. */
  deleteBridge(name: string): Promise<void> {
    return this.change({ kind: "delete-bridge", name });
  }

  /** Rewrites the journal as one snapshot record. Resolves once the new file is in place. */
  compact(): Promise<void> {
    return this.enqueue(() => this.compactNow());
  }

  /** Waits for queued writes, then closes the journal; later calls reject with "closed". */
  async close(): Promise<void> {
    if (this.closed) return;
    const last = this.enqueue(async () => {});
    this.closed = true;
    await last;
    await this.writer.close();
  }

  private change(change: JournalChange): Promise<void> {
    try {
      encodeRecord({ seq: 0n, change }); // validate now: bad input never reaches the queue
    } catch (err) {
      return Promise.reject(err);
    }
    return this.enqueue(async () => {
      if (this.broken) throw this.broken;
      if (change.kind === "delete-bridge" && !this.bridges.has(change.name)) {
        throw new ConfigStoreError("bridge-not-found", `bridge ${JSON.stringify(change.name)} does not exist`);
      }
      const payload = encodeRecord({ seq: this.seq + 1n, change });
      await this.writer.append(payload);
      this.apply(decodeRecord(payload));
      this.recordsSinceCompaction++;
      // Once close() has queued its barrier a compaction would run after the file is closed.
      if (this.overThresholds() && !this.closed) {
        // Queued behind this change, ahead of later calls; its failure is logged, not returned
        // to a caller whose own change is already durable.
        this.enqueue(() => this.compactNow()).catch((err: Error) =>
          this.logger.error({ err, file: this.journalPath }, "config store: automatic compaction failed"),
        );
      }
    });
  }

  private overThresholds(): boolean {
    const size = this.writer.size;
    return (
      this.recordsSinceCompaction >= this.compactAfterRecords ||
      (size > this.compactAfterBytes && size > 2 * this.bytesAfterCompaction)
    );
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new ConfigStoreError("closed", "config store is closed"));
    const run = this.queue.then(task);
    this.queue = run.then(
      () => {},
      () => {},
    );
    return run;
  }

  private async compactNow(): Promise<void> {
    const seq = this.seq + 1n;
    const payload = encodeRecord({ seq, change: { kind: "snapshot", snapshot: this.snapshot() } });
    const before = this.writer.size;
    let writer: JournalWriter;
    try {
      writer = await replaceJournalFile(this.dir, this.journalPath, this.tmpPath, [payload]);
    } catch (err) {
      // Renamed but not durable: the old handle now writes to an unlinked file. Stop writing.
      if (err instanceof JournalReplaceError && err.renamed) this.broken = err;
      throw err;
    }
    await this.writer.close().catch(() => {});
    this.writer = writer;
    this.seq = seq;
    this.recordsSinceCompaction = 0;
    this.bytesAfterCompaction = writer.size;
    this.compactions++;
    this.logger.info(
      { file: this.journalPath, bytesBefore: before, bytesAfter: writer.size, seq: seq.toString() },
      "config store: journal compacted",
    );
  }
}
