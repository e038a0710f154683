// Network namespaces, veth pairs and TAPs for integration tests, named uniquely per run and
// always cleaned up.
//
// What: `NetLab` creates namespaces with one veth pair each (host end in our namespace, peer
//   end inside), runs commands inside them, and removes everything it made in `cleanup()` —
//   call it from afterAll; it is also registered on process exit so a crash or a failed
//   beforeAll leaves nothing behind.
// Design: names are `wvs<pid % 10000><tag>` (≤ 15 bytes), so parallel test files and runs do
//   not collide. IPv6 is disabled on every interface made here, so the kernel's own router
//   solicitations and MLD reports do not show up among the test's frames.
// Invariants: only interfaces and namespaces this lab created are touched.

import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";

export const PYTHON = "/usr/bin/python3";

/** Fails (never skips) when a tool the integration tests need is missing. */
export function requireTools(...tools: string[]): void {
  for (const t of tools) {
    const found = t.startsWith("/") ? existsSync(t) : spawnSync("sh", ["-c", `command -v ${t}`]).status === 0;
    if (!found) throw new Error(`integration test needs "${t}" (install it: see .ci/run)`);
  }
}

export function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

function trySh(cmd: string, args: string[]): void {
  spawnSync(cmd, args, { stdio: "ignore" });
}

function disableIpv6(ifname: string, ns?: string): void {
  const path = `/proc/sys/net/ipv6/conf/${ifname}/disable_ipv6`;
  if (ns) trySh("ip", ["netns", "exec", ns, "sh", "-c", `echo 1 > ${path}`]);
  else if (existsSync(path)) writeFileSync(path, "1");
}

export interface VethNs {
  ns: string;
  /** veth end in our namespace. */
  host: string;
  /** veth end inside ns. */
  peer: string;
}

export class NetLab {
  readonly prefix = `wvs${process.pid % 10000}`;
  private namespaces: string[] = [];
  private links: string[] = [];
  private readonly onExit = () => this.cleanup();

  constructor() {
    process.on("exit", this.onExit);
  }

  name(tag: string): string {
    const n = `${this.prefix}${tag}`;
    if (n.length > 15) throw new Error(`interface name ${n} is too long`);
    return n;
  }

  addNamespace(tag: string): string {
    const ns = this.name(tag);
    trySh("ip", ["netns", "del", ns]);
    sh("ip", ["netns", "add", ns]);
    this.namespaces.push(ns);
    sh("ip", ["-n", ns, "link", "set", "lo", "up"]);
    trySh("ip", ["netns", "exec", ns, "sh", "-c", "echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6"]);
    trySh("ip", ["netns", "exec", ns, "sh", "-c", "echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6"]);
    return ns;
  }

  /** A namespace `tag` with veth `<prefix><tag>` here and `<prefix><tag>p` inside, both up. */
  addVethNs(tag: string): VethNs {
    const ns = this.addNamespace(tag);
    const host = this.name(tag);
    const peer = this.name(`${tag}p`);
    trySh("ip", ["link", "del", host]);
    sh("ip", ["link", "add", host, "type", "veth", "peer", "name", peer]);
    this.links.push(host);
    disableIpv6(host);
    sh("ip", ["link", "set", peer, "netns", ns]);
    disableIpv6(peer, ns);
    sh("ip", ["link", "set", host, "up"]);
    sh("ip", ["-n", ns, "link", "set", peer, "up"]);
    return { ns, host, peer };
  }

  /** Remembers a link created elsewhere (e.g. a TAP) so cleanup removes it if still there. */
  track(link: string): void {
    this.links.push(link);
  }

  /** Runs argv inside ns and returns stdout. */
  exec(ns: string, argv: string[]): string {
    return sh("ip", ["netns", "exec", ns, ...argv]);
  }

  linkExists(name: string, ns?: string): boolean {
    const args = ns ? ["-n", ns, "link", "show", name] : ["link", "show", name];
    return spawnSync("ip", args, { stdio: "ignore" }).status === 0;
  }

  cleanup(): void {
    for (const l of this.links.splice(0)) trySh("ip", ["link", "del", l]);
    for (const ns of this.namespaces.splice(0)) trySh("ip", ["netns", "del", ns]);
    process.off("exit", this.onExit);
  }
}
