// A VLAN host behind a trunk port, played by vlan-host.py inside a namespace: it pings with
// every frame tagged (the kernels here have no 8021q module, so a namespace cannot have a VLAN
// subinterface), and reports the tag each reply carried on the wire.

import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { PYTHON } from "../../support/netns.ts";

const SCRIPT = fileURLToPath(new URL("./vlan-host.py", import.meta.url));

export interface VlanPing {
  /** The ARP request was answered. */
  arp: boolean;
  sent: number;
  received: number;
  /** The VID of each ARP reply and echo reply received (null: untagged). */
  vids: Array<number | null>;
}

export interface VlanHost {
  ns: string;
  iface: string;
  /** 0: untagged. */
  vid: number;
  mac: string;
  ip: string;
}

/** Pings dst from host `count` times (`wait` seconds per reply). */
export function vlanPing(host: VlanHost, dst: string, count: number, wait = 1): Promise<VlanPing> {
  const argv = ["netns", "exec", host.ns, PYTHON, SCRIPT, "ping", host.iface, String(host.vid), host.mac, host.ip];
  argv.push(dst, String(count), String(wait));
  return new Promise((resolve, reject) => {
    const p = spawn("ip", argv, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    p.stdout.on("data", (d) => {
      out += d;
    });
    p.stderr.on("data", (d) => {
      err += d;
    });
    p.on("error", reject);
    p.on("close", (code) => {
      if (code !== 0) reject(new Error(`vlan-host.py on ${host.iface}: exit ${code}: ${err}`));
      else resolve(JSON.parse(out) as VlanPing);
    });
  });
}
