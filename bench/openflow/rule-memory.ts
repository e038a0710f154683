// Memory and main-thread CPU per FLOW_MOD ADD, in-process: the control-plane half of the
// flow-mod bench without sockets, the worker or other processes, so it is steady on a shared
// machine and two checkouts can be compared (A/B) exactly.
//
// What: N rules of the flow-mod set (flow-files.ts flowModLine) are encoded, each FLOW_MOD +
//   BARRIER as one Buffer (as a socket read delivers them), split by the channel's
//   FrameSplitter, decoded and applied with applyFlowMod to one RuleTables. Prints the time of
//   split + decode + apply per FLOW_MOD and, after gc, heapUsed / external / RSS growth per rule.
// Usage: node --expose-gc --import tsx bench/openflow/rule-memory.ts [--flows 100000] [--repo DIR]
//   (--repo: take the modules from another checkout, for an A/B).

import path from "node:path";
import { fileURLToPath } from "node:url";

function option(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}
const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const root = path.resolve(option("--repo") ?? here);
const N = Number(option("--flows") ?? 100_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");

const { flowModLine } = await import(`${root}/bench/openflow/flow-files.ts`);
const { parseFlow, flowModOf } = await import(`${root}/openflow/flow-format.ts`);
const { encodeMessage, decodeMessage } = await import(`${root}/openflow/message.ts`);
const { FrameSplitter } = await import(`${root}/openflow/channel/framing.ts`);
const { applyFlowMod } = await import(`${root}/src/ofproto/flow-mod.ts`);
const { RuleTables } = await import(`${root}/src/ofproto/rule-table.ts`);

const barrier = encodeMessage({ kind: "barrier-request", xid: 1 });
function chunkOf(i: number): Buffer {
  const fm = encodeMessage({ kind: "flow-mod", xid: 2 * i, ...flowModOf(parseFlow(flowModLine(i), "add"), "add") });
  return Buffer.concat([fm, barrier]);
}
const split = new FrameSplitter();
function apply(tables: InstanceType<typeof RuleTables>, chunk: Buffer): void {
  for (const f of split.push(chunk).frames) {
    const m = decodeMessage(f);
    if (m.kind === "flow-mod") applyFlowMod(tables, m, 0);
  }
}

const warm = new RuleTables();
for (let i = 0; i < 2000; i++) apply(warm, chunkOf(i));
gc();
gc();
const before = process.memoryUsage();
const tables = new RuleTables();
let ns = 0n;
for (let i = 0; i < N; i++) {
  const c = chunkOf(i);
  const t0 = process.hrtime.bigint();
  apply(tables, c);
  ns += process.hrtime.bigint() - t0;
}
gc();
gc();
await new Promise((r) => setTimeout(r, 200));
gc();
const after = process.memoryUsage();
const per = (k: "heapUsed" | "external" | "rss") => ((after[k] - before[k]) / N).toFixed(0);
console.log(
  `${root}: ${tables.ruleCount} rules; split + decode + apply ${(Number(ns) / 1000 / N).toFixed(2)} µs/FLOW_MOD; ` +
    `growth per rule: heapUsed ${per("heapUsed")} B, external ${per("external")} B, RSS ${per("rss")} B`,
);
