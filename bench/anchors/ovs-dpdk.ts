// What: the main anchor — Open vSwitch with DPDK (userspace datapath, dpif-netdev) forwarding
// between two net_null ports on ONE PMD core, all packets hitting the exact-match cache. This is
// the C figure the WASM fast path is compared against, measured in the same run.
//
// Design: a throw-away OVS that shares nothing with a system-wide one.
//
//   tmp/ (mkdtemp) = OVS_RUNDIR = OVS_DBDIR = OVS_LOGDIR = OVS_SYSCONFDIR
//     conf.db        ovsdb-tool create ... /usr/share/openvswitch/vswitch.ovsschema
//     db.sock        our ovsdb-server --remote=punix:
//     vswitchd.ctl   our ovs-vswitchd-dpdk --unixctl=
//     br0.mgmt       OpenFlow socket ovs-ofctl finds through OVS_RUNDIR
//
//   other_config: dpdk-init=true, dpdk-socket-mem=512, dpdk-hugepage-dir=<our mount>,
//                 dpdk-lcore-mask=0x1 (main/handler threads on core 0), pmd-cpu-mask=0x2 (core 1),
//                 dpdk-extra="--file-prefix=<unique> --in-memory --no-pci --no-telemetry"
//   br0 datapath_type=netdev; p0 = dpdk net_null0 (ofport 1), p1 = dpdk net_null1 (ofport 2)
//   flows: in_port=1,actions=output:2 and in_port=2,actions=output:1
//
// net_null's rx returns 64-byte all-zero frames (size=64, copy=0 by default), so each direction
// is one flow: after the first upcall every packet is an EMC hit. After warm-up, per sample:
// `dpif-netdev/pmd-stats-clear`, sleep, `dpif-netdev/pmd-stats-show`; Mpps = "packets received"
// of the core-1 PMD / wall time between the two commands; cycles from "avg cycles per packet".
//
// Invariants: both daemons are killed, hugetlbfs released, /var/run/dpdk/<prefix> and tmp/
// removed, also on error or timeout. No command here ever talks to /var/run/openvswitch.

import { type ChildProcess, execFile } from "node:child_process";
import { rmSync } from "node:fs";
import { access, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import {
  ANCHOR_DEFAULT_SAMPLES,
  ANCHOR_DEFAULT_WARMUP_SECONDS,
  type AnchorOptions,
  type AnchorOutcome,
  anchorMedian,
} from "./anchor-result.ts";
import {
  anchorCleanupRegister,
  anchorSpawn,
  anchorStop,
  dpdkFilePrefix,
  dpdkRuntimeDirRemove,
  hugepagesAcquire,
  sleep,
  threadCpuSeconds,
} from "./hugepages.ts";

import { OVS_QUIET_LOG, startPrivateOvsdb, waitForSocket } from "./private-ovsdb.ts";

const execFileAsync = promisify(execFile);

const VSWITCHD_DPDK = "/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk";
const SOCKET_MEM_MB = 512;
const PMD_CORE = 1;
const TOOL_TIMEOUT_MS = 20_000;

/** The counters of one PMD thread from `dpif-netdev/pmd-stats-show`. */
interface PmdStats {
  packets: number;
  emc: number;
  smc: number;
  megaflow: number;
  upcalls: number;
  cyclesPerPacket: number;
}

function parsePmdStats(text: string, core: number): PmdStats {
  const start = text.search(new RegExp(`pmd thread numa_id \\d+ core_id ${core}:`));
  if (start < 0) throw new Error(`pmd-stats-show: no PMD on core ${core}:\n${text}`);
  const block = text.slice(start).split(/\n(?=\S)/)[0];
  const num = (label: string) => Number(new RegExp(`${label}:\\s*([\\d.]+)`).exec(block)?.[1] ?? 0);
  return {
    packets: num("packets received"),
    emc: num("emc hits"),
    smc: num("smc hits"),
    megaflow: num("megaflow hits"),
    upcalls: num("miss with success upcall") + num("miss with failed upcall"),
    cyclesPerPacket: num("avg cycles per packet"),
  };
}

/** Per-core forwarding rate of OVS-DPDK (EMC path) between net_null0 and net_null1. */
export async function measureOvsDpdk(opts: AnchorOptions): Promise<AnchorOutcome> {
  try {
    await access(VSWITCHD_DPDK);
  } catch {
    return { skipped: "openvswitch-switch-dpdk not installed (apt-get install openvswitch-switch-dpdk)" };
  }
  const samples = Math.max(1, opts.samples ?? ANCHOR_DEFAULT_SAMPLES);
  const warmupMs = (opts.warmupSeconds ?? ANCHOR_DEFAULT_WARMUP_SECONDS) * 1000;
  const sampleMs = (opts.seconds * 1000) / samples;

  const huge = await hugepagesAcquire(SOCKET_MEM_MB / 2);
  if ("skipped" in huge) return huge;
  const prefix = dpdkFilePrefix("ovs");
  const tmp = await mkdtemp(path.join(os.tmpdir(), "wasmvs-ovs-"));
  const tmpUnregister = anchorCleanupRegister(() => rmSync(tmp, { recursive: true, force: true }));
  const env = {
    ...process.env,
    OVS_RUNDIR: tmp,
    OVS_DBDIR: tmp,
    OVS_LOGDIR: tmp,
    OVS_SYSCONFDIR: tmp,
  };
  const db = `unix:${path.join(tmp, "db.sock")}`;
  const ctl = path.join(tmp, "vswitchd.ctl");
  const tool = async (cmd: string, args: string[]) =>
    (await execFileAsync(cmd, args, { env, timeout: TOOL_TIMEOUT_MS })).stdout;
  const vsctl = (...args: string[]) =>
    tool("ovs-vsctl", [`--db=${db}`, `--timeout=${TOOL_TIMEOUT_MS / 1000}`, ...args]);
  const appctl = (...args: string[]) => tool("ovs-appctl", ["-t", ctl, ...args]);
  const quiet = OVS_QUIET_LOG;
  const daemons: ChildProcess[] = [];

  try {
    await startPrivateOvsdb({ dir: tmp, env, daemons, tool, vsctl, timeoutMs: TOOL_TIMEOUT_MS });
    await vsctl(
      "--no-wait",
      "set",
      "Open_vSwitch",
      ".",
      "other_config:dpdk-init=true",
      `other_config:dpdk-socket-mem=${SOCKET_MEM_MB}`,
      `other_config:dpdk-hugepage-dir=${huge.dir}`,
      "other_config:dpdk-lcore-mask=0x1",
      `other_config:pmd-cpu-mask=0x${(1 << PMD_CORE).toString(16)}`,
      `other_config:dpdk-extra=--file-prefix=${prefix} --in-memory --no-pci --no-telemetry`,
    );
    const vswitchd = anchorSpawn(
      VSWITCHD_DPDK,
      [db, `--unixctl=${ctl}`, `--log-file=${path.join(tmp, "ovs-vswitchd.log")}`, ...quiet],
      env,
    );
    daemons.push(vswitchd);
    vswitchd.stdout?.resume();
    vswitchd.stderr?.resume();
    await waitForSocket(ctl, vswitchd, "ovs-vswitchd-dpdk", TOOL_TIMEOUT_MS);
    await vsctl("add-br", "br0", "--", "set", "bridge", "br0", "datapath_type=netdev");
    for (const [port, dev, ofport] of [
      ["p0", "net_null0", 1],
      ["p1", "net_null1", 2],
    ] as const) {
      await vsctl(
        "add-port",
        "br0",
        port,
        "--",
        "set",
        "Interface",
        port,
        "type=dpdk",
        `options:dpdk-devargs=${dev}`,
        `ofport_request=${ofport}`,
      );
    }
    await tool("ovs-ofctl", ["del-flows", "br0"]);
    await tool("ovs-ofctl", ["add-flow", "br0", "in_port=1,actions=output:2"]);
    await tool("ovs-ofctl", ["add-flow", "br0", "in_port=2,actions=output:1"]);
    await sleep(warmupMs);

    const pmdThread = `pmd-c${String(PMD_CORE).padStart(2, "0")}`;
    const rates: number[] = [];
    const shares: number[] = [];
    const cycles: number[] = [];
    const total: PmdStats = { packets: 0, emc: 0, smc: 0, megaflow: 0, upcalls: 0, cyclesPerPacket: 0 };
    for (let i = 0; i < samples; i++) {
      const cpu0 = await threadCpuSeconds(vswitchd.pid ?? 0, pmdThread);
      const c0 = performance.now();
      await appctl("dpif-netdev/pmd-stats-clear");
      const c1 = performance.now();
      await sleep(sampleMs);
      const s0 = performance.now();
      const out = await appctl("dpif-netdev/pmd-stats-show");
      const s1 = performance.now();
      const cpu1 = await threadCpuSeconds(vswitchd.pid ?? 0, pmdThread);
      const stats = parsePmdStats(out, PMD_CORE);
      const wallSeconds = ((s0 + s1) / 2 - (c0 + c1) / 2) / 1000;
      rates.push(stats.packets / wallSeconds / 1e6);
      shares.push((cpu1 - cpu0) / wallSeconds);
      cycles.push(stats.cyclesPerPacket);
      total.packets += stats.packets;
      total.emc += stats.emc;
      total.smc += stats.smc;
      total.megaflow += stats.megaflow;
      total.upcalls += stats.upcalls;
    }
    const version = (await tool(VSWITCHD_DPDK, ["--version"])).trim().split("\n").join(", ");
    const pct = (n: number) => `${((n / Math.max(1, total.packets)) * 100).toFixed(1)}%`;
    const mpps = anchorMedian(rates);
    const onCpuShare = anchorMedian(shares);
    return {
      name: "OVS-DPDK EMC fwd (net_null, 1 PMD core)",
      mpps,
      nsPerPacket: 1000 / mpps,
      cyclesPerPacket: anchorMedian(cycles),
      onCpuShare,
      detail:
        `${version}; PMD core ${PMD_CORE}; 64 B; median of ${samples}x${(sampleMs / 1000).toFixed(1)} s ` +
        `[${rates.map((r) => r.toFixed(1)).join(", ")}]; hits EMC ${pct(total.emc)} SMC ${pct(total.smc)} ` +
        `megaflow ${pct(total.megaflow)} upcall ${pct(total.upcalls)}; ` +
        `PMD thread on-CPU ${(onCpuShare * 100).toFixed(0)}% (${(mpps / onCpuShare).toFixed(1)} Mpps per CPU-s); ` +
        `load ${os.loadavg()[0].toFixed(1)}`,
    };
  } catch (err) {
    return { skipped: `OVS-DPDK anchor failed: ${(err as Error).message.split("\n")[0]}` };
  } finally {
    for (const child of daemons.reverse()) await anchorStop(child);
    await dpdkRuntimeDirRemove(prefix);
    await huge.release();
    await rm(tmp, { recursive: true, force: true });
    tmpUnregister();
  }
}
