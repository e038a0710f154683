// Does the port-capture hook cost anything when nobody captures? The EMC-hit forwarding case
// (parse + exact-match cache hit + output, 1k flows, 64-byte frames) on two builds of the same
// source in one process: A = built with WASMVS_NO_CAPTURE (the hooks compiled out; `npm run
// bench` builds it), B = the release build with the hooks in and every port's flag clear.
//
// Method: many short samples taken alternately A, B, A, B … so a busy neighbour on a shared
// machine slows both alike; the best (minimum) ns/packet of each is the headline (the least
// disturbed sample), the median is shown beside it. Run alone: node --import tsx
// bench/capture-idle.ts [--pairs N].

import { createFastPath, type FastPath } from "../src/datapath/fastpath-module.ts";
import type { CaseResult } from "./fastpath.ts";
import { installMegaflows, loadTemplates } from "./fastpath.ts";

const IN_PORT = 1;

async function emcHitPath(flavour: "release" | "nocapture"): Promise<FastPath> {
  const fp = await createFastPath({ buffers: 1024, emcEntries: 8192, maxFlows: 1024, flavour });
  installMegaflows(fp, 1000, 1);
  loadTemplates(fp, 1000);
  return fp;
}

function sampleNs(fp: FastPath, packets: number): number {
  const t0 = process.hrtime.bigint();
  fp.benchForward(IN_PORT, packets, 0, 1, 0);
  return Number(process.hrtime.bigint() - t0) / packets;
}

export async function runCaptureIdleAB(opts: { quick?: boolean; pairs?: number } = {}): Promise<CaseResult[]> {
  const without = await emcHitPath("nocapture");
  const withIdle = await emcHitPath("release");
  if (without.captureCompiled() !== 0 || withIdle.captureCompiled() !== 1) {
    throw new Error("capture A/B: build/wasmvs.nocapture.wasm still has the capture hooks (npm run bench builds it)");
  }
  const pairs = opts.pairs ?? (opts.quick ? 61 : 201);
  const packets = 100_000;
  for (const fp of [without, withIdle]) sampleNs(fp, packets); // warm-up
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < pairs; i++) {
    a.push(sampleNs(without, packets));
    b.push(sampleNs(withIdle, packets));
  }
  const med = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  const [ba, bb] = [Math.min(...a), Math.min(...b)];
  const pct = (x: number, y: number) => `${y >= x ? "+" : ""}${((y / x - 1) * 100).toFixed(1)}%`;
  return [
    {
      name: "EMC hit, capture compiled out (A), best",
      mpps: 1000 / ba,
      nsPerPacket: ba,
      note: `median ${med(a).toFixed(1)} ns`,
    },
    {
      name: "EMC hit, capture compiled in, idle (B), best",
      mpps: 1000 / bb,
      nsPerPacket: bb,
      note: `median ${med(b).toFixed(1)} ns; B vs A: best ${pct(ba, bb)}, median ${pct(med(a), med(b))}; ${pairs} interleaved pairs of ${packets / 1000}k packets`,
    },
  ];
}

if (process.argv[1]?.endsWith("capture-idle.ts")) {
  const i = process.argv.indexOf("--pairs");
  const rows = await runCaptureIdleAB({ pairs: i > 0 ? Number(process.argv[i + 1]) : undefined });
  for (const r of rows)
    console.log(`${r.name.padEnd(46)} ${r.nsPerPacket.toFixed(1).padStart(7)} ns/pkt  ${r.note ?? ""}`);
}
