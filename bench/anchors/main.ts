// Runs only the C anchors and prints them as a table:
//   node --import tsx bench/anchors/main.ts [--seconds N] [--samples N]
// bench/run.ts imports the same functions to put the WASM figures beside them.

import os from "node:os";
import type { AnchorOutcome } from "./anchor-result.ts";
import { anchorCleanupNow } from "./hugepages.ts";
import { measureOvsDpdk } from "./ovs-dpdk.ts";
import { measureTestpmd } from "./testpmd.ts";

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

// Ctrl-C skips the anchors' finally blocks; sweep their daemons, mounts and temp dirs here.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    anchorCleanupNow();
    process.exit(130);
  });
}

const seconds = flag("--seconds", 9);
const samples = flag("--samples", 3);

console.log(`wasmvs C anchors — ${new Date().toISOString()}`);
console.log(`machine: ${os.cpus()[0]?.model ?? "?"} x${os.cpus().length}, ${os.release()}`);
console.log(
  `method: one forwarding core (core 1), net_null vdevs, 64 B, median of ${samples} x ${seconds / samples} s\n`,
);

const results: AnchorOutcome[] = [];
for (const measure of [measureOvsDpdk, measureTestpmd]) results.push(await measure({ seconds, samples }));

const header = [
  "anchor".padEnd(42),
  "Mpps".padStart(7),
  "ns/pkt".padStart(7),
  "cyc/pkt".padStart(8),
  "on-CPU".padStart(7),
  "Mpps/CPU-s".padStart(10),
  " detail",
].join(" ");
console.log(header);
console.log("-".repeat(header.length + 40));
for (const r of results) {
  if ("skipped" in r) {
    console.log(`${"(skipped)".padEnd(42)}  ${r.skipped}`);
    continue;
  }
  const share = r.onCpuShare;
  console.log(
    [
      r.name.padEnd(42),
      r.mpps.toFixed(2).padStart(7),
      r.nsPerPacket.toFixed(2).padStart(7),
      (r.cyclesPerPacket === undefined ? "n/a" : r.cyclesPerPacket.toFixed(1)).padStart(8),
      (share === undefined ? "n/a" : `${(share * 100).toFixed(0)}%`).padStart(7),
      (share ? (r.mpps / share).toFixed(2) : "n/a").padStart(10),
      ` ${r.detail}`,
    ].join(" "),
  );
}
