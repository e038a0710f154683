// `npm run bench:forwarding`: the switch forwarding benchmark of issue 3 — the Linux bridge,
// Open vSwitch userspace and wasmvs forwarding 64-byte UDP frames between two veths, side by
// side in one run, plus the upcall rate and REST latency while wasmvs drains at full rate.
// Prints a table; asserts nothing. Needs root, trafgen (netsniff-ng), ovs-vswitchd
// (openvswitch-switch); a missing peer prints "skipped: ..." and the rest still runs.
//
//   node --import tsx bench/forwarding/main.ts [--runs 3] [--backlog 1000000] [--upcalls 50000]
//                                              [--seconds 3] [--quick]
//
// Method: see README.md beside this file and method.ts.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { anchorCleanupNow, anchorCleanupRegister, sleep } from "../anchors/hugepages.ts";
import { linuxBridgeStart } from "./linux-bridge.ts";
import { atCapacity, type DrainResult, drainOnce, median, percentile, prelearn, settle, warm } from "./method.ts";
import { ovsInstalled, ovsUserspaceStart } from "./ovs-userspace.ts";
import type { SwitchUnderTest } from "./switch-under-test.ts";
import {
  GEN_CORE,
  pinProcess,
  SWITCH_CORE,
  sysctlRaise,
  type Topology,
  topologyCleanup,
  topologyCreate,
} from "./topology.ts";
import { type FlowSet, trafgenConfigs, trafgenInstalled } from "./trafgen.ts";
import { wasmvsStart } from "./wasmvs-switch.ts";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}
const quick = process.argv.includes("--quick");
const RUNS = flag("--runs", quick ? 1 : 3);
const BACKLOG = flag("--backlog", 1_000_000);
const UPCALL_FRAMES = flag("--upcalls", 50_000);
const CAPACITY_SECONDS = flag("--seconds", 3);
const REST_SAMPLES = 200;
const FLOW_SETS = [1, 1000, 100096] as const;
const MAC_TABLE_SIZE = 262_144;
const IDLE_EXPIRY_WAIT_MS = 12_000;
/** wasmvs ring per system port: 1 MiB x 240 = 240 MiB, room for ~1.2M 64-byte frames. */
const WASMVS_RING = { blockSize: 1 << 20, blockCount: 240, retireMs: 100 };
/** OVS's AF_PACKET sockets take net.core.rmem_default as their receive buffer. */
const OVS_RMEM = 1 << 30;

interface Row {
  name: string;
  mpps?: number;
  detail: string;
  skipped?: string;
}
const rows: Row[] = [];
const notes: string[] = [];

const fmtFlows = (f: FlowSet) => (f === 1 ? "1 flow" : `${f.toLocaleString("en-US")} flows`);

function drainSummary(runs: DrainResult[]): { mpps: number; detail: string } {
  const mpps = median(runs.map((r) => r.mpps));
  const fwd = median(runs.map((r) => r.forwarded));
  const sent = median(runs.map((r) => r.sent));
  const secs = median(runs.map((r) => r.seconds));
  const leaked = Math.max(...runs.map((r) => r.leaked));
  const dropped = Math.max(...runs.map((r) => r.droppedToB));
  return {
    mpps,
    detail:
      `drain: backlog ${(fwd / 1e3).toFixed(0)}k of ${(sent / 1e3).toFixed(0)}k sent in ${secs.toFixed(2)} s; ` +
      `runs [${runs.map((r) => r.mpps.toFixed(3)).join(", ")}]${leaked ? `; ${leaked} leaked while paused` : ""}${dropped ? `; up to ${dropped} dropped toward B` : ""}`,
  };
}

async function measureUserspace(
  name: string,
  start: () => Promise<SwitchUnderTest & { url?: string }>,
  t: Topology,
  cfg: ReturnType<typeof trafgenConfigs>,
): Promise<void> {
  let sw: (SwitchUnderTest & { url?: string }) | undefined;
  try {
    sw = await start();
    notes.push(`${sw.label}: ${sw.pinning}; receive buffer ${sw.buffer}`);
    // Upcalls first, on a fresh switch: every frame a new source MAC, so every frame misses,
    // goes up, is learned and gets its own megaflow; the drain rate is the flow set-up rate.
    await warm(t, cfg.learn, cfg[1], 1);
    const up = await drainOnce(t, sw, cfg.unique, UPCALL_FRAMES);
    rows.push({
      name: `${name}, upcalls (new source MAC per frame)`,
      mpps: up.mpps,
      detail:
        `${(up.forwarded / Math.max(up.seconds, 1e-9) / 1e3).toFixed(1)}k new flows/s; ${up.forwarded} of ` +
        `${up.sent} frames forwarded in ${up.seconds.toFixed(2)} s`,
    });
    console.log(`  ${rows.at(-1)?.name}: ${rows.at(-1)?.detail}`);
    await settle(t);
    await sleep(IDLE_EXPIRY_WAIT_MS); // let those megaflows idle out (10 s in both switches)
    for (const flows of FLOW_SETS) {
      const runs: DrainResult[] = [];
      for (let i = 0; i < RUNS; i++) {
        await warm(t, cfg.learn, cfg[flows], flows);
        runs.push(await drainOnce(t, sw, cfg[flows], BACKLOG));
        await settle(t);
      }
      rows.push({ name: `${name}, ${fmtFlows(flows)}`, ...drainSummary(runs) });
      console.log(`  ${rows.at(-1)?.name}: ${rows.at(-1)?.mpps?.toFixed(3)} Mpps (${rows.at(-1)?.detail})`);
      if (flows === 1 && sw.url) await restProbe(sw, t, cfg);
    }
  } catch (e) {
    rows.push({ name, detail: "", skipped: `${name} failed: ${(e as Error).message.split("\n")[0]}` });
    console.log(`  ${name} failed: ${(e as Error).stack}`);
  } finally {
    await sw?.close();
  }
}

/** p99 of GET /v1/bridges while wasmvs drains a 1-flow backlog at full rate (and idle). */
async function restProbe(
  sw: SwitchUnderTest & { url?: string },
  t: Topology,
  cfg: ReturnType<typeof trafgenConfigs>,
): Promise<void> {
  const get = async () => {
    const t0 = performance.now();
    const r = await fetch(`${sw.url}/v1/bridges`);
    await r.arrayBuffer();
    if (!r.ok) throw new Error(`GET /v1/bridges: ${r.status}`);
    return performance.now() - t0;
  };
  const idle: number[] = [];
  for (let i = 0; i < REST_SAMPLES; i++) idle.push(await get());
  const busy: number[] = [];
  const rates: number[] = [];
  for (let run = 0; run < 8 && busy.length < REST_SAMPLES; run++) {
    await warm(t, cfg.learn, cfg[1], 1);
    const r = await drainOnce(t, sw, cfg[1], BACKLOG, async (draining) => {
      while (draining()) {
        const ms = await get();
        if (draining()) busy.push(ms);
      }
    });
    rates.push(r.mpps);
    await settle(t);
  }
  rows.push({
    name: "wasmvs REST: GET /v1/bridges p99 while draining",
    detail:
      `p99 ${percentile(busy, 99).toFixed(1)} ms, p50 ${percentile(busy, 50).toFixed(1)} ms, max ` +
      `${Math.max(...busy).toFixed(1)} ms over ${busy.length} requests during ${rates.length} drains ` +
      `[${rates.map((m) => m.toFixed(3)).join(", ")} Mpps]; idle p99 ${percentile(idle, 99).toFixed(1)} ms`,
  });
  console.log(`  ${rows.at(-1)?.detail}`);
}

async function measureLinuxBridge(t: Topology, cfg: ReturnType<typeof trafgenConfigs>): Promise<void> {
  const sw = linuxBridgeStart(t);
  try {
    notes.push(`${sw.label}: ${sw.pinning}; measured at capacity (it cannot be paused)`);
    await prelearn(t, cfg.learn);
    const runs = [];
    for (let i = 0; i < RUNS; i++) runs.push(await atCapacity(t, cfg[1], CAPACITY_SECONDS));
    // When B got (nearly) all that was offered, the bridge was not the bottleneck: the figure
    // is trafgen's rate, a lower bound of the bridge's capacity; say so in the row.
    const bound = runs.every((r) => r.mpps >= 0.97 * r.offeredMpps);
    rows.push({
      name: `Linux bridge, 1 flow (at capacity${bound ? "; ≥, offer-bound" : ""})`,
      mpps: median(runs.map((r) => r.mpps)),
      detail:
        `trafgen flat out, ${CAPACITY_SECONDS} s windows; runs [${runs.map((r) => r.mpps.toFixed(3)).join(", ")}], ` +
        `offered [${runs.map((r) => r.offeredMpps.toFixed(3)).join(", ")}] Mpps`,
    });
    console.log(`  ${rows.at(-1)?.name}: ${rows.at(-1)?.mpps?.toFixed(3)} Mpps (${rows.at(-1)?.detail})`);
  } finally {
    await sw.close();
  }
}

function printTable(): void {
  const find = (prefix: string) => rows.find((r) => r.name.startsWith(prefix) && r.mpps !== undefined);
  const bridge = find("Linux bridge");
  console.log("");
  const header = `${"case".padEnd(50)} ${"Mpps".padStart(7)} ${"÷ OVS".padStart(7)} ${"÷ bridge".padStart(9)}  detail`;
  console.log(header);
  console.log("-".repeat(header.length + 40));
  for (const r of rows) {
    if (r.skipped) {
      console.log(`${r.name.padEnd(50)} skipped: ${r.skipped}`);
      continue;
    }
    const flows = / (1 flow|[\d,]+ flows)$/.exec(r.name)?.[1];
    const ovs = flows && r.name.startsWith("wasmvs") ? find(`OVS userspace, ${flows}`) : undefined;
    const ovsUp = r.name.startsWith("wasmvs, upcalls") ? find("OVS userspace, upcalls") : undefined;
    const base = ovs ?? ovsUp;
    const ratio = (a: Row | undefined) => (a?.mpps && r.mpps !== undefined ? `${(r.mpps / a.mpps).toFixed(2)}x` : "");
    const isRate = r.mpps !== undefined;
    console.log(
      [
        r.name.padEnd(50),
        (isRate ? (r.mpps ?? 0).toFixed(3) : "").padStart(7),
        ratio(base).padStart(7),
        (r.name.startsWith("wasmvs") && !ovsUp && isRate ? ratio(bridge) : "").padStart(9),
        ` ${r.detail}`,
      ].join(" "),
    );
  }
  console.log("");
  for (const n of notes) console.log(`note: ${n}`);
}

async function main(): Promise<void> {
  console.log(`wasmvs forwarding benchmark (issue 3) — ${new Date().toISOString()}`);
  console.log(
    `machine: ${os.cpus()[0]?.model ?? "?"} x${os.cpus().length}, kernel ${os.release()}, node ${process.version}, ` +
      `load ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(" ")}`,
  );
  console.log(
    `method: 64 B UDP frames, trafgen in ns A on core ${GEN_CORE} -> veth -> switch on core ${SWITCH_CORE} -> veth -> ` +
      `rx_packets in ns B; userspace switches by backlog drain (${BACKLOG} frames queued while SIGSTOPped), ` +
      `Linux bridge at capacity; median of ${RUNS}\n`,
  );
  if (process.getuid?.() !== 0) {
    console.log("skipped: the forwarding benchmark needs root (namespaces, veths, AF_PACKET)");
    return;
  }
  if (!trafgenInstalled()) {
    console.log("skipped: trafgen not installed (apt-get install netsniff-ng)");
    return;
  }
  console.log(`bench process: ${pinProcess(process.pid, GEN_CORE)}`);
  const tmp = mkdtempSync(path.join(os.tmpdir(), "wasmvs-fwd-"));
  const tmpUnregister = anchorCleanupRegister(() => rmSync(tmp, { recursive: true, force: true }));
  const t = topologyCreate();
  try {
    const cfg = trafgenConfigs(tmp);
    console.log("Linux bridge ...");
    await measureLinuxBridge(t, cfg);
    if (await ovsInstalled()) {
      console.log("OVS userspace ...");
      await measureUserspace(
        "OVS userspace",
        async () => {
          // Sockets take rmem_default when created (on add-port): raise it only around the start.
          // Its sockets take rmem_default when created (on add-port): raise it only around the
          // start (checked with `ss -0 -m`: rb1073741824 on both port sockets).
          sysctlRaise("net.core.rmem_max", OVS_RMEM);
          const defaults = ["/proc/sys/net/core/rmem_default"];
          const before = defaults.map((f) => readFileSync(f, "utf8").trim());
          sysctlRaise("net.core.rmem_default", OVS_RMEM);
          try {
            return await ovsUserspaceStart(t, { macTableSize: MAC_TABLE_SIZE });
          } finally {
            // Restore at once: every socket created on the machine meanwhile gets these
            // (sysctlRaise's undo at cleanup restores them again, harmlessly).
            for (const [i, f] of defaults.entries()) writeFileSync(f, before[i]);
          }
        },
        t,
        cfg,
      );
    } else {
      rows.push({ name: "OVS userspace", detail: "", skipped: "openvswitch-switch not installed" });
    }
    console.log("wasmvs ...");
    await measureUserspace(
      "wasmvs",
      () => wasmvsStart(t, { ring: WASMVS_RING, macTableSize: MAC_TABLE_SIZE, repo: REPO }),
      t,
      cfg,
    );
  } finally {
    topologyCleanup();
    rmSync(tmp, { recursive: true, force: true });
    tmpUnregister();
  }
  printTable();
}

// A crash skips the finally blocks: sweep daemons, namespaces, links and sysctls on exit too.
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
