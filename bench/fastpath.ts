// Fast-path benchmarks: single core, 64-byte frames already in WASM memory, batches of
// BATCH_SIZE, no I/O. Each case times an in-module driver (assembly/datapath/bench-loop.ts)
// after a warm-up and reports the median of several runs.

import { createFastPath, type FastPath } from "../src/datapath/fastpath-module.ts";
import { runCaptureIdleAB } from "./capture-idle.ts";
import { FRAME_LEN, writeUdpFrame } from "./frames.ts";

export interface CaseResult {
  name: string;
  mpps: number;
  nsPerPacket: number;
  note?: string;
}

const KEY_SIZE = 112;
const TEMPLATE_STRIDE = 128;
const IN_PORT = 1;
const OUT_PORT = 2;

/** Median of `runs` timings of fn(), which processes `packets` packets per call. */
function timeMedian(fn: () => void, packets: number, runs: number): { mpps: number; ns: number } {
  fn(); // warm-up
  const ns: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    fn();
    ns.push(Number(process.hrtime.bigint() - t0) / packets);
  }
  ns.sort((a, b) => a - b);
  const med = ns[Math.floor(ns.length / 2)];
  return { mpps: 1000 / med, ns: med };
}

export function loadTemplates(fp: FastPath, flows: number): void {
  const base = fp.benchTemplates(flows, TEMPLATE_STRIDE);
  const mem = new Uint8Array(fp.memory.buffer);
  for (let i = 0; i < flows; i++) {
    const len = writeUdpFrame(mem.subarray(base + i * TEMPLATE_STRIDE, base + (i + 1) * TEMPLATE_STRIDE), i);
    fp.benchTemplateSetLength(i, len);
  }
}

/** A scratch area inside WASM memory: three pool buffers (key, mask, actions). */
function scratch(fp: FastPath): { key: number; mask: number; actions: number } {
  const ids = [fp.bufferAlloc(), fp.bufferAlloc(), fp.bufferAlloc()];
  return { key: fp.bufferData(ids[0]), mask: fp.bufferData(ids[1]), actions: fp.bufferData(ids[2]) };
}

function writeOutputAction(fp: FastPath, at: number, port: number): number {
  const v = new DataView(fp.memory.buffer, at, 8);
  v.setUint16(0, 1, true); // A_OUTPUT
  v.setUint16(2, 8, true);
  v.setUint32(4, port, true);
  return 8;
}

/** Mask number s (of a family of distinct masks): in_port, eth_type, IPv4 source, and a
 *  distinct non-zero mask on the UDP source port so each s makes its own subtable. */
function writeMask(fp: FastPath, at: number, s: number): void {
  const m = new Uint8Array(fp.memory.buffer, at, KEY_SIZE);
  m.fill(0);
  const v = new DataView(fp.memory.buffer, at, KEY_SIZE);
  v.setUint32(0, 0xffffffff, true); // IN_PORT
  v.setUint16(20, 0xffff); // ETH_TYPE
  v.setUint32(32, 0xffffffff); // NW_SRC (IPv4)
  if (s > 0) v.setUint16(64, s); // TP_SRC bits: subtable selector
}

/** Installs one megaflow per template, template i in subtable i % subtables. */
export function installMegaflows(fp: FastPath, flows: number, subtables: number): void {
  const s = scratch(fp);
  const alen = writeOutputAction(fp, s.actions, OUT_PORT);
  const pkt = fp.bufferAlloc();
  for (let i = 0; i < flows; i++) {
    const mem = new Uint8Array(fp.memory.buffer);
    const len = writeUdpFrame(mem.subarray(fp.bufferData(pkt), fp.bufferData(pkt) + FRAME_LEN), i);
    fp.bufferSetLength(pkt, len);
    const k = fp.dpParse(pkt);
    new Uint8Array(fp.memory.buffer).copyWithin(s.key, k, k + KEY_SIZE);
    new DataView(fp.memory.buffer).setUint32(s.key, IN_PORT, true);
    writeMask(fp, s.mask, subtables === 1 ? 0 : 1 + (i % subtables));
    const id = fp.megaflowInsert(s.key, s.mask, s.actions, alen);
    if (id < 0) throw new Error(`megaflowInsert failed (${id}) at flow ${i}`);
  }
}

export async function runFastPathCases(opts: { quick?: boolean } = {}): Promise<CaseResult[]> {
  const runs = opts.quick ? 3 : 7;
  const out: CaseResult[] = [];
  const N = opts.quick ? 500_000 : 4_000_000;

  // Parse only.
  {
    const fp = await createFastPath({ buffers: 1024, maxFlows: 1024 });
    loadTemplates(fp, 1000);
    const r = timeMedian(() => fp.benchParse(N), N, runs);
    out.push({ name: "parse only (Eth/IPv4/UDP 64 B)", mpps: r.mpps, nsPerPacket: r.ns });
  }

  // Exact-match cache hit + output batching, 1k flows.
  {
    const fp = await createFastPath({ buffers: 1024, emcEntries: 8192, maxFlows: 1024 });
    installMegaflows(fp, 1000, 1);
    loadTemplates(fp, 1000);
    const r = timeMedian(() => fp.benchForward(IN_PORT, N, 0, 1, 0), N, runs);
    out.push({ name: "parse + EMC hit + output, 1k flows", mpps: r.mpps, nsPerPacket: r.ns });
  }

  out.push(...(await runCaptureIdleAB({ quick: opts.quick })));

  // Megaflow hits (EMC off), by subtable count and megaflow count.
  const shapes: Array<[number, number]> = [
    [1, 1000],
    [16, 1000],
    [64, 1000],
    [1, 100_000],
    [1, 1_000_000],
    [16, 1_000_000],
  ];
  for (const [subtables, flows] of shapes) {
    const fp = await createFastPath({ buffers: 1024, emcEntries: 8192, maxFlows: flows + 1024 });
    fp.dpSetEmcEnabled(false);
    const before = fp.memory.buffer.byteLength;
    installMegaflows(fp, flows, subtables);
    const perFlow = (fp.memory.buffer.byteLength - before) / flows;
    loadTemplates(fp, 1);
    const n = Math.min(N, flows >= 100_000 ? 2_000_000 : N);
    const r = timeMedian(() => fp.benchForward(IN_PORT, n, 0, 1, flows), n, runs);
    out.push({
      name: `megaflow hit, ${subtables} subtable${subtables > 1 ? "s" : ""}, ${flows.toLocaleString("en")} megaflows`,
      mpps: r.mpps,
      nsPerPacket: r.ns,
      note: flows >= 100_000 ? `${perFlow.toFixed(0)} B/megaflow (memory growth)` : undefined,
    });
  }

  // Miss path: no megaflow matches; cost up to the upcall boundary (misses freed there).
  {
    const fp = await createFastPath({ buffers: 1024, maxFlows: 1024 });
    loadTemplates(fp, 1000);
    const r = timeMedian(() => fp.benchForward(IN_PORT, N / 4, 0, 1, 0), N / 4, runs);
    out.push({ name: "miss (to the upcall boundary)", mpps: r.mpps, nsPerPacket: r.ns });
  }
  return out;
}
