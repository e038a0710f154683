// A throw-away ovsdb-server for the benchmarks that run their own Open vSwitch (the OVS-DPDK
// anchor, the OVS userspace switch of the forwarding bench): a database created from the
// installed schema in a private directory, served on <dir>/db.sock, initialised.
//
// Design: the caller owns the directory, the environment (OVS_RUNDIR & co. pointing at it)
// and the list of daemons to stop; this module only starts ovsdb-server and waits for it.

import type { ChildProcess } from "node:child_process";
import { access } from "node:fs/promises";
import path from "node:path";
import { anchorSpawn, sleep } from "./hugepages.ts";

export const OVS_SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema";
export const OVS_QUIET_LOG = ["-vconsole:off", "-vsyslog:off", "-vfile:info"];

/** Waits until `file` exists (a daemon's socket), failing if `child` exits or after timeoutMs. */
export async function waitForSocket(file: string, child: ChildProcess, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (
      await access(file).then(
        () => true,
        () => false,
      )
    )
      return;
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what} exited early`);
    if (Date.now() > deadline) throw new Error(`${what}: ${file} did not appear`);
    await sleep(50);
  }
}

/** Creates <dir>/conf.db, starts ovsdb-server on <dir>/db.sock (pushed onto `daemons` as soon
 *  as it runs, so the caller's clean-up stops it on any failure) and runs `ovs-vsctl init`. */
export async function startPrivateOvsdb(opts: {
  dir: string;
  env: NodeJS.ProcessEnv;
  daemons: ChildProcess[];
  tool: (cmd: string, args: string[]) => Promise<string>;
  vsctl: (...args: string[]) => Promise<string>;
  timeoutMs: number;
}): Promise<void> {
  const { dir, env } = opts;
  await opts.tool("ovsdb-tool", ["create", path.join(dir, "conf.db"), OVS_SCHEMA]);
  const ovsdb = anchorSpawn(
    "ovsdb-server",
    [
      path.join(dir, "conf.db"),
      `--remote=punix:${path.join(dir, "db.sock")}`,
      `--unixctl=${path.join(dir, "ovsdb-server.ctl")}`,
      `--log-file=${path.join(dir, "ovsdb-server.log")}`,
      ...OVS_QUIET_LOG,
    ],
    env,
  );
  opts.daemons.push(ovsdb);
  ovsdb.stdout?.resume();
  ovsdb.stderr?.resume();
  await waitForSocket(path.join(dir, "db.sock"), ovsdb, "ovsdb-server", opts.timeoutMs);
  await opts.vsctl("--no-wait", "init");
}
