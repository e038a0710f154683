// What: Open vSwitch's userspace datapath (dpif-netdev, datapath_type=netdev) as a switch under
// test, with the two host-side veth ends as ordinary (`system`, AF_PACKET) ports and the
// default NORMAL flow, i.e. the same L2 learning switch wasmvs is.
//
// Design: a throw-away OVS exactly like the OVS-DPDK anchor (../anchors/ovs-dpdk.ts) but with
// the non-DPDK ovs-vswitchd:
//
//   tmp/ (mkdtemp) = OVS_RUNDIR = OVS_DBDIR = OVS_LOGDIR = OVS_SYSCONFDIR
//     conf.db, db.sock (our ovsdb-server), vswitchd.ctl (our ovs-vswitchd)
//   bridge <name> datapath_type=netdev, other_config:mac-table-size=<n>
//   ports: the two host ends, type "" (netdev-linux), no VLAN config (untagged), flow NORMAL
//
// System ports of the userspace datapath are polled by ovs-vswitchd's main thread, which also
// runs upcalls inline; the whole process is started under `taskset -c <switch core>`. Each
// port's AF_PACKET socket gets the kernel's rmem_default as its receive buffer (OVS sets no
// SO_RCVBUF), so the caller raises net.core.rmem_default before this starts: that socket
// buffer is where the backlog waits while vswitchd is stopped.
// Invariants: both daemons are stopped, the bridge's LOCAL TAP deleted and tmp/ removed by
// close(), also on a failed start.
// Threading: main thread.

import { type ChildProcess, execFile } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { access, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { anchorCleanupRegister, anchorSpawn, anchorStop } from "../anchors/hugepages.ts";
import { OVS_QUIET_LOG, startPrivateOvsdb, waitForSocket } from "../anchors/private-ovsdb.ts";
import type { SwitchUnderTest } from "./switch-under-test.ts";
import { SWITCH_CORE, type Topology, trySh } from "./topology.ts";

const execFileAsync = promisify(execFile);

export const VSWITCHD = "/usr/lib/openvswitch-switch/ovs-vswitchd";
const TOOL_TIMEOUT_MS = 20_000;

export async function ovsInstalled(): Promise<boolean> {
  return access(VSWITCHD).then(
    () => true,
    () => false,
  );
}

export interface OvsUserspaceOptions {
  macTableSize: number;
  /** OpenFlow bench: a passive controller target (`ptcp:PORT:127.0.0.1`) in the Controller
   *  table, fail-mode secure (no fail-open NORMAL when no controller is connected) and no
   *  in-band rules. */
  controller?: string;
}

async function ovsVersion(tool: (cmd: string, args: string[]) => Promise<string>): Promise<string> {
  const line = (await tool(VSWITCHD, ["--version"])).split("\n")[0].trim();
  return line.replace(/^ovs-vswitchd \(Open vSwitch\) /, "");
}

export async function ovsUserspaceStart(t: Topology, opts: OvsUserspaceOptions): Promise<SwitchUnderTest> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), "wasmvs-fwd-ovs-"));
  const tmpUnregister = anchorCleanupRegister(() => rmSync(tmp, { recursive: true, force: true }));
  const env = { ...process.env, OVS_RUNDIR: tmp, OVS_DBDIR: tmp, OVS_LOGDIR: tmp, OVS_SYSCONFDIR: tmp };
  const db = `unix:${path.join(tmp, "db.sock")}`;
  const ctl = path.join(tmp, "vswitchd.ctl");
  const tool = async (cmd: string, args: string[]) =>
    (await execFileAsync(cmd, args, { env, timeout: TOOL_TIMEOUT_MS })).stdout;
  const vsctl = (...args: string[]) =>
    tool("ovs-vsctl", [`--db=${db}`, `--timeout=${TOOL_TIMEOUT_MS / 1000}`, ...args]);
  const quiet = OVS_QUIET_LOG;
  const daemons: ChildProcess[] = [];
  const br = `${t.hostA.slice(0, -1)}o`;
  // The netdev datapath's LOCAL port is a TAP named after the bridge, and it outlives a
  // stopped ovs-vswitchd: delete the bridge first, and the TAP in any case.
  const tapUnregister = anchorCleanupRegister(() => trySh("ip", ["link", "del", br]));
  const close = async () => {
    const vswitchdUp = daemons.length === 2 && daemons[1].exitCode === null && daemons[1].signalCode === null;
    if (vswitchdUp) await vsctl("--if-exists", "del-br", br).catch(() => {});
    for (const child of daemons.reverse()) await anchorStop(child);
    trySh("ip", ["link", "del", br]);
    tapUnregister();
    await rm(tmp, { recursive: true, force: true });
    tmpUnregister();
  };
  try {
    await startPrivateOvsdb({ dir: tmp, env, daemons, tool, vsctl, timeoutMs: TOOL_TIMEOUT_MS });
    const vswitchd = anchorSpawn(
      "taskset",
      [
        "-c",
        String(SWITCH_CORE),
        VSWITCHD,
        db,
        `--unixctl=${ctl}`,
        `--log-file=${path.join(tmp, "ovs-vswitchd.log")}`,
        ...quiet,
      ],
      env,
    );
    daemons.push(vswitchd);
    vswitchd.stdout?.resume();
    vswitchd.stderr?.resume();
    await waitForSocket(ctl, vswitchd, "ovs-vswitchd", TOOL_TIMEOUT_MS);
    await vsctl(
      "add-br",
      br,
      "--",
      "set",
      "bridge",
      br,
      "datapath_type=netdev",
      `other_config:mac-table-size=${opts.macTableSize}`,
    );
    for (const [dev, ofport] of [
      [t.hostA, 1],
      [t.hostB, 2],
    ] as const) {
      await vsctl("add-port", br, dev, "--", "set", "Interface", dev, `ofport_request=${ofport}`);
    }
    if (opts.controller) {
      await vsctl("set-controller", br, opts.controller, "--", "set-fail-mode", br, "secure");
      await vsctl("set", "bridge", br, "other_config:disable-in-band=true");
      return {
        label: `OVS userspace (${await ovsVersion(tool)}, netdev)`,
        pid: vswitchd.pid,
        pinning: `ovs-vswitchd (all threads) on core ${SWITCH_CORE}`,
        buffer: "",
        close,
      };
    }
    const flows = await tool("ovs-ofctl", ["dump-flows", br]);
    if (!/actions=NORMAL/.test(flows)) throw new Error(`no NORMAL flow on ${br}: ${flows}`);
    const rcvbuf = Number(readFileSync("/proc/sys/net/core/rmem_default", "utf8"));
    return {
      label: `OVS userspace (${await ovsVersion(tool)}, netdev, NORMAL)`,
      pid: vswitchd.pid,
      pinning: `ovs-vswitchd (all threads) on core ${SWITCH_CORE}`,
      buffer: `AF_PACKET socket rcvbuf ${(rcvbuf / (1 << 20)).toFixed(0)} MiB (net.core.rmem_default)`,
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}
