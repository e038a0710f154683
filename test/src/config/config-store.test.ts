import { type FileHandle, mkdtemp, open, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ConfigStore, ConfigStoreError, JOURNAL_FILE, JOURNAL_TMP_FILE } from "../../../src/config/config-store.ts";
import { scanJournal } from "../../../src/config/journal.ts";
import type { BridgeConfig, ConfigSnapshot } from "../../../src/config/model.ts";
import { captureLogger } from "./capture-logger.ts";
import { bridgeArb } from "./config-arbitraries.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "wasmvs-store-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const journalPath = () => join(dir, JOURNAL_FILE);

async function reopenSnapshot(at: string): Promise<ConfigSnapshot> {
  const store = await ConfigStore.open(at, captureLogger().logger);
  const snap = store.snapshot();
  await store.close();
  return snap;
}

function simpleBridge(name: string, tag = 1): BridgeConfig {
  return {
    name,
    failMode: "standalone",
    ports: [{ name: "p1", type: "tap", ofport: 1, vlanMode: "access", tag, trunks: [], adminDown: false, options: {} }],
    controllers: ["ptcp:6653"],
    macAgingSeconds: 300,
    macTableSize: 8192,
    datapathId: 42n,
    staticMacs: [],
  };
}

type Op = { put: BridgeConfig } | { del: string };
const NAMES = fc.constantFrom("br0", "br1", "br2", "br-ü", "");
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: bridgeArb(NAMES).map((put) => ({ put })) },
  { weight: 1, arbitrary: NAMES.map((del) => ({ del })) },
);

/** The reference model: a Map in creation order, replace in place, delete removes. */
function applyModel(model: Map<string, BridgeConfig>, op: Op): boolean {
  if ("put" in op) {
    model.set(op.put.name, op.put);
    return true;
  }
  return model.delete(op.del);
}

describe("ConfigStore", () => {
  it("replays any sequence of puts and deletes to the same snapshot, across compactions", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(opArb, { maxLength: 25 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 64, max: 4096 }),
        async (ops, compactAfterRecords, compactAfterBytes) => {
          const at = join(dir, `run-${run++}`);
          const store = await ConfigStore.open(at, captureLogger().logger, { compactAfterRecords, compactAfterBytes });
          const model = new Map<string, BridgeConfig>();
          for (const op of ops) {
            const existed = applyModel(model, op);
            const done = "put" in op ? store.putBridge(op.put) : store.deleteBridge(op.del);
            if (existed) await done;
            else await expect(done).rejects.toMatchObject({ code: "bridge-not-found" });
          }
          expect(store.snapshot()).toEqual({ bridges: [...model.values()] });
          await store.close();
          expect(await reopenSnapshot(at)).toEqual({ bridges: [...model.values()] });
        },
      ),
      { numRuns: 40 },
    );
  });

  it("compacts on request into one snapshot record and keeps the state", async () => {
    const store = await ConfigStore.open(dir, captureLogger().logger);
    for (let i = 0; i < 30; i++) await store.putBridge(simpleBridge(`br${i % 5}`, i + 1));
    await store.deleteBridge("br3");
    const before = store.snapshot();
    const bytesBefore = (await stat(journalPath())).size;
    await store.compact();
    expect(store.snapshot()).toEqual(before);
    const scan = scanJournal(await readFile(journalPath()), "f");
    expect(scan.records.map((r) => r.change.kind)).toEqual(["snapshot"]);
    expect(scan.goodEnd).toBeLessThan(bytesBefore);
    await store.putBridge(simpleBridge("br9"));
    await store.close();
    expect(await reopenSnapshot(dir)).toEqual({ bridges: [...before.bridges, simpleBridge("br9")] });
    expect(await readdir(dir)).toEqual([JOURNAL_FILE]);
  });

  it("compacts automatically past the record threshold and the byte threshold", async () => {
    const byRecords = await ConfigStore.open(join(dir, "r"), captureLogger().logger, { compactAfterRecords: 10 });
    for (let i = 0; i < 25; i++) await byRecords.putBridge(simpleBridge("br0", i + 1));
    await byRecords.compact(); // a barrier: automatic compactions queued before it have run
    expect(byRecords.stats().compactions).toBe(3); // after records 10 and 20, and this one
    await byRecords.close();

    const byBytes = await ConfigStore.open(join(dir, "b"), captureLogger().logger, { compactAfterBytes: 2000 });
    for (let i = 0; i < 40; i++) await byBytes.putBridge(simpleBridge("br0", i + 1));
    const stats = byBytes.stats();
    expect(stats.compactions).toBeGreaterThan(0);
    expect(stats.journalBytes).toBeLessThanOrEqual(2000 + 200);
    await byBytes.close();
    expect(await reopenSnapshot(join(dir, "b"))).toEqual({ bridges: [simpleBridge("br0", 40)] });
  });

  it("serializes concurrent calls in call order, never interleaving records", async () => {
    const store = await ConfigStore.open(dir, captureLogger().logger, { compactAfterRecords: 1_000_000 });
    const resolved: number[] = [];
    const calls: Promise<void>[] = [];
    for (let i = 0; i < 60; i++) {
      const call = i % 3 === 2 ? store.deleteBridge(`br${i - 1}`) : store.putBridge(simpleBridge(`br${i}`, i + 1));
      calls.push(call.then(() => void resolved.push(i)));
    }
    await Promise.all(calls);
    expect(resolved).toEqual([...Array(60).keys()]);
    await store.close();
    const kinds = scanJournal(await readFile(journalPath()), "f").records.map((r) =>
      r.change.kind === "put-bridge"
        ? `put ${r.change.bridge.name}`
        : r.change.kind === "delete-bridge"
          ? `del ${r.change.name}`
          : "snap",
    );
    expect(kinds).toEqual([...Array(60).keys()].map((i) => (i % 3 === 2 ? `del br${i - 1}` : `put br${i}`)));
  });

  it("hands out deep copies and keeps its own", async () => {
    const store = await ConfigStore.open(dir, captureLogger().logger);
    const input = simpleBridge("br0");
    const pending = store.putBridge(input);
    input.ports[0].tag = 99; // mutated after the call, before the write: must not leak in
    await pending;
    const snap = store.snapshot();
    snap.bridges[0].ports[0].options.x = "y";
    snap.bridges[0].name = "changed";
    const one = store.getBridge("br0");
    if (one === undefined) throw new Error("br0 missing");
    one.controllers.push("tcp:1.1.1.1:6653");
    expect(store.snapshot()).toEqual({ bridges: [simpleBridge("br0")] });
    await store.close();
  });

  it("rejects bad input and deletes of missing bridges without writing anything", async () => {
    const store = await ConfigStore.open(dir, captureLogger().logger);
    await store.putBridge(simpleBridge("br0"));
    const size = (await stat(journalPath())).size;
    await expect(store.putBridge({ ...simpleBridge("br1"), macTableSize: -5 })).rejects.toThrow(/macTableSize/);
    await expect(store.deleteBridge("nope")).rejects.toThrow(ConfigStoreError);
    expect((await stat(journalPath())).size).toBe(size);
    expect(store.stats().seq).toBe(1n);
    await store.close();
    await expect(store.putBridge(simpleBridge("br2"))).rejects.toMatchObject({ code: "closed" });
  });

  it("removes an unfinished compaction file on open and creates missing directories", async () => {
    const nested = join(dir, "a", "b");
    const store = await ConfigStore.open(nested, captureLogger().logger);
    await store.putBridge(simpleBridge("br0"));
    await store.close();
    await writeFile(join(nested, JOURNAL_TMP_FILE), "half a compaction");
    const { logger, lines } = captureLogger();
    const again = await ConfigStore.open(nested, logger);
    expect(again.snapshot()).toEqual({ bridges: [simpleBridge("br0")] });
    expect(lines.some((l) => l.msg.includes("unfinished compaction"))).toBe(true);
    expect(await readdir(nested)).toEqual([JOURNAL_FILE]);
    await again.close();
  });

  it("fdatasyncs the journal after the write and before a change resolves; fsyncs file and dir on compaction", async () => {
    // Records each FileHandle write/datasync/sync when it has completed, with its fd.
    const probe = await open(join(dir, "probe"), "w");
    const proto = Object.getPrototypeOf(probe) as FileHandle;
    await probe.close();
    const events: string[] = [];
    const spies = (["write", "datasync", "sync"] as const).map((method) => {
      const original = proto[method] as (...args: unknown[]) => Promise<unknown>;
      return vi.spyOn(proto, method).mockImplementation(async function (this: FileHandle, ...args: unknown[]) {
        const result = await original.apply(this, args);
        events.push(`${method}:${this.fd}`);
        return result;
      } as never);
    });
    try {
      const store = await ConfigStore.open(dir, captureLogger().logger);
      for (let i = 0; i < 3; i++) {
        events.length = 0;
        await store.putBridge(simpleBridge(`br${i}`));
        events.push("resolved");
        const lastWrite = events.findLastIndex((e) => e.startsWith("write:"));
        const fd = events[lastWrite].split(":")[1];
        expect(events.slice(lastWrite + 1), events.join(" ")).toEqual([`datasync:${fd}`, "resolved"]);
      }
      events.length = 0;
      await store.compact();
      events.push("resolved");
      const lastWrite = events.findLastIndex((e) => e.startsWith("write:"));
      const fd = events[lastWrite].split(":")[1];
      const after = events.slice(lastWrite + 1);
      expect(after[0], events.join(" ")).toBe(`sync:${fd}`); // the new file
      expect(
        after.slice(1).some((e) => e.startsWith("sync:") && e !== `sync:${fd}`),
        events.join(" "),
      ).toBe(true); // the dir
      expect(after.at(-1)).toBe("resolved");
      await store.close();
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });

  it("cuts a half-written record back off when a write fails, so later appends replay", async () => {
    const store = await ConfigStore.open(dir, captureLogger().logger);
    await store.putBridge(simpleBridge("br0"));
    const probe = await open(join(dir, "probe"), "w");
    const proto = Object.getPrototypeOf(probe) as FileHandle;
    await probe.close();
    const original = proto.write as (...args: unknown[]) => Promise<{ bytesWritten: number }>;
    // Write the first half of the next frame for real, then fail like a full disk.
    const spy = vi.spyOn(proto, "write").mockImplementationOnce(async function (this: FileHandle, ...args: unknown[]) {
      const [buf, off, len, pos] = args as [Buffer, number, number, number];
      await original.call(this, buf, off, Math.floor(len / 2), pos);
      throw Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" });
    } as never);
    try {
      // A large record, so its half is longer than the next (small) one that overwrites it.
      const big = { ...simpleBridge("br1"), controllers: Array.from({ length: 40 }, (_, i) => `tcp:10.0.0.${i}:6653`) };
      await expect(store.putBridge(big)).rejects.toThrow(/ENOSPC/);
    } finally {
      spy.mockRestore();
    }
    await store.putBridge(simpleBridge("br2"));
    await store.close();
    const { logger, lines } = captureLogger();
    const again = await ConfigStore.open(dir, logger);
    expect(again.snapshot()).toEqual({ bridges: [simpleBridge("br0"), simpleBridge("br2")] });
    expect(lines.filter((l) => l.level >= 40)).toEqual([]);
    await again.close();
  });
});
