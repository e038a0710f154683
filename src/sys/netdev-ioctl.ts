// Network-device ioctls on a struct ifreq: ifindex, MTU, flags (admin up/down), MAC address.
//
// What: `netdevIndex`, `netdevMtu`, `netdevSetMtu`, `netdevFlags`, `netdevSetUp`, `netdevHwAddr`,
//   all by interface name, in the calling process's network namespace.
// Design: one AF_INET datagram socket (opened lazily, kept) is the handle the SIOC* ioctls
//   need; one 40-byte ifreq scratch buffer carries the name in and the answer out.
//
//   struct ifreq (40 bytes)
//   ┌──────────────────────────┬──────────────────────────────────────────┐
//   │ 0..16  ifr_name (NUL-    │ 16..40 union: ifr_flags (i16), ifr_mtu,  │
//   │        terminated)       │  ifr_ifindex (i32), ifr_hwaddr (sockaddr:│
//   │                          │  u16 family + 14 bytes data)             │
//   └──────────────────────────┴──────────────────────────────────────────┘
// Invariants: names are at most 15 bytes (IFNAMSIZ - 1); longer names are rejected before any
//   call. Errors throw SysError naming the ioctl and the interface.
// Threading: the scratch buffer and socket are per thread (module state of this isolate).

import { addressOf, libc } from "./libc.ts";
import { sysCheck } from "./sys-error.ts";

export const IFNAMSIZ = 16;
export const IFREQ_SIZE = 40;

export const SIOCGIFFLAGS = 0x8913;
export const SIOCSIFFLAGS = 0x8914;
export const SIOCGIFMTU = 0x8921;
export const SIOCSIFMTU = 0x8922;
export const SIOCGIFHWADDR = 0x8927;
export const SIOCGIFINDEX = 0x8933;

export const IFF_UP = 0x1;
export const IFF_BROADCAST = 0x2;
export const IFF_LOOPBACK = 0x8;
export const IFF_RUNNING = 0x40;
export const IFF_PROMISC = 0x100;
export const IFF_LOWER_UP = 0x10000;

const AF_INET = 2;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;

const ifr = new Uint8Array(IFREQ_SIZE);
const ifrView = new DataView(ifr.buffer);
const ifrAddr = addressOf(ifr);
let ctlFd = -1;

function controlSocket(): number {
  if (ctlFd < 0) ctlFd = sysCheck(libc.socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), "socket(AF_INET)");
  return ctlFd;
}

/** Writes name into a zeroed ifreq buffer; throws on names the kernel would refuse. */
export function ifreqSetName(buf: Uint8Array, name: string): void {
  const bytes = Buffer.from(name, "utf8");
  if (bytes.length === 0 || bytes.length >= IFNAMSIZ) {
    throw new Error(`interface name "${name}" must be 1 to ${IFNAMSIZ - 1} bytes`);
  }
  buf.fill(0);
  buf.set(bytes, 0);
}

/** The NUL-terminated name at the start of an ifreq buffer. */
export function ifreqName(buf: Uint8Array): string {
  const end = buf.indexOf(0);
  return Buffer.from(buf.subarray(0, end < 0 || end > IFNAMSIZ ? IFNAMSIZ : end)).toString("utf8");
}

function ifIoctl(name: string, req: number, reqName: string): void {
  ifreqSetName(ifr, name);
  sysCheck(libc.ioctl(controlSocket(), req, "uintptr_t", ifrAddr), `ioctl(${reqName})`, `on ${name}`);
}

/** The interface index (SIOCGIFINDEX). */
export function netdevIndex(name: string): number {
  ifIoctl(name, SIOCGIFINDEX, "SIOCGIFINDEX");
  return ifrView.getInt32(16, true);
}

/** The interface index, or 0 if no interface of that name exists (if_nametoindex). */
export function netdevIndexOrZero(name: string): number {
  return libc.ifNameToIndex(name);
}

export function netdevMtu(name: string): number {
  ifIoctl(name, SIOCGIFMTU, "SIOCGIFMTU");
  return ifrView.getInt32(16, true);
}

export function netdevSetMtu(name: string, mtu: number): void {
  ifreqSetName(ifr, name);
  ifrView.setInt32(16, mtu, true);
  sysCheck(libc.ioctl(controlSocket(), SIOCSIFMTU, "uintptr_t", ifrAddr), "ioctl(SIOCSIFMTU)", `on ${name}`);
}

/** The interface flags (IFF_*), the low 16 bits SIOCGIFFLAGS reports. */
export function netdevFlags(name: string): number {
  ifIoctl(name, SIOCGIFFLAGS, "SIOCGIFFLAGS");
  return ifrView.getUint16(16, true);
}

/** Sets the interface administratively up or down (IFF_UP), keeping its other flags. */
export function netdevSetUp(name: string, up: boolean): void {
  const flags = netdevFlags(name);
  const next = up ? flags | IFF_UP : flags & ~IFF_UP;
  if (next === flags) return;
  ifreqSetName(ifr, name);
  ifrView.setUint16(16, next, true);
  sysCheck(libc.ioctl(controlSocket(), SIOCSIFFLAGS, "uintptr_t", ifrAddr), "ioctl(SIOCSIFFLAGS)", `on ${name}`);
}

/** The hardware (MAC) address as "aa:bb:cc:dd:ee:ff" (SIOCGIFHWADDR). */
export function netdevHwAddr(name: string): string {
  ifIoctl(name, SIOCGIFHWADDR, "SIOCGIFHWADDR");
  return Array.from(ifr.subarray(18, 24), (b) => b.toString(16).padStart(2, "0")).join(":");
}
