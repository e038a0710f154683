// What: the forwarding benchmark's wiring — two namespaces, each on a veth pair whose host end
// a switch under test attaches — plus the counters, CPU pinning and sysctls the method needs.
//
//   ns A                     this namespace (the switch)                     ns B
//   <p>ap ==veth== <p>a ──► [ Linux bridge | OVS netdev | wasmvs ] ──► <p>b ==veth== <p>bp
//    ▲ trafgen (core 0)   switch forwarding on core 1 (+ B's receive work)   rx_packets counted
//
// Design: names are `wfw<pid % 1000><a|b>[p]` so a run never touches another's devices. IPv6
// is off everywhere (no router solicitations among the counted frames). The receive counter is
// read in two ways: once through `ip netns exec B cat .../rx_packets` (the authoritative figure,
// before and after), and polled every millisecond through the host end's tx_packets in this
// namespace, which veth defines as exactly the peer's rx_packets (veth_get_stats64), so timing
// does not pay a process spawn per sample.
//   RPS: the receive work of A's host end (the softirq that runs for every generated frame and
// fills the switch's ring or socket) is steered to the generator's core, so it never lands on
// the switch's core (receive livelock: the issue measured 3-10x less when they shared a core).
// For the Linux bridge, which runs inside that receive work, it is steered to the switch core
// instead. B's side is not steered: its receive work runs inside the switch's own transmit
// call, as veth does by default. Steering it away as well was tried (2026-11-22): the frames
// then wait in the other core's backlog charged to the switch's socket send buffer, and
// sendmmsg failed with ENOBUFS/EAGAIN for 30% of them (wasmvs, 4 MiB sndbuf) on this loaded
// machine — a drop the method would blame on the switch.
// Invariants: every namespace, link and sysctl changed here is undone by `cleanup()`, also on
// Ctrl-C (registered with the anchors' cleanup sweep).
// Threading: main thread.

import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { anchorCleanupRegister } from "../anchors/hugepages.ts";

export const GEN_CORE = 0;
export const SWITCH_CORE = 1;

/** Destination MAC of every generated frame; pre-learned on B's side so nothing floods. */
export const DST_MAC = "02:00:00:00:00:bb";

export function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

export function trySh(cmd: string, args: string[]): void {
  spawnSync(cmd, args, { stdio: "ignore" });
}

export interface Topology {
  nsA: string;
  nsB: string;
  /** Host ends (in our namespace): the switch attaches these. */
  hostA: string;
  hostB: string;
  /** Namespace ends: trafgen sends on peerA; peerB's rx_packets is the figure. */
  peerA: string;
  peerB: string;
}

const undo: Array<() => void> = [];
let unregister: (() => void) | undefined;

function remember(step: () => void): void {
  undo.push(step);
  unregister ??= anchorCleanupRegister(() => topologyCleanup());
}

/** Sets a sysctl (by its /proc/sys path) and restores the old value at cleanup. */
export function sysctlRaise(path: string, value: number): void {
  const file = `/proc/sys/${path.replaceAll(".", "/")}`;
  const old = readFileSync(file, "utf8").trim();
  if (Number(old) >= value) return;
  writeFileSync(file, String(value));
  remember(() => writeFileSync(file, old));
}

function rps(ns: string | undefined, dev: string, mask: number): void {
  const file = `/sys/class/net/${dev}/queues/rx-0/rps_cpus`;
  if (ns) sh("ip", ["netns", "exec", ns, "sh", "-c", `echo ${mask.toString(16)} > ${file}`]);
  else writeFileSync(file, mask.toString(16));
}

export function topologyCreate(): Topology {
  const p = `wfw${process.pid % 1000}`;
  const t: Topology = {
    nsA: `${p}a`,
    nsB: `${p}b`,
    hostA: `${p}a`,
    hostB: `${p}b`,
    peerA: `${p}ap`,
    peerB: `${p}bp`,
  };
  for (const [ns, host, peer] of [
    [t.nsA, t.hostA, t.peerA],
    [t.nsB, t.hostB, t.peerB],
  ]) {
    trySh("ip", ["netns", "del", ns]);
    trySh("ip", ["link", "del", host]);
    sh("ip", ["netns", "add", ns]);
    remember(() => trySh("ip", ["netns", "del", ns]));
    sh("ip", ["link", "add", host, "type", "veth", "peer", "name", peer]);
    remember(() => trySh("ip", ["link", "del", host]));
    writeFileSync(`/proc/sys/net/ipv6/conf/${host}/disable_ipv6`, "1");
    sh("ip", ["link", "set", peer, "netns", ns]);
    sh("ip", ["netns", "exec", ns, "sh", "-c", `echo 1 > /proc/sys/net/ipv6/conf/${peer}/disable_ipv6`]);
    sh("ip", ["link", "set", host, "up"]);
    sh("ip", ["-n", ns, "link", "set", peer, "up"]);
  }
  topologySteer(t, "userspace");
  return t;
}

/**
 * Where the kernel's receive work for A's frames runs. "userspace": on the generator's core
 * (the switch process is alone on its core). "kernel-bridge": on the switch core, since for
 * the Linux bridge that receive work *is* the switch. B's side runs in the sender's context.
 */
export function topologySteer(t: Topology, mode: "userspace" | "kernel-bridge"): void {
  rps(undefined, t.hostA, 1 << (mode === "kernel-bridge" ? SWITCH_CORE : GEN_CORE));
  rps(undefined, t.hostB, 0);
  rps(t.nsA, t.peerA, 1 << GEN_CORE);
  rps(t.nsB, t.peerB, 0);
}

/** B's receive counter as read inside namespace B. */
export function rxInB(t: Topology): number {
  return Number(sh("ip", ["netns", "exec", t.nsB, "cat", `/sys/class/net/${t.peerB}/statistics/rx_packets`]));
}

/** The same counter without a spawn: the host end's tx_packets (veth: == the peer's rx_packets). */
export function rxInBFast(t: Topology): number {
  return Number(readFileSync(`/sys/class/net/${t.hostB}/statistics/tx_packets`, "utf8"));
}

export function txDroppedToB(t: Topology): number {
  return Number(readFileSync(`/sys/class/net/${t.hostB}/statistics/tx_dropped`, "utf8"));
}

/** Pins every thread of pid to `core`, or, with `except`, the threads whose comm matches
 *  `except.comm` to `except.core`. Returns a description of what was pinned. */
export function pinProcess(pid: number, core: number, except?: { comm: string; core: number }): string {
  let special = 0;
  let others = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
    const target = except && comm === except.comm ? except.core : core;
    sh("taskset", ["-p", "-c", String(target), tid]);
    if (target === core) others++;
    else special++;
  }
  return except
    ? `${special} "${except.comm}" thread(s) on core ${except.core}, ${others} other thread(s) on core ${core}`
    : `all ${others} threads on core ${core}`;
}

export function topologyCleanup(): void {
  for (const step of undo.splice(0).reverse()) {
    try {
      step();
    } catch {
      // best effort: keep undoing the rest
    }
  }
  unregister?.();
  unregister = undefined;
}
