// TAP devices through /dev/net/tun: create one by name, or attach to an existing persistent one.
//
// What: `tapOpen(name)` returns a non-blocking fd carrying whole Ethernet frames (IFF_TAP |
//   IFF_NO_PI: no packet-information prefix, one frame per read/write) and whether this call
//   created the device.
// Design: TUNSETIFF either creates the device (it then lives as long as the fd unless made
//   persistent) or attaches to an existing persistent one of the same name. We look the name
//   up first to know which happened, so the owner can tell "ours, vanishes on close" from
//   "someone else's, left in place". `tapSetPersist` exists for tests and operators that want a
//   device to outlive us.
// Invariants: the fd is O_NONBLOCK and O_CLOEXEC; a failed TUNSETIFF closes it before throwing.
// Threading: fds are process-wide; any thread may use one, but one owner reads and writes it.

import { addressOf, libc, O_CLOEXEC, O_NONBLOCK, O_RDWR } from "./libc.ts";
import { IFREQ_SIZE, ifreqName, ifreqSetName, netdevIndexOrZero } from "./netdev-ioctl.ts";
import { sysCheck } from "./sys-error.ts";

export const TUNSETIFF = 0x400454ca;
export const TUNSETPERSIST = 0x400454cb;
export const IFF_TUN = 0x0001;
export const IFF_TAP = 0x0002;
export const IFF_NO_PI = 0x1000;

export interface TapHandle {
  fd: number;
  /** The device name the kernel confirmed. */
  name: string;
  /** True when this open created the device (it disappears when the fd closes). */
  created: boolean;
}

/** Opens (creating if needed) TAP device `name`. */
export function tapOpen(name: string): TapHandle {
  const ifr = new Uint8Array(IFREQ_SIZE);
  ifreqSetName(ifr, name);
  new DataView(ifr.buffer).setUint16(16, IFF_TAP | IFF_NO_PI, true);
  const existed = netdevIndexOrZero(name) !== 0;
  const fd = sysCheck(libc.open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC), "open(/dev/net/tun)");
  if (libc.ioctl(fd, TUNSETIFF, "uintptr_t", addressOf(ifr)) === -1) {
    try {
      sysCheck(-1, "ioctl(TUNSETIFF)", `for tap ${name}${existed ? " (exists: not a persistent tap, or busy)" : ""}`);
    } finally {
      libc.close(fd);
    }
  }
  return { fd, name: ifreqName(ifr), created: !existed };
}

/** Makes the TAP behind fd outlive its fds (true) or vanish with the last one (false). */
export function tapSetPersist(fd: number, persist: boolean): void {
  sysCheck(libc.ioctl(fd, TUNSETPERSIST, "unsigned long", persist ? 1 : 0), "ioctl(TUNSETPERSIST)");
}
