// `npm run bench`: the fast-path benchmark table, with the C anchors (Open vSwitch with DPDK,
// dpdk-testpmd) measured in the same run when they are installed, so ratios compare like with
// like on a shared, noisy machine. Flags: --quick (fewer, shorter runs), --no-anchors.

import os from "node:os";
import type { AnchorResult } from "./anchors/anchor-result.ts";
import { measureOvsDpdk } from "./anchors/ovs-dpdk.ts";
import { measureTestpmd } from "./anchors/testpmd.ts";
import { type CaseResult, runFastPathCases } from "./fastpath.ts";

const args = new Set(process.argv.slice(2));
const quick = args.has("--quick");

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

function printTable(rows: CaseResult[], anchors: AnchorResult[]): void {
  const ovs = anchors.find((a) => a.name.startsWith("OVS-DPDK"));
  const tpmd = anchors.find((a) => a.name.startsWith("dpdk-testpmd"));
  const header = [
    pad("case", 52),
    pad("Mpps", 8, true),
    pad("ns/pkt", 8, true),
    pad("÷ OVS-DPDK", 11, true),
    pad("÷ testpmd", 10, true),
    "  note",
  ].join(" ");
  console.log(header);
  console.log("-".repeat(header.length + 20));
  const ratio = (mpps: number, a?: AnchorResult) => (a ? `${((mpps / a.mpps) * 100).toFixed(0)}%` : "n/a");
  for (const r of rows) {
    console.log(
      [
        pad(r.name, 52),
        pad(r.mpps.toFixed(2), 8, true),
        pad(r.nsPerPacket.toFixed(1), 8, true),
        pad(ratio(r.mpps, ovs), 11, true),
        pad(ratio(r.mpps, tpmd), 10, true),
        `  ${r.note ?? ""}`,
      ].join(" "),
    );
  }
  for (const a of anchors) {
    console.log(
      [
        pad(`anchor: ${a.name}`, 52),
        pad(a.mpps.toFixed(2), 8, true),
        pad(a.nsPerPacket.toFixed(1), 8, true),
        pad("", 11),
        pad("", 10),
        `  ${a.cyclesPerPacket ? `${a.cyclesPerPacket.toFixed(0)} cycles/pkt; ` : ""}${a.detail}`,
      ].join(" "),
    );
  }
}

async function main(): Promise<void> {
  console.log(`wasmvs fast-path benchmark — ${new Date().toISOString()}`);
  console.log(`machine: ${os.cpus()[0]?.model ?? "?"} x${os.cpus().length}, node ${process.version}`);
  console.log("method: single core, 64-byte Eth/IPv4/UDP frames in WASM memory, batches of 32, no I/O,");
  console.log(
    `        warm-up then median of ${quick ? 3 : 7} runs; in-module drivers (assembly/datapath/bench-loop.ts)\n`,
  );
  const rows = await runFastPathCases({ quick });
  const anchors: AnchorResult[] = [];
  if (!args.has("--no-anchors")) {
    for (const measure of [measureOvsDpdk, measureTestpmd]) {
      const r = await measure({ seconds: quick ? 3 : 5 });
      if ("skipped" in r) console.log(`anchor skipped: ${r.skipped}`);
      else anchors.push(r);
    }
  }
  printTable(rows, anchors);
}

await main();
