// Crash test: a child process writes through ConfigStore as fast as it can and is SIGKILLed at a
// random moment; every call it saw acknowledged must be in the replayed configuration, and the
// configuration must be exactly the one after some prefix of its calls (no reordering, no
// partial records, nothing invented).

import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigStore } from "../../../src/config/config-store.ts";
import { captureLogger } from "./capture-logger.ts";
import { crashModel, runCrashOp } from "./crash-ops.ts";

const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const CHILD = fileURLToPath(new URL("./crash-child.ts", import.meta.url));
const TRIALS = 50;
const PARALLEL = 3;
const WINDOW = 4; // calls in flight in the child
const COMPACT_AFTER_RECORDS = 7; // small, so kills also land inside compactions

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "wasmvs-crash-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

interface TrialResult {
  start: number;
  acked: number;
  durable: number;
  warnings: number;
}

async function trial(t: number): Promise<TrialResult> {
  const dir = join(root, `trial-${t}`);
  // A journal that already holds some calls, so the child's replay can be interrupted too.
  const start = Math.floor(Math.random() * 30);
  const pre = await ConfigStore.open(dir, captureLogger().logger, { compactAfterRecords: COMPACT_AFTER_RECORDS });
  for (let i = 0; i < start; i++) await runCrashOp(pre, i);
  await pre.close();

  const child = spawn(
    process.execPath,
    ["--import", "tsx", CHILD, dir, String(start), String(WINDOW), String(COMPACT_AFTER_RECORDS)],
    {
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<void>((resolve) => child.on("close", () => resolve()));
  // Kill at a random moment: mostly while it writes, sometimes before it is ready.
  await new Promise<void>((resolve) => {
    const killSoon = () => setTimeout(() => resolve(), Math.random() * 120);
    if (Math.random() < 0.1) setTimeout(resolve, 300 + Math.random() * 500);
    else child.stdout.once("data", killSoon);
    child.once("close", () => resolve());
  });
  child.kill("SIGKILL");
  await exited;
  expect(err, "the child failed on its own").not.toMatch(/failed/);

  const acks = out
    .split("\n")
    .filter((l) => l.startsWith("ack "))
    .map((l) => Number(l.slice(4)));
  expect(acks, "acks arrive in call order").toEqual(acks.map((_, k) => start + k));
  const ackedEnd = start + acks.length; // calls 0..ackedEnd-1 were acknowledged

  const { logger, lines } = captureLogger();
  const store = await ConfigStore.open(dir, logger);
  const snapshot = store.snapshot();
  await store.close();
  // Durable = acknowledged + up to WINDOW calls in flight when the kill came.
  for (let n = ackedEnd; n <= ackedEnd + WINDOW; n++) {
    if (isDeepStrictEqual(snapshot, crashModel(n))) {
      return { start, acked: acks.length, durable: n, warnings: lines.filter((l) => l.level === 40).length };
    }
  }
  throw new Error(
    `trial ${t}: replayed config matches no prefix of ${ackedEnd}..${ackedEnd + WINDOW} calls ` +
      `(start ${start}, ${acks.length} acks); bridges: ${snapshot.bridges.map((b) => b.name).join(",")}`,
  );
}

describe("ConfigStore crash safety", () => {
  it(`keeps every acknowledged call across ${TRIALS} SIGKILLs at random moments`, async () => {
    const results: TrialResult[] = [];
    let nextTrial = 0;
    const worker = async () => {
      while (nextTrial < TRIALS) results.push(await trial(nextTrial++));
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    expect(results).toHaveLength(TRIALS);
    // The test means something only if kills landed mid-stream.
    expect(results.filter((r) => r.acked > 0).length).toBeGreaterThan(TRIALS / 2);
    const totalAcked = results.reduce((s, r) => s + r.acked, 0);
    const inFlightDurable = results.reduce((s, r) => s + (r.durable - r.start - r.acked), 0);
    const torn = results.reduce((s, r) => s + r.warnings, 0);
    console.log(
      `crash test: ${TRIALS} trials, ${totalAcked} acked calls, ${inFlightDurable} unacked-but-durable, ${torn} torn tails repaired`,
    );
  });
});
