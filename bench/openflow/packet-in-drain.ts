// What: the packet-in rate of a switch whose table-miss rule sends every frame to the
// controller, measured as the forwarding bench measures forwarding: a backlog drain, counted
// at the sink controller instead of at namespace B.
//
// Design:
//   warm: a few hundred frames at 10 kpps, so the switch has translated the flow (wasmvs
//     installs a megaflow whose action is the CONTROLLER userspace action; OVS slow-paths it)
//     and the sink has seen packet-ins — the timed part is the steady packet-in path.
//   drain: SIGSTOP the switch ─► trafgen queues `count` frames (one flow) into A ─► 300 ms
//     ─► c0 = sink count, t0 ─► SIGCONT ─► poll the sink until it has `sent` more or stays
//     still for 1 s ─► rate = (count - c0) / (time of the last PACKET_IN - t0).
//   "Offered" is the whole backlog at once (the switch's receive buffer holds it); the table
//   shows how many of the frames sent became packet-ins (both switches drop packet-ins they
//   cannot send when a controller falls behind: OVS keeps at most 100 queued per connection).
// Invariants: a paused switch is always resumed.
// Threading: main thread; the sink counts on the same event loop, so the poll yields.

import { readFileSync } from "node:fs";
import { setImmediate as yieldToLoop } from "node:timers/promises";
import { sleep } from "../anchors/hugepages.ts";
import type { Topology } from "../forwarding/topology.ts";
import { trafgenSend } from "../forwarding/trafgen.ts";
import type { PacketInSink } from "./packet-in-sink.ts";
import { processCpuSeconds } from "./process-memory.ts";

const QUIET_MS = 1000;
const SETTLE_MS = 300;
const LIMIT_MS = 120_000;

export interface PacketInResult {
  /** Frames trafgen put into A. */
  sent: number;
  /** PACKET_INs the sink received after SIGCONT. */
  received: number;
  seconds: number;
  /** received / seconds. */
  rate: number;
  /** CPU the switch process (all threads) used from SIGCONT until the sink went quiet. */
  cpuSeconds: number;
}

function hostRx(dev: string): number {
  return Number(readFileSync(`/sys/class/net/${dev}/statistics/rx_packets`, "utf8"));
}

function stopped(pid: number): boolean {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat[stat.lastIndexOf(")") + 2] === "T";
}

/** Waits until the sink's count has not moved for QUIET_MS. */
export async function sinkSettle(sink: PacketInSink): Promise<void> {
  let last = sink.count;
  let since = performance.now();
  for (;;) {
    await sleep(50);
    if (sink.count !== last) {
      last = sink.count;
      since = performance.now();
    } else if (performance.now() - since >= QUIET_MS) return;
  }
}

export async function packetInWarm(t: Topology, flowCfg: string, sink: PacketInSink): Promise<void> {
  await trafgenSend(t.nsA, t.peerA, flowCfg, 500, "10000pps");
  await sinkSettle(sink);
  if (sink.count === 0) throw new Error("no PACKET_IN reached the sink while warming up");
}

export async function packetInDrain(
  t: Topology,
  pid: number,
  sink: PacketInSink,
  flowCfg: string,
  count: number,
): Promise<PacketInResult> {
  const a0 = hostRx(t.hostA);
  process.kill(pid, "SIGSTOP");
  let resumed = false;
  let c0: number;
  let t0: number;
  let cpu0: number;
  try {
    for (let i = 0; !stopped(pid) && i < 200; i++) await sleep(5);
    await trafgenSend(t.nsA, t.peerA, flowCfg, count);
    await sleep(SETTLE_MS);
    c0 = sink.count;
    cpu0 = processCpuSeconds(pid);
    t0 = performance.now();
    process.kill(pid, "SIGCONT");
    resumed = true;
  } finally {
    if (!resumed) process.kill(pid, "SIGCONT");
  }
  const sent = hostRx(t.hostA) - a0;
  for (;;) {
    await yieldToLoop();
    const now = performance.now();
    const got = sink.count - c0;
    if (got >= sent) break;
    if (got > 0 && now - sink.lastAt >= QUIET_MS) break;
    if (now - t0 > LIMIT_MS || (got === 0 && now - t0 > 10_000)) break;
  }
  const cpuSeconds = processCpuSeconds(pid) - cpu0;
  const received = sink.count - c0;
  const seconds = received > 0 ? (sink.lastAt - t0) / 1000 : 0;
  return { sent, received, seconds, rate: seconds > 0 ? received / seconds : 0, cpuSeconds };
}
