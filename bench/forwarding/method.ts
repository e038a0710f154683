// What: the two ways a forwarding rate is measured here, and the warm-up both need.
//
// Design:
//   backlog drain (userspace switches; trafgen alone offers less than they forward):
//     SIGSTOP switch ─► trafgen queues `count` frames into A ─► trafgen exits ─► 300 ms settle
//     ─► c0 = B's counter, t0 ─► SIGCONT ─► poll B's counter (every event-loop turn, ~0.1 ms)
//     until it reaches the frames queued or stays still for QUIET_MS (1 s: a loaded machine
//     can stall the switch for a while; the end time is the last increase either way)
//     ─► rate = (last - c0) / (t_last_increase - t0)
//   The backlog is whatever the switch's receive buffer held: B's count at the end, reported
//   beside what trafgen sent (A's host end rx_packets).
//   at capacity (Linux bridge: no process to pause): trafgen flat out, B's counter over a
//   window after a 1 s ramp; the offered rate (A's host end) is reported beside it, since the
//   bridge cannot forward more than trafgen offers.
//   warm-up: the destination MAC is learned from B's side first (a broadcast frame from it),
//   then every flow of the set is sent twice at a paced rate and B's counter is let settle, so
//   a timed run forwards through installed megaflows and never waits for an upcall.
// Invariants: a paused switch is always resumed, also when trafgen fails.
// Threading: main thread; `during` runs concurrently on the event loop (the REST probe).

import { readFileSync, writeFileSync } from "node:fs";
import { setImmediate as yieldToLoop } from "node:timers/promises";
import { sleep } from "../anchors/hugepages.ts";
import type { SwitchUnderTest } from "./switch-under-test.ts";
import { rxInB, rxInBFast, type Topology, txDroppedToB } from "./topology.ts";
import { trafgenSend, trafgenStart } from "./trafgen.ts";

const QUIET_MS = 1000;
const SETTLE_MS = 300;
const DRAIN_LIMIT_MS = 60_000;
const NOTHING_LIMIT_MS = 10_000;
const CAPACITY_WMEM = 64 << 20;

export interface DrainResult {
  /** Frames trafgen put into A (A's host end rx_packets). */
  sent: number;
  /** Frames that reached B after SIGCONT: the backlog the switch held and forwarded. */
  forwarded: number;
  /** SIGCONT to the last increase of B's counter. */
  seconds: number;
  mpps: number;
  /** B's counter moved while the switch was stopped (should be 0). */
  leaked: number;
  /** Frames the switch sent toward B that the kernel dropped (B's host end tx_dropped). */
  droppedToB: number;
}

function hostRx(dev: string): number {
  return Number(readFileSync(`/sys/class/net/${dev}/statistics/rx_packets`, "utf8"));
}

function processState(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
}

/** Waits until B's counter has not moved for QUIET_MS (or limitMs passes); returns it. */
export async function settle(t: Topology, limitMs = 30_000): Promise<number> {
  let last = rxInBFast(t);
  let since = performance.now();
  const start = since;
  for (;;) {
    await sleep(20);
    const c = rxInBFast(t);
    const now = performance.now();
    if (c !== last) {
      last = c;
      since = now;
    } else if (now - since >= QUIET_MS || now - start > limitMs) return c;
  }
}

/** Teaches the switch where DST_MAC is (a few broadcasts from it, sent on B's side). */
export async function prelearn(t: Topology, learnCfg: string): Promise<void> {
  await trafgenSend(t.nsB, t.peerB, learnCfg, 3);
  await sleep(200);
}

/** Sends every flow of the set twice, paced, and waits for B's counter to settle. */
export async function warm(t: Topology, learnCfg: string, flowCfg: string, flows: number): Promise<void> {
  await prelearn(t, learnCfg);
  const frames = Math.max(20_000, 2 * flows);
  await trafgenSend(t.nsA, t.peerA, flowCfg, frames, "100000pps");
  await settle(t);
}

/** One backlog drain (see the module comment). `during` runs while the switch drains. */
export async function drainOnce(
  t: Topology,
  sw: SwitchUnderTest,
  flowCfg: string,
  count: number,
  during?: (draining: () => boolean) => Promise<void>,
): Promise<DrainResult> {
  const pid = sw.pid;
  if (!pid) throw new Error(`${sw.label} cannot be paused`);
  const b0 = rxInBFast(t);
  const a0 = hostRx(t.hostA);
  const d0 = txDroppedToB(t);
  process.kill(pid, "SIGSTOP");
  let resumed = false;
  let c0: number;
  let t0: number;
  try {
    for (let i = 0; processState(pid) !== "T" && i < 200; i++) await sleep(5);
    await trafgenSend(t.nsA, t.peerA, flowCfg, count);
    await sleep(SETTLE_MS);
    c0 = rxInBFast(t);
    t0 = performance.now();
    process.kill(pid, "SIGCONT");
    resumed = true;
  } finally {
    if (!resumed) process.kill(pid, "SIGCONT");
  }
  const sent = hostRx(t.hostA) - a0;
  let draining = true;
  const side = during?.(() => draining);
  let last = c0;
  let tLast = t0;
  for (;;) {
    const c = rxInBFast(t);
    const now = performance.now();
    if (c !== last) {
      last = c;
      tLast = now;
    }
    if (last - c0 >= sent) break;
    if (last > c0 && now - tLast >= QUIET_MS) break;
    if (now - t0 > DRAIN_LIMIT_MS || (last === c0 && now - t0 > NOTHING_LIMIT_MS)) break;
    await yieldToLoop();
  }
  draining = false;
  await side;
  const seconds = (tLast - t0) / 1000;
  const forwarded = last - c0;
  const authoritative = rxInB(t); // read inside namespace B: must not be below what we timed
  if (authoritative < last) throw new Error(`B's rx_packets ${authoritative} < polled ${last}`);
  return {
    sent,
    forwarded,
    seconds,
    mpps: seconds > 0 ? forwarded / seconds / 1e6 : 0,
    leaked: c0 - b0,
    droppedToB: txDroppedToB(t) - d0,
  };
}

export interface CapacityResult {
  mpps: number;
  offeredMpps: number;
  seconds: number;
}

/** Forwarding rate while trafgen runs flat out (after a 1 s ramp), over `seconds`. */
export async function atCapacity(t: Topology, flowCfg: string, seconds: number): Promise<CapacityResult> {
  // With A's receive work on the other core, up to netdev_max_backlog skbs wait in that core's
  // backlog charged to trafgen's send buffer; with the default wmem its TX_RING flush fails
  // with EAGAIN. Its socket takes wmem_default when created, so raise it for this run only.
  const files = ["wmem_max", "wmem_default"].map((k) => `/proc/sys/net/core/${k}`);
  const saved = files.map((f) => readFileSync(f, "utf8"));
  for (const f of files) writeFileSync(f, String(CAPACITY_WMEM));
  const gen = trafgenStart(t.nsA, t.peerA, flowCfg);
  let failed: Error | undefined;
  const exited = gen.done.catch((e: Error) => {
    failed = e;
  });
  try {
    await sleep(1000);
    const b0 = rxInB(t);
    const a0 = hostRx(t.hostA);
    const t0 = performance.now();
    await sleep(seconds * 1000);
    const b1 = rxInB(t);
    const a1 = hostRx(t.hostA);
    const dt = (performance.now() - t0) / 1000;
    if (failed) throw failed;
    return { mpps: (b1 - b0) / dt / 1e6, offeredMpps: (a1 - a0) / dt / 1e6, seconds: dt };
  } finally {
    gen.stop();
    await exited;
    for (const [i, f] of files.entries()) writeFileSync(f, saved[i]);
    await settle(t);
  }
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}
