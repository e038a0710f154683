// Up-ring backpressure: a backlog of misses larger than the up ring reaches the control plane
// whole, because the datapath worker leaves frames in the kernel instead of losing misses.
//
// What it proves: with a 64 KiB up ring (about 300 minimum-size misses) and the main thread
// busy while thousands of frames arrive on a port, every frame reaches onMiss exactly once,
// the worker counted turns it held the port back (up.backpressure) and lost no miss
// (up.ring_full 0). Without the check the ring overflows and most of the frames are lost.
// How: the real worker and WASM fast path with a `system` port on a veth; a raw AF_PACKET
// socket in the peer namespace sends numbered frames while this thread is blocked in
// spawnSync (it cannot drain the ring), and onMiss also stalls on its first call. The
// kernel's own drops are asserted 0 too, so the count is exact.

import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DatapathRuntime, type DatapathSink } from "../../../src/datapath/runtime/datapath-runtime.ts";
import { NetLab, PYTHON, requireTools, type VethNs } from "../../support/netns.ts";

const FRAMES = 4000;
const ETHERTYPE = 0x88b5; // IEEE local experimental: nothing else on the link uses it

const SENDER = `
import socket, struct, sys
ifname, n = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((ifname, 0))
dst, src = bytes.fromhex("020000000002"), bytes.fromhex("020000000001")
for i in range(n):
    frame = dst + src + struct.pack("!HI", ${ETHERTYPE}, i) + bytes(44)
    while True:
        try:
            s.send(frame)
            break
        except BlockingIOError:
            pass
`;

const lab = new NetLab();
let a: VethNs;
let rt: DatapathRuntime;
const seen = new Map<number, number>();
let stalled = false;

const sink: DatapathSink = {
  onMiss(_inPort, _key, packet) {
    if (!stalled) {
      // A slow consumer: the main thread does nothing else for a while.
      stalled = true;
      const until = Date.now() + 300;
      while (Date.now() < until) {}
    }
    const v = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
    if (packet.length < 18 || v.getUint16(12) !== ETHERTYPE) return;
    const seq = v.getUint32(14);
    seen.set(seq, (seen.get(seq) ?? 0) + 1);
  },
  onActionUpcall() {},
  onFlowStats() {},
  onFlowGone() {},
};

beforeAll(async () => {
  requireTools("ip", PYTHON);
  a = lab.addVethNs("ubp");
  rt = await DatapathRuntime.start(sink, { buffers: 1024, maxFlows: 1024, ringBytes: 1 << 16 });
  // The kernel's ring must hold the whole backlog: with the default 1 ms block timeout the
  // kernel retires nearly empty blocks while the reader is held back and runs out of its 16.
  await rt.addPort(1, { type: "system", name: a.host, system: { ringOptions: { retireMs: 50, blockCount: 32 } } });
});

afterAll(async () => {
  await rt?.stop();
  lab.cleanup();
});

describe("datapath up-ring backpressure", () => {
  it("delivers every miss of a backlog larger than the up ring, holding the port back instead", async () => {
    // This thread is blocked until the sender is done: the worker alone sees the frames.
    const r = spawnSync("ip", ["netns", "exec", a.ns, PYTHON, "-c", SENDER, a.peer, String(FRAMES)], {
      encoding: "utf8",
    });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const deadline = Date.now() + 20_000;
    while (seen.size < FRAMES && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
    const counters = await rt.counters();
    const stats = await rt.portStats(1);
    expect({ seen: seen.size, kernelDrops: stats.rxDrops, lost: counters["up.ring_full"] }).toEqual({
      seen: FRAMES,
      kernelDrops: 0,
      lost: 0,
    });
    expect([...seen.values()].every((k) => k === 1)).toBe(true);
    expect(counters["up.backpressure"]).toBeGreaterThan(0);
  });
});
