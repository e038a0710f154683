// Traffic inside test namespaces for the switch integration tests: ping as an asynchronous child
// process (so the test never blocks while the switch must forward), the MAC of an interface,
// static neighbour entries, and IPv4 addresses.
//
// Design: `ping` never throws on loss; it returns the numbers ping printed, the exit code and
//   the whole output, so a test asserts on exactly what it cares about and a failure message
//   shows what ping said.

import { spawn } from "node:child_process";
import { type NetLab, sh } from "./netns.ts";

export interface PingResult {
  code: number | null;
  transmitted: number;
  received: number;
  output: string;
}

export interface PingOptions {
  count: number;
  /** Seconds between echo requests (ping -i). */
  interval?: number;
  /** Seconds to wait for each reply (ping -W). */
  wait?: number;
  /** Source interface or address (ping -I). */
  from?: string;
  /** Overall deadline in seconds (ping -w). */
  deadline?: number;
  /** ICMP payload bytes (ping -s), sent without DF (-M dont): above the MTU it leaves as IP fragments. */
  size?: number;
}

/** Runs ping inside ns as a child process; resolves when it exits. */
export function ping(ns: string, dst: string, opts: PingOptions): Promise<PingResult> {
  const args = ["netns", "exec", ns, "ping", "-n", "-q", "-c", String(opts.count)];
  args.push("-i", String(opts.interval ?? 0.05), "-W", String(opts.wait ?? 1));
  if (opts.from) args.push("-I", opts.from);
  if (opts.deadline) args.push("-w", String(opts.deadline));
  if (opts.size !== undefined) args.push("-s", String(opts.size), "-M", "dont");
  args.push(dst);
  return new Promise((resolve, reject) => {
    const p = spawn("ip", args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    p.stdout.on("data", (d) => {
      output += d;
    });
    p.stderr.on("data", (d) => {
      output += d;
    });
    p.on("error", reject);
    p.on("close", (code) => {
      const m = /(\d+) packets transmitted, (\d+) (?:packets )?received/.exec(output);
      resolve({
        code,
        transmitted: m ? Number(m[1]) : 0,
        received: m ? Number(m[2]) : 0,
        output: `ip ${args.join(" ")}\n${output}`,
      });
    });
  });
}

/** The MAC address of iface inside ns (lower case). */
export function macOf(lab: NetLab, ns: string, iface: string): string {
  return lab
    .exec(ns, ["cat", `/sys/class/net/${iface}/address`])
    .trim()
    .toLowerCase();
}

export function addAddress(ns: string, iface: string, cidr: string): void {
  sh("ip", ["-n", ns, "addr", "add", cidr, "dev", iface]);
}

/** A permanent ARP entry ip → mac on iface inside ns (replaces any existing one). */
export function staticNeighbour(ns: string, iface: string, ip: string, mac: string): void {
  sh("ip", ["-n", ns, "neigh", "replace", ip, "lladdr", mac, "dev", iface, "nud", "permanent"]);
}

/** An 802.1Q subinterface `name` of parent inside ns, up. */
export function addVlanInterface(ns: string, parent: string, name: string, vid: number): void {
  sh("ip", ["-n", ns, "link", "add", "link", parent, "name", name, "type", "vlan", "id", String(vid)]);
  sh("ip", ["netns", "exec", ns, "sh", "-c", `echo 1 > /proc/sys/net/ipv6/conf/${name}/disable_ipv6`]);
  sh("ip", ["-n", ns, "link", "set", name, "up"]);
}
