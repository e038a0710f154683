// What the kernel says about a netdev: index, MTU, MAC, admin and link state.
//
// What: `netdevInfo(name)` gathers ifindex, MTU, MAC (ioctls in this process's namespace) and
//   link state (IFF_UP for admin, IFF_RUNNING plus sysfs operstate/carrier for the link);
//   `netdevExists`, `netdevSetAdminUp`.
// Design: ioctls are the source of truth for numbers; sysfs adds the operstate string the
//   REST API shows ("up", "down", "lowerlayerdown", "unknown" for TAPs without a reader). The
//   sysfs root is a parameter so tests (and representor lookup) can point elsewhere.
// Invariants: a missing device throws a SysError naming it (ENODEV); a missing sysfs file
//   reads as "unknown", never throws.
// Threading: any thread; ioctls use the calling thread's control socket.

import { readFileSync } from "node:fs";
import {
  IFF_RUNNING,
  IFF_UP,
  netdevFlags,
  netdevHwAddr,
  netdevIndex,
  netdevIndexOrZero,
  netdevMtu,
  netdevSetUp,
} from "../sys/netdev-ioctl.ts";

export interface NetdevInfo {
  name: string;
  ifindex: number;
  mtu: number;
  /** "aa:bb:cc:dd:ee:ff" */
  mac: string;
  /** IFF_UP: administratively up. */
  adminUp: boolean;
  /** IFF_RUNNING: the link is up (carrier, and admin up). */
  linkUp: boolean;
  /** sysfs operstate, "unknown" when not readable. */
  operState: string;
  flags: number;
}

export const DEFAULT_SYSFS_NET = "/sys/class/net";

function sysfsRead(root: string, name: string, file: string): string | null {
  try {
    return readFileSync(`${root}/${name}/${file}`, "utf8").trim();
  } catch {
    return null;
  }
}

export function netdevExists(name: string): boolean {
  return netdevIndexOrZero(name) !== 0;
}

export function netdevInfo(name: string, sysfsRoot = DEFAULT_SYSFS_NET): NetdevInfo {
  const ifindex = netdevIndex(name);
  const flags = netdevFlags(name);
  return {
    name,
    ifindex,
    mtu: netdevMtu(name),
    mac: netdevHwAddr(name),
    adminUp: (flags & IFF_UP) !== 0,
    linkUp: (flags & IFF_RUNNING) !== 0,
    operState: sysfsRead(sysfsRoot, name, "operstate") ?? "unknown",
    flags,
  };
}

/** Sets a device administratively up or down. */
export function netdevSetAdminUp(name: string, up: boolean): void {
  netdevSetUp(name, up);
}
