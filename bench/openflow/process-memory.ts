// What: a process's resident set (VmRSS of /proc/PID/status: all its threads share it), for the
// bytes-per-rule figures of the OpenFlow bench, and its CPU time (all threads), for the CPU
// each switch spent per flow-mod — a figure less sensitive than wall time to the other
// processes on this shared machine.
// Threading: main thread, synchronous /proc reads.

import { readFileSync } from "node:fs";

/** VmRSS of pid in bytes. */
export function processRss(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

/** CPU seconds (user + system, all threads) pid has used so far, from /proc/PID/stat. */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state): utime is field 14, stime field 15.
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** USER_HZ: 100 on every Linux architecture Node supports. */
const CLOCK_TICKS = 100;
