// What: the OpenFlow bench's client side for programming a switch — `ovs-ofctl -O OpenFlow13
// --no-names` over TCP to the switch's passive listener, run as an async child process (the
// bench process keeps its event loop free for the packet-in sink).
//
// Design: `add-flows FILE` is timed from spawn to exit. ovs-ofctl (3.1) sends each FLOW_MOD
// followed by a BARRIER_REQUEST and waits for that barrier's reply before the next flow
// (vconn_transact_multiple_noreply → vconn_transact_noreply per message; seen with
// -vvconn:dbg: the barrier xids step by two per flow), so its exit *is* the final barrier's
// reply and the figure is one flow-mod + barrier round trip per flow — latency-bound on both
// switches alike. `dump-aggregate` then counts what is installed.
// Threading: main thread, async child processes.

import { execFile } from "node:child_process";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);
const OFCTL = "ovs-ofctl";
const TIMEOUT_MS = 600_000;

export type OfctlTarget = string; // tcp:127.0.0.1:PORT

export async function ofctl(target: OfctlTarget, ...args: string[]): Promise<string> {
  const [cmd, ...rest] = args;
  const { stdout } = await execFileAsync(OFCTL, ["-O", "OpenFlow13", "--no-names", cmd, target, ...rest], {
    timeout: TIMEOUT_MS,
    maxBuffer: 64 << 20,
  });
  return stdout;
}

/** `add-flows` of a file: seconds from spawn to exit (which is after the last barrier reply). */
export async function ofctlAddFlowsTimed(target: OfctlTarget, file: string): Promise<number> {
  const t0 = performance.now();
  await ofctl(target, "add-flows", file);
  return (performance.now() - t0) / 1000;
}

/** flow_count of `dump-aggregate` (all tables). */
export async function ofctlFlowCount(target: OfctlTarget): Promise<number> {
  const out = await ofctl(target, "dump-aggregate");
  const m = /flow_count=(\d+)/.exec(out);
  if (!m) throw new Error(`dump-aggregate: no flow_count in ${out.trim()}`);
  return Number(m[1]);
}

/** Deletes every flow of every table and waits for the switch's barrier. */
export async function ofctlDeleteAll(target: OfctlTarget): Promise<void> {
  await ofctl(target, "del-flows");
}
