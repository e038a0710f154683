// `npm run bench:openflow`: the OpenFlow benchmarks of issue 4 — Open vSwitch userspace
// (ovs-vswitchd, datapath_type=netdev) and wasmvs side by side in one run: flow-mod rate,
// bytes per installed rule, packet-in rate to a sink controller, and forwarding through a
// 3-table pipeline vs NORMAL. Prints a table; asserts nothing. Needs root, ovs-ofctl,
// ovs-vswitchd and trafgen; a missing peer prints "skipped: ..." and the rest still runs.
//
//   node --import tsx bench/openflow/main.ts [--runs 3] [--flows 100000] [--memory-flows 1000000]
//        [--backlog 1000000] [--pin-backlog 200000] [--quick] [--only ovs|wasmvs]
//        [--split-cores] [--cpu-prof DIR]
//
// Method: see README.md beside this file.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { anchorCleanupNow, anchorCleanupRegister, sleep } from "../anchors/hugepages.ts";
import { type DrainResult, drainOnce, median, prelearn, settle } from "../forwarding/method.ts";
import { ovsInstalled, ovsUserspaceStart } from "../forwarding/ovs-userspace.ts";
import type { SwitchUnderTest } from "../forwarding/switch-under-test.ts";
import {
  GEN_CORE,
  pinProcess,
  SWITCH_CORE,
  sysctlRaise,
  type Topology,
  topologyCleanup,
  topologyCreate,
} from "../forwarding/topology.ts";
import { trafgenConfigs, trafgenInstalled, trafgenSend } from "../forwarding/trafgen.ts";
import { wasmvsStart } from "../forwarding/wasmvs-switch.ts";
import { writeFlowModFile, writeNormalFile, writePipelineFile, writeTableMissControllerFile } from "./flow-files.ts";
import { ofctl, ofctlAddFlowsTimed, ofctlDeleteAll, ofctlFlowCount } from "./ofctl.ts";
import { type PacketInResult, packetInDrain, packetInWarm, sinkSettle } from "./packet-in-drain.ts";
import { PacketInSink } from "./packet-in-sink.ts";
import { processCpuSeconds, processRss } from "./process-memory.ts";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}
function option(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}
const quick = process.argv.includes("--quick");
const RUNS = flag("--runs", quick ? 1 : 3);
const FLOWS = flag("--flows", 100_000);
const MEMORY_FLOWS = flag("--memory-flows", 1_000_000);
const BACKLOG = flag("--backlog", 1_000_000);
const PIN_BACKLOG = flag("--pin-backlog", 200_000);
const ONLY = option("--only");
const SPLIT = process.argv.includes("--split-cores");
const CPU_PROF = option("--cpu-prof");
/** Which parts run (default all): flowmod (rate + memory), packetin, normal, pipeline. */
const PHASES = new Set((option("--phases") ?? "flowmod,packetin,normal,pipeline").split(","));
const FORWARD_SETS = (option("--forward-sets") ?? "1000,100096").split(",").map(Number) as Array<1000 | 100096>;
const MAC_TABLE_SIZE = 262_144;
/** Memory is read after this pause, so the switch has finished what the barrier started. */
const MEMORY_SETTLE_MS = 3000;
const WASMVS_RING = { blockSize: 1 << 20, blockCount: 240, retireMs: 100 };
const OVS_RMEM = 1 << 30;

type SwitchName = "OVS" | "wasmvs";

interface Figures {
  label?: string;
  flowMod?: { seconds: number; cpuSeconds: number; count: number; expected: number };
  flowModMore?: { seconds: number; flows: number; count: number; expected: number };
  deleteAll?: number;
  rssBase?: number;
  rss100k?: number;
  rss1m?: number;
  packetIn?: PacketInResult[];
  forwarding: Map<string, DrainResult[]>;
  failed?: string;
}

const figures: Record<SwitchName, Figures> = {
  OVS: { forwarding: new Map() },
  wasmvs: { forwarding: new Map() },
};

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

interface OpenFlowSwitch {
  sw: SwitchUnderTest;
  host: string;
  port: number;
}

async function startOvs(t: Topology): Promise<OpenFlowSwitch> {
  const port = await freePort();
  // OVS's AF_PACKET sockets take rmem_default when created (add-port): raise it only around
  // the start, as the forwarding bench does, so the socket holds the backlog.
  sysctlRaise("net.core.rmem_max", OVS_RMEM);
  const file = "/proc/sys/net/core/rmem_default";
  const before = readFileSync(file, "utf8").trim();
  sysctlRaise("net.core.rmem_default", OVS_RMEM);
  try {
    const sw = await ovsUserspaceStart(t, { macTableSize: MAC_TABLE_SIZE, controller: `ptcp:${port}:127.0.0.1` });
    return { sw, host: "127.0.0.1", port };
  } finally {
    writeFileSync(file, before);
  }
}

async function startWasmvs(t: Topology): Promise<OpenFlowSwitch> {
  const nodeFlags = CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${CPU_PROF}`] : [];
  const sw = await wasmvsStart(t, {
    ring: WASMVS_RING,
    macTableSize: MAC_TABLE_SIZE,
    repo: REPO,
    openflow: "127.0.0.1:0",
    nodeFlags,
  });
  if (!sw.openflow || !sw.pid) throw new Error("wasmvs reported no OpenFlow listener");
  // One core per switch, as OVS has (all of ovs-vswitchd on SWITCH_CORE): the datapath worker
  // and the control plane (flow-mods, packet-ins) share it. --split-cores keeps the forwarding
  // bench's split (control plane on the generator's core).
  const pinning = SPLIT ? sw.pinning : `wasmvs daemon: ${pinProcess(sw.pid, SWITCH_CORE)}`;
  const [host, port] = sw.openflow.split(":");
  return { sw: { ...sw, pinning }, host, port: Number(port) };
}

function log(line: string): void {
  console.log(`  ${line}`);
}

async function measureSwitch(
  name: SwitchName,
  start: () => Promise<OpenFlowSwitch>,
  t: Topology,
  dir: string,
  cfg: ReturnType<typeof trafgenConfigs>,
): Promise<void> {
  const f = figures[name];
  let of: OpenFlowSwitch | undefined;
  let sink: PacketInSink | undefined;
  try {
    of = await start();
    f.label = `${of.sw.label}; ${of.sw.pinning}`;
    const target = `tcp:${of.host}:${of.port}`;
    const pid = of.sw.pid ?? 0;

    // 1 + 4. Flow-mod rate and memory, on the fresh switch before any traffic.
    await ofctlDeleteAll(target);
    if (PHASES.has("flowmod")) await flowModAndMemory(f, target, pid, dir);
    if (PHASES.has("packetin")) {
      // 2. Packet-in: table-miss → CONTROLLER, one flow, backlog drain counted at the sink.
      await ofctl(target, "add-flows", path.join(dir, "table-miss-controller.txt"));
      sink = await PacketInSink.connect(of.host, of.port);
      await packetInWarm(t, cfg[1], sink);
      f.packetIn = [];
      for (let i = 0; i < RUNS; i++) {
        const r = await packetInDrain(t, pid, sink, cfg[1], PIN_BACKLOG);
        f.packetIn.push(r);
        log(
          `packet-in: ${r.received} of ${r.sent} in ${r.seconds.toFixed(2)} s = ${(r.rate / 1e3).toFixed(1)}k/s; ` +
            `switch CPU ${((r.cpuSeconds / Math.max(1, r.received)) * 1e6).toFixed(1)} µs/packet-in`,
        );
        await sinkSettle(sink);
      }
      sink.close();
      sink = undefined;
    }
    // 3. Forwarding: NORMAL, then the 3-table pipeline, for each flow set.
    for (const pipeline of [false, true]) {
      if (!PHASES.has(pipeline ? "pipeline" : "normal")) continue;
      for (const flows of FORWARD_SETS) {
        await ofctlDeleteAll(target);
        const file = pipeline ? `pipeline-${flows}.txt` : "normal.txt";
        await ofctl(target, "add-flows", path.join(dir, file));
        const runs: DrainResult[] = [];
        for (let i = 0; i < RUNS; i++) {
          await warmPaced(t, cfg, flows);
          runs.push(await drainOnce(t, of.sw, cfg[flows], BACKLOG));
          await settle(t);
        }
        const key = forwardKey(pipeline, flows);
        f.forwarding.set(key, runs);
        log(`${key}: [${runs.map((r) => r.mpps.toFixed(3)).join(", ")}] Mpps`);
      }
    }
  } catch (e) {
    f.failed = (e as Error).message.split("\n")[0];
    console.log(`  ${name} failed: ${(e as Error).stack}`);
  } finally {
    sink?.close();
    await of?.sw.close();
  }
}

/** Flow-mod rate (FLOWS) and RSS growth at FLOWS and MEMORY_FLOWS rules; leaves no flows. */
async function flowModAndMemory(f: Figures, target: string, pid: number, dir: string): Promise<void> {
  await sleep(MEMORY_SETTLE_MS);
  f.rssBase = processRss(pid);
  const cpu0 = processCpuSeconds(pid);
  const secs = await ofctlAddFlowsTimed(target, path.join(dir, "flowmod-a.txt"));
  const cpuSeconds = processCpuSeconds(pid) - cpu0;
  f.flowMod = { seconds: secs, cpuSeconds, count: await ofctlFlowCount(target), expected: FLOWS };
  log(
    `flow-mod: ${FLOWS} flows in ${secs.toFixed(2)} s = ${(FLOWS / secs).toFixed(0)} flows/s; ` +
      `switch CPU ${((cpuSeconds / FLOWS) * 1e6).toFixed(1)} µs/flow; count ${f.flowMod.count}`,
  );
  await sleep(MEMORY_SETTLE_MS);
  f.rss100k = processRss(pid);
  log(
    `RSS: base ${(f.rssBase / 2 ** 20).toFixed(1)} MiB, +${((f.rss100k - f.rssBase) / FLOWS).toFixed(0)} B/rule at ${FLOWS}`,
  );
  if (MEMORY_FLOWS > FLOWS) {
    const more = MEMORY_FLOWS - FLOWS;
    const s2 = await ofctlAddFlowsTimed(target, path.join(dir, "flowmod-b.txt"));
    f.flowModMore = { seconds: s2, flows: more, count: await ofctlFlowCount(target), expected: MEMORY_FLOWS };
    await sleep(MEMORY_SETTLE_MS);
    f.rss1m = processRss(pid);
    log(
      `flow-mod: ${more} more in ${s2.toFixed(2)} s; count ${f.flowModMore.count}; ` +
        `+${((f.rss1m - f.rssBase) / MEMORY_FLOWS).toFixed(0)} B/rule at ${MEMORY_FLOWS}`,
    );
  }
  const d0 = performance.now();
  await ofctlDeleteAll(target);
  f.deleteAll = (performance.now() - d0) / 1000;
  const left = await ofctlFlowCount(target);
  if (left !== 0) throw new Error(`${left} flows left after del-flows`);
}

/** Warm-up paced below both switches' new-flow rate (the forwarding bench's 100 kpps outruns
 *  wasmvs's ~20k upcalls/s, leaving most of 100k flows uninstalled for the timed drain). */
const WARM_PPS = 10_000;

async function warmPaced(t: Topology, cfg: ReturnType<typeof trafgenConfigs>, flows: 1000 | 100096): Promise<void> {
  await prelearn(t, cfg.learn);
  await trafgenSend(t.nsA, t.peerA, cfg[flows], Math.max(20_000, 2 * flows), `${WARM_PPS}pps`);
  await settle(t);
}

function forwardKey(pipeline: boolean, flows: number): string {
  const n = flows.toLocaleString("en-US");
  return pipeline ? `3-table pipeline, ${n} rules (= flows)` : `NORMAL, ${n} flows`;
}

function printTable(): void {
  const rows: Array<[string, string, string, string]> = [];
  const fmt = (v: number | undefined, d = 0) =>
    v === undefined ? "" : v.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
  const ratio = (w: number | undefined, o: number | undefined) =>
    w !== undefined && o ? `${(w / o).toFixed(2)}x` : "";
  const row = (name: string, get: (f: Figures) => number | undefined, d = 0) => {
    const o = get(figures.OVS);
    const w = get(figures.wasmvs);
    rows.push([name, fmt(o, d), fmt(w, d), ratio(w, o)]);
  };
  row(`flow-mod: ${FLOWS.toLocaleString("en-US")} flows, add-flows + barrier (s)`, (f) => f.flowMod?.seconds, 2);
  row("flow-mod rate (flows/s)", (f) => (f.flowMod ? f.flowMod.expected / f.flowMod.seconds : undefined));
  row(
    "  switch CPU per flow-mod + barrier (µs, all threads)",
    (f) => (f.flowMod ? (f.flowMod.cpuSeconds / f.flowMod.expected) * 1e6 : undefined),
    1,
  );
  row("  dump-aggregate flow_count after", (f) => f.flowMod?.count);
  if (MEMORY_FLOWS > FLOWS) {
    row(`flow-mod: ${(MEMORY_FLOWS - FLOWS).toLocaleString("en-US")} more (flows/s)`, (f) =>
      f.flowModMore ? f.flowModMore.flows / f.flowModMore.seconds : undefined,
    );
    row("  dump-aggregate flow_count after", (f) => f.flowModMore?.count);
  }
  row("del-flows of all (s)", (f) => f.deleteAll, 2);
  row("RSS before (MiB)", (f) => (f.rssBase === undefined ? undefined : f.rssBase / 2 ** 20), 1);
  row(`RSS growth per rule at ${FLOWS.toLocaleString("en-US")} (B)`, (f) =>
    f.rss100k === undefined || f.rssBase === undefined ? undefined : (f.rss100k - f.rssBase) / FLOWS,
  );
  if (MEMORY_FLOWS > FLOWS)
    row(`RSS growth per rule at ${MEMORY_FLOWS.toLocaleString("en-US")} (B)`, (f) =>
      f.rss1m === undefined || f.rssBase === undefined ? undefined : (f.rss1m - f.rssBase) / MEMORY_FLOWS,
    );
  row(
    "packet-in rate, table-miss → CONTROLLER (k/s)",
    (f) => (f.packetIn ? median(f.packetIn.map((r) => r.rate)) / 1e3 : undefined),
    1,
  );
  row(
    "  packet-ins received / frames sent (%)",
    (f) => (f.packetIn ? median(f.packetIn.map((r) => (100 * r.received) / Math.max(1, r.sent))) : undefined),
    1,
  );
  row(
    "  switch CPU per packet-in (µs, all threads)",
    (f) => (f.packetIn ? median(f.packetIn.map((r) => (r.cpuSeconds / Math.max(1, r.received)) * 1e6)) : undefined),
    1,
  );
  for (const pipeline of [false, true]) {
    for (const flows of FORWARD_SETS) {
      const key = forwardKey(pipeline, flows);
      row(
        `forwarding: ${key} (Mpps)`,
        (f) => {
          const r = f.forwarding.get(key);
          return r ? median(r.map((x) => x.mpps)) : undefined;
        },
        3,
      );
    }
  }
  const w = [Math.max(...rows.map((r) => r[0].length)), 12, 12, 8];
  const line = (r: string[]) =>
    `${r[0].padEnd(w[0])}  ${r[1].padStart(w[1])}  ${r[2].padStart(w[2])}  ${r[3].padStart(w[3])}`;
  console.log("");
  console.log(line(["case", "OVS", "wasmvs", "÷ OVS"]));
  console.log("-".repeat(w[0] + w[1] + w[2] + w[3] + 6));
  for (const r of rows) console.log(line(r));
  console.log("");
  for (const name of ["OVS", "wasmvs"] as const) {
    const f = figures[name];
    if (f.label) console.log(`note: ${name}: ${f.label}`);
    if (f.failed) console.log(`note: ${name} failed: ${f.failed}`);
    if (f.packetIn)
      console.log(
        `note: ${name} packet-in runs: ${f.packetIn.map((r) => `${r.received}/${r.sent} in ${r.seconds.toFixed(2)} s`).join("; ")}`,
      );
    for (const [k, runs] of f.forwarding)
      console.log(
        `note: ${name} ${k}: runs [${runs.map((r) => `${r.mpps.toFixed(3)} (${(r.forwarded / 1e3).toFixed(0)}k/${(r.sent / 1e3).toFixed(0)}k)`).join(", ")}]`,
      );
  }
}

function writeFiles(dir: string): void {
  writeFlowModFile(path.join(dir, "flowmod-a.txt"), 0, FLOWS);
  if (MEMORY_FLOWS > FLOWS) writeFlowModFile(path.join(dir, "flowmod-b.txt"), FLOWS, MEMORY_FLOWS);
  writeNormalFile(path.join(dir, "normal.txt"));
  writeTableMissControllerFile(path.join(dir, "table-miss-controller.txt"));
  for (const flows of FORWARD_SETS) writePipelineFile(path.join(dir, `pipeline-${flows}.txt`), flows);
}

async function main(): Promise<void> {
  console.log(`wasmvs OpenFlow benchmark (issue 4) — ${new Date().toISOString()}`);
  console.log(
    `machine: ${os.cpus()[0]?.model ?? "?"} x${os.cpus().length}, kernel ${os.release()}, node ${process.version}, ` +
      `load ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
  );
  console.log(
    `method: switches one after the other on core ${SWITCH_CORE}${SPLIT ? " (wasmvs: datapath only; control plane on core 0)" : " (all threads)"}; ` +
      `ovs-ofctl, sink controller and trafgen on core ${GEN_CORE}; flow-mod = one ovs-ofctl add-flows of ${FLOWS} flows ` +
      `(a barrier per flow); packet-in and forwarding by backlog drain (${PIN_BACKLOG} / ${BACKLOG} frames); median of ${RUNS}\n`,
  );
  if (process.getuid?.() !== 0) {
    console.log("skipped: the OpenFlow benchmark needs root (namespaces, veths, AF_PACKET)");
    return;
  }
  if (!trafgenInstalled()) {
    console.log("skipped: trafgen not installed (apt-get install netsniff-ng)");
    return;
  }
  console.log(`bench process: ${pinProcess(process.pid, GEN_CORE)}`);
  const dir = mkdtempSync(path.join(os.tmpdir(), "wasmvs-ofb-"));
  const dirUnregister = anchorCleanupRegister(() => rmSync(dir, { recursive: true, force: true }));
  const t = topologyCreate();
  try {
    writeFiles(dir);
    const cfg = trafgenConfigs(dir);
    if (ONLY !== "wasmvs") {
      if (await ovsInstalled()) {
        console.log("OVS userspace ...");
        await measureSwitch("OVS", () => startOvs(t), t, dir, cfg);
      } else figures.OVS.failed = "openvswitch-switch not installed";
    }
    if (ONLY !== "ovs") {
      console.log("wasmvs ...");
      await measureSwitch("wasmvs", () => startWasmvs(t), t, dir, cfg);
    }
  } finally {
    topologyCleanup();
    rmSync(dir, { recursive: true, force: true });
    dirUnregister();
  }
  console.log(
    `load at the end: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  printTable();
}

process.once("exit", () => {
  anchorCleanupNow();
  topologyCleanup();
});
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    anchorCleanupNow();
    topologyCleanup();
    process.exit(130);
  });
}

await main();
