// Main-thread CPU of one miss translation through the OpenFlow bench's 3-table pipeline,
// in-process, for one or more checkouts side by side (A/B, samples alternating).
//
// What: table 0 in_port=1 → goto_table:1; table 1 one rule per source MAC (1,000 rules:
//   write_metadata, goto_table:2); table 2 metadata/mask → output:2. Each sample translates
//   the 1,000 flows once (xlatePipeline, as Ofproto.onMiss does; no NORMAL, no install); the
//   best and median µs per translation of 40 samples are printed per checkout.
// Usage: node --import tsx bench/openflow/xlate-pipeline.ts [DIR ...] (default: this checkout)

import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const roots = process.argv.slice(2).map((d) => path.resolve(d));
if (roots.length === 0) roots.push(here);
const N_RULES = 1000;
const SAMPLES = 40;

async function load(root: string): Promise<() => number> {
  const h = await import(`${root}/test/src/ofproto/xlate/xlate-harness.ts`);
  const { createFastPath } = await import(`${root}/src/datapath/fastpath-module.ts`);
  const { xlatePipeline } = await import(`${root}/src/ofproto/xlate/xlate.ts`);
  const fp = await createFastPath({ buffers: 64 });
  const t = h.realTables();
  const macOf = (i: number) => Uint8Array.from([2, 0, 0, (i >> 16) & 255, (i >> 8) & 255, i & 255]);
  h.addRule(t, 0, 100, [{ name: "in_port", value: 1 }], [{ type: "goto_table", tableId: 1 }]);
  for (let i = 0; i < N_RULES; i++) {
    h.addRule(
      t,
      1,
      100,
      [{ name: "eth_src", value: macOf(i) }],
      [
        { type: "write_metadata", metadata: 0x100000000n + BigInt(i), mask: 0xffffffffffffffffn },
        { type: "goto_table", tableId: 2 },
      ],
    );
  }
  h.addRule(
    t,
    2,
    100,
    [{ name: "metadata", value: 0x100000000n, mask: 0xffffffff00000000n }],
    [{ type: "apply_actions", actions: [{ type: "output", port: 2, maxLen: 0 }] }],
  );
  const env = h.env(t);
  const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(":");
  const flows = Array.from({ length: N_RULES }, (_, i) => h.flowOf(fp, { src: hex(macOf(i)) }, 1));
  return () => {
    const t0 = process.hrtime.bigint();
    for (const f of flows) xlatePipeline(env, f);
    return Number(process.hrtime.bigint() - t0) / 1000 / flows.length;
  };
}

const runs = [];
for (const r of roots) runs.push(await load(r));
const samples: number[][] = roots.map(() => []);
for (let k = 0; k < 5; k++) for (const run of runs) run();
for (let k = 0; k < SAMPLES; k++) {
  runs.forEach((run, i) => {
    samples[i].push(run());
  });
}
roots.forEach((root, i) => {
  const s = samples[i].slice().sort((a, b) => a - b);
  console.log(`${root}: best ${s[0].toFixed(2)} µs/translation, median ${s[s.length >> 1].toFixed(2)}`);
});
