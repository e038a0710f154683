import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { encodeRecord, type JournalRecord } from "../../../src/config/codec.ts";
import { ConfigStore, JOURNAL_FILE } from "../../../src/config/config-store.ts";
import {
  FRAME_HEADER_SIZE,
  frameRecord,
  HEADER_SIZE,
  JournalCorruptError,
  journalHeader,
  scanJournal,
} from "../../../src/config/journal.ts";
import type { BridgeConfig, ConfigSnapshot } from "../../../src/config/model.ts";
import { GOLDEN_RECORDS, goldenJournalBytes } from "../../fixtures/config/golden-records.ts";
import { captureLogger, PINO_WARN } from "./capture-logger.ts";

const GOLDEN_FILE = new URL("../../fixtures/config/golden.journal", import.meta.url);

function bridge(name: string, ofport: number): BridgeConfig {
  return {
    name,
    failMode: "standalone",
    ports: [
      {
        name: `${name}-p${ofport}`,
        type: "system",
        ofport,
        vlanMode: "access",
        tag: ofport,
        trunks: [],
        adminDown: false,
        options: { k: "v" },
      },
    ],
    controllers: [],
    macAgingSeconds: 0,
    macTableSize: 0,
    datapathId: BigInt(ofport),
    staticMacs: [],
  };
}

/** Five records: br0, br1, br0 again (replaced), delete br1, br2. */
const RECORDS: JournalRecord[] = [
  { seq: 1n, change: { kind: "put-bridge", bridge: bridge("br0", 1) } },
  { seq: 2n, change: { kind: "put-bridge", bridge: bridge("br1", 2) } },
  { seq: 3n, change: { kind: "put-bridge", bridge: bridge("br0", 3) } },
  { seq: 4n, change: { kind: "delete-bridge", name: "br1" } },
  { seq: 5n, change: { kind: "put-bridge", bridge: bridge("br2", 5) } },
];
const AFTER_FOUR: ConfigSnapshot = { bridges: [bridge("br0", 3)] };
const AFTER_FIVE: ConfigSnapshot = { bridges: [bridge("br0", 3), bridge("br2", 5)] };

function journalBytes(records: JournalRecord[]): Buffer {
  return Buffer.concat([journalHeader(), ...records.map((r) => frameRecord(encodeRecord(r)))]);
}

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "wasmvs-journal-"));
  file = join(dir, JOURNAL_FILE);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function openSnapshot(bytes: Buffer): Promise<{ snapshot: ConfigSnapshot; warnings: string[] }> {
  await writeFile(file, bytes);
  const { logger, lines } = captureLogger();
  const store = await ConfigStore.open(dir, logger);
  const snapshot = store.snapshot();
  await store.close();
  return { snapshot, warnings: lines.filter((l) => l.level === PINO_WARN).map((l) => l.msg) };
}

describe("journal framing", () => {
  it("lays a record out as [u32 len][u32 crc32(len bytes ‖ payload)][payload]", () => {
    const payload = encodeRecord(RECORDS[3]);
    const frame = frameRecord(payload);
    expect(frame.readUInt32LE(0)).toBe(payload.length);
    expect(frame.readUInt32LE(4)).toBe(crc32(payload, crc32(frame.subarray(0, 4))));
    expect(frame.subarray(FRAME_HEADER_SIZE)).toEqual(Buffer.from(payload));
    expect(journalHeader()).toEqual(Buffer.from([0x57, 0x56, 0x53, 0x4a, 1, 0, 0, 0]));
  });

  it("writes exactly the checked-in golden journal, and replays it", async () => {
    const golden = await readFile(GOLDEN_FILE);
    expect(goldenJournalBytes()).toEqual(golden);
    expect(scanJournal(golden, "golden").records).toEqual(GOLDEN_RECORDS);
    const { snapshot, warnings } = await openSnapshot(golden);
    expect(warnings).toEqual([]);
    expect(snapshot).toEqual({
      bridges: [GOLDEN_RECORDS[1].change.kind === "put-bridge" ? GOLDEN_RECORDS[1].change.bridge : null],
    });
  });

  it("never takes an all-zero region for a record", () => {
    const scan = scanJournal(Buffer.concat([journalBytes(RECORDS), Buffer.alloc(4096)]), "f");
    expect(scan.records).toEqual(RECORDS);
    expect(scan.tornBytes).toBe(4096);
  });
});

describe("journal replay: torn tail", () => {
  it("truncates a last record cut at every byte offset, logs it, and replays the rest", async () => {
    const whole = journalBytes(RECORDS);
    const lastAt = scanJournal(whole, file).offsets[4];
    for (let cut = lastAt + 1; cut < whole.length; cut++) {
      const { snapshot, warnings } = await openSnapshot(whole.subarray(0, cut));
      expect(snapshot, `cut at ${cut}`).toEqual(AFTER_FOUR);
      expect(warnings, `cut at ${cut}`).toEqual([
        expect.stringContaining(`torn tail of ${cut - lastAt} bytes at offset ${lastAt}`),
      ]);
      expect((await stat(file)).size).toBe(lastAt);
    }
  });

  it("keeps appending after a repaired tail, and the result replays cleanly", async () => {
    const whole = journalBytes(RECORDS);
    await writeFile(file, whole.subarray(0, whole.length - 3));
    const { logger } = captureLogger();
    const store = await ConfigStore.open(dir, logger);
    await store.putBridge(bridge("br2", 5));
    await store.close();
    const { snapshot, warnings } = await openSnapshot(await readFile(file));
    expect(warnings).toEqual([]);
    expect(snapshot).toEqual(AFTER_FIVE);
  });

  it("truncates trailing garbage that cannot be a record", async () => {
    const garbage = Buffer.from("this is not a journal record, just noise after the last one");
    const { snapshot, warnings } = await openSnapshot(Buffer.concat([journalBytes(RECORDS), garbage]));
    expect(snapshot).toEqual(AFTER_FIVE);
    expect(warnings).toHaveLength(1);
  });

  it("treats a damaged last record (nothing valid after it) as a torn tail", async () => {
    const whole = journalBytes(RECORDS);
    whole[whole.length - 2] ^= 0x40;
    const { snapshot, warnings } = await openSnapshot(whole);
    expect(snapshot).toEqual(AFTER_FOUR);
    expect(warnings).toEqual([expect.stringContaining("crc mismatch")]);
  });

  it("repairs a file cut inside its header", async () => {
    const { snapshot, warnings } = await openSnapshot(journalHeader().subarray(0, 5));
    expect(snapshot).toEqual({ bridges: [] });
    expect(warnings).toHaveLength(1);
    expect(await readFile(file)).toEqual(journalHeader());
  });
});

describe("journal replay: corruption in the middle", () => {
  it("fails open() naming the file and offset for a flipped byte anywhere in a middle record", async () => {
    const whole = journalBytes(RECORDS);
    const offsets = scanJournal(whole, file).offsets;
    const [start, end] = [offsets[2], offsets[3]];
    for (let at = start; at < end; at++) {
      const bytes = Buffer.from(whole);
      bytes[at] ^= 0x01 << (at % 8);
      await writeFile(file, bytes);
      const { logger } = captureLogger();
      const opened = ConfigStore.open(dir, logger);
      await expect(opened, `flip at ${at}`).rejects.toThrow(JournalCorruptError);
      await expect(opened, `flip at ${at}`).rejects.toThrow(
        `config journal ${file} is corrupt at byte offset ${start} (`,
      );
      expect(await readFile(file), "the file is left alone").toEqual(bytes);
    }
  });

  it("fails on a bad magic, an unknown version and a sequence gap", () => {
    const good = journalBytes(RECORDS);
    const badMagic = Buffer.from(good);
    badMagic[0] = 0x58;
    expect(() => scanJournal(badMagic, "f")).toThrow(/corrupt at byte offset 0 \(not a wasmvs config journal/);
    const badVersion = Buffer.from(good);
    badVersion[4] = 9;
    expect(() => scanJournal(badVersion, "f")).toThrow(/offset 4 \(unsupported journal version 9/);
    const gap = journalBytes([RECORDS[0], RECORDS[1], RECORDS[3], RECORDS[4]]);
    const gapAt =
      HEADER_SIZE + frameRecord(encodeRecord(RECORDS[0])).length + frameRecord(encodeRecord(RECORDS[1])).length;
    expect(() => scanJournal(gap, "f")).toThrow(
      `corrupt at byte offset ${gapAt} (sequence gap: expected seq 3, found 4)`,
    );
  });
});
