// What: the set-up both C anchors share — 2 MB hugepages, a hugetlbfs mount, a private DPDK
// runtime dir that is removed afterwards, and child processes that cannot outlive the bench.
//
// Design: `hugepagesAcquire` raises vm.nr_hugepages to at least 1024 (2 GB) if it is lower and
// never lowers it; it reuses a mounted 2 MB hugetlbfs or mounts one at a private mkdtemp dir and
// hands back `release()` that unmounts and removes it. Children are started through
// `setpriv --pdeathsig SIGKILL` when available, so a busy-polling DPDK core dies with the bench
// even if node is killed before its `finally` blocks run. Everything an anchor creates is also
// registered for `anchorCleanupNow()`, a synchronous sweep a SIGINT handler can call.
//
// Invariants: only what this module created is removed (our mount point, our EAL file prefix).
// Threading: callers run one anchor at a time; two DPDK processes would fight for core 1.

import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import { existsSync, rmdirSync, rmSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, rmdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { AnchorSkipped } from "./anchor-result.ts";

const execFileAsync = promisify(execFile);

export const HUGEPAGES_WANTED = 1024;
const NR_HUGEPAGES = "/proc/sys/vm/nr_hugepages";
const FREE_HUGEPAGES_2M = "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages";
const DPDK_RUNTIME_ROOT = "/var/run/dpdk";
const SETPRIV = "/usr/bin/setpriv";

const pendingCleanups = new Set<() => void>();

/** Registers a synchronous undo step for `anchorCleanupNow`; returns its unregister function. */
export function anchorCleanupRegister(undo: () => void): () => void {
  pendingCleanups.add(undo);
  return () => pendingCleanups.delete(undo);
}

/** Kills, unmounts and removes whatever a running anchor still holds; for signal handlers. */
export function anchorCleanupNow(): void {
  for (const undo of [...pendingCleanups].reverse()) {
    try {
      undo();
    } catch {
      // Best effort: a signal handler must go on to the next step.
    }
  }
  pendingCleanups.clear();
}

export interface HugepageMount {
  dir: string;
  /** Unmounts and removes the mount point if this module mounted it; otherwise does nothing. */
  release(): Promise<void>;
}

async function readNumber(file: string): Promise<number> {
  return Number.parseInt((await readFile(file, "utf8")).trim(), 10);
}

/** A mounted hugetlbfs whose page size is 2 MB (explicitly, or by being the default size). */
async function findHugetlbfs2M(): Promise<string | undefined> {
  const mounts = await readFile("/proc/mounts", "utf8");
  for (const line of mounts.split("\n")) {
    const [, dir, fstype, opts] = line.split(" ");
    if (fstype !== "hugetlbfs") continue;
    const size = /pagesize=(\w+)/.exec(opts ?? "")?.[1];
    if (size === undefined || size === "2M" || size === "2048k") return dir;
  }
  return undefined;
}

/** Ensures `minPages` free 2 MB pages and a hugetlbfs mount, or says why it cannot. */
export async function hugepagesAcquire(minPages = HUGEPAGES_WANTED / 2): Promise<HugepageMount | AnchorSkipped> {
  if (process.getuid?.() !== 0) return { skipped: "needs root (hugepages, hugetlbfs mount, DPDK)" };
  if ((await readNumber(NR_HUGEPAGES)) < HUGEPAGES_WANTED) {
    try {
      await writeFile(NR_HUGEPAGES, `${HUGEPAGES_WANTED}\n`);
    } catch (err) {
      return { skipped: `cannot raise ${NR_HUGEPAGES}: ${(err as Error).message}` };
    }
  }
  const free = await readNumber(FREE_HUGEPAGES_2M);
  if (free < minPages) {
    return { skipped: `only ${free} free 2 MB hugepages (need ${minPages}; nr_hugepages=${HUGEPAGES_WANTED})` };
  }
  const existing = await findHugetlbfs2M();
  if (existing) return { dir: existing, release: async () => {} };
  const dir = await mkdtemp(path.join(os.tmpdir(), "wasmvs-huge-"));
  try {
    await execFileAsync("mount", ["-t", "hugetlbfs", "-o", "pagesize=2M", "nodev", dir]);
  } catch (err) {
    await rmdir(dir).catch(() => {});
    return { skipped: `cannot mount hugetlbfs: ${(err as Error).message.split("\n")[0]}` };
  }
  const unregister = anchorCleanupRegister(() => {
    execFileSync("umount", ["-l", dir]);
    rmdirSync(dir);
  });
  return {
    dir,
    release: async () => {
      unregister();
      await execFileAsync("umount", [dir]).catch(() => execFileAsync("umount", ["-l", dir]));
      await rmdir(dir);
    },
  };
}

const runtimeDirUnregister = new Map<string, () => void>();

/** A DPDK --file-prefix no other process uses; `dpdkRuntimeDirRemove` undoes what EAL makes for it. */
export function dpdkFilePrefix(tag: string): string {
  const prefix = `wasmvs-${tag}-${process.pid}-${Date.now().toString(36)}`;
  const dir = path.join(DPDK_RUNTIME_ROOT, prefix);
  runtimeDirUnregister.set(
    prefix,
    anchorCleanupRegister(() => rmSync(dir, { recursive: true, force: true })),
  );
  return prefix;
}

/** Removes /var/run/dpdk/<prefix> (EAL makes it even with --in-memory), and the root if now empty. */
export async function dpdkRuntimeDirRemove(prefix: string): Promise<void> {
  runtimeDirUnregister.get(prefix)?.();
  runtimeDirUnregister.delete(prefix);
  await rm(path.join(DPDK_RUNTIME_ROOT, prefix), { recursive: true, force: true });
  await rmdir(DPDK_RUNTIME_ROOT).catch(() => {});
}

/**
 * Starts `cmd` so that it gets SIGKILL if this node process dies first. Its stdio are pipes; a
 * caller that does not read stdout/stderr must `resume()` them so the child never blocks on a full pipe.
 */
export function anchorSpawn(cmd: string, args: string[], env?: NodeJS.ProcessEnv): ChildProcess {
  const tied = existsSync(SETPRIV);
  const child = spawn(tied ? SETPRIV : cmd, tied ? ["--pdeathsig", "SIGKILL", cmd, ...args] : args, {
    env: env ?? process.env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  const unregister = anchorCleanupRegister(() => child.kill("SIGKILL"));
  child.once("exit", unregister);
  return child;
}

/**
 * Waits up to `exitMs` for the child to leave by itself (after a quit command), then SIGTERM,
 * then SIGKILL after `graceMs`; resolves once the child has exited.
 */
export async function anchorStop(child: ChildProcess, exitMs = 0, graceMs = 3000): Promise<void> {
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  if (gone()) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  if (exitMs > 0) await Promise.race([exited, sleep(exitMs)]);
  if (gone()) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ; getconf CLK_TCK on Linux

/**
 * CPU seconds (user + system) used so far by the threads of `pid` whose name starts with
 * `threadPrefix` ("pmd-c01", "rte-worker-1"). Divided by wall time it says how much of its core
 * the forwarding thread really got on a shared machine; 10 ms resolution.
 */
export async function threadCpuSeconds(pid: number, threadPrefix: string): Promise<number> {
  const taskDir = `/proc/${pid}/task`;
  let ticks = 0;
  for (const tid of await readdir(taskDir)) {
    const comm = (await readFile(`${taskDir}/${tid}/comm`, "utf8").catch(() => "")).trim();
    if (!comm.startsWith(threadPrefix)) continue;
    const stat = await readFile(`${taskDir}/${tid}/stat`, "utf8");
    // Fields after "(comm)" start at field 3; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / CLOCK_TICKS_PER_SECOND;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
