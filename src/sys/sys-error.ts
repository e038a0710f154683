// Errors from system calls: errno turned into an Error whose message says what failed and why.
//
// What: `SysError` (call, errno, code such as "EPERM", the libc description, and what we were
//   doing), `sysCheck(ret, call, what)` which throws one when a call returned -1.
// Design: messages read like "ioctl(TUNSETIFF) on tap wvs1a: Operation not permitted (EPERM)" so
//   an operator sees the operation, the object and the reason without a stack trace. Fast-path
//   callers (receive/transmit) test for EAGAIN themselves and count other errors; they never
//   throw per packet.
// Threading: errno is per thread; call sysCheck immediately after the libc call.

import koffi from "koffi";
import { lastErrno, libc } from "./libc.ts";

const ERRNO_NAMES = new Map<number, string>();
for (const [name, value] of Object.entries(koffi.os.errno)) {
  if (!ERRNO_NAMES.has(value)) ERRNO_NAMES.set(value, name);
}
// Aliases koffi lists first for some values; prefer the common spelling.
ERRNO_NAMES.set(koffi.os.errno.EAGAIN, "EAGAIN");

export const EAGAIN = koffi.os.errno.EAGAIN;
export const EINTR = koffi.os.errno.EINTR;
export const ENOBUFS = koffi.os.errno.ENOBUFS;
export const EBADF = koffi.os.errno.EBADF;
export const ENODEV = koffi.os.errno.ENODEV;

/** The symbolic name of an errno value ("EPERM"), or "E<n>" if unknown. */
export function errnoName(errno: number): string {
  return ERRNO_NAMES.get(errno) ?? `E${errno}`;
}

export class SysError extends Error {
  readonly call: string;
  readonly errno: number;
  readonly code: string;

  constructor(call: string, errno: number, what?: string) {
    const where = what ? ` ${what}` : "";
    super(`${call}${where}: ${libc.strerror(errno)} (${errnoName(errno)})`);
    this.name = "SysError";
    this.call = call;
    this.errno = errno;
    this.code = errnoName(errno);
  }
}

/** Returns ret, or throws a SysError built from errno when ret is -1. */
export function sysCheck(ret: number, call: string, what?: string): number {
  if (ret === -1) throw new SysError(call, lastErrno(), what);
  return ret;
}
