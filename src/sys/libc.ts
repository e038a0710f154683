// libc through the koffi FFI: the raw functions the port backends and the runtime call.
//
// What: one koffi handle on libc.so.6 and a table of the functions wasmvs uses (files, ioctl,
//   sockets, recvmmsg/sendmmsg, mmap, poll, eventfd, if_nametoindex, strerror).
// Design: every pointer parameter is declared `uintptr_t` and passed as a plain JS number — an
//   address in native memory: `wasmBase(memory) + offset` for WASM linear memory, or
//   `koffi.address(typedArray)` for small scratch structs held in JS ArrayBuffers. That keeps
//   the calls on koffi's fast path (no marshalling of structs, no per-call allocation) and lets
//   iovecs point straight into WASM memory. On x86-64 and aarch64 Linux a pointer and a
//   uintptr_t travel in the same register, so the ABI is unchanged. Functions that are
//   variadic in C (ioctl, fcntl) are declared variadic and called with a type per argument.
// Invariants: callers check return values through sys-error.ts (`sysCheck`), which reads
//   errno right after the call (koffi saves it per call on the calling thread).
// Threading: koffi works in worker threads; each thread that imports this loads its own handle.

import koffi from "koffi";

const lib = koffi.load("libc.so.6");

/** The libc functions, pointer arguments as numbers (addresses). */
export const libc = {
  open: lib.func("int open(const char *path, int flags, ...)") as (
    path: string,
    flags: number,
    ...va: unknown[]
  ) => number,
  close: lib.func("int close(int fd)") as (fd: number) => number,
  read: lib.func("intptr_t read(int fd, uintptr_t buf, size_t n)") as (fd: number, buf: number, n: number) => number,
  pread: lib.func("intptr_t pread(int fd, uintptr_t buf, size_t n, int64_t off)") as (
    fd: number,
    buf: number,
    n: number,
    off: number,
  ) => number,
  write: lib.func("intptr_t write(int fd, uintptr_t buf, size_t n)") as (fd: number, buf: number, n: number) => number,
  ioctl: lib.func("int ioctl(int fd, unsigned long req, ...)") as (fd: number, req: number, ...va: unknown[]) => number,
  fcntl: lib.func("int fcntl(int fd, int cmd, ...)") as (fd: number, cmd: number, ...va: unknown[]) => number,
  socket: lib.func("int socket(int domain, int type, int protocol)") as (d: number, t: number, p: number) => number,
  bind: lib.func("int bind(int fd, uintptr_t addr, uint32_t len)") as (fd: number, addr: number, len: number) => number,
  setsockopt: lib.func("int setsockopt(int fd, int level, int name, uintptr_t val, uint32_t len)") as (
    fd: number,
    level: number,
    name: number,
    val: number,
    len: number,
  ) => number,
  getsockopt: lib.func("int getsockopt(int fd, int level, int name, uintptr_t val, uintptr_t len)") as (
    fd: number,
    level: number,
    name: number,
    val: number,
    lenPtr: number,
  ) => number,
  recvmmsg: lib.func("int recvmmsg(int fd, uintptr_t msgvec, unsigned int vlen, int flags, uintptr_t timeout)") as (
    fd: number,
    msgvec: number,
    vlen: number,
    flags: number,
    timeout: number,
  ) => number,
  sendmmsg: lib.func("int sendmmsg(int fd, uintptr_t msgvec, unsigned int vlen, int flags)") as (
    fd: number,
    msgvec: number,
    vlen: number,
    flags: number,
  ) => number,
  mmap: lib.func("uintptr_t mmap(uintptr_t addr, size_t len, int prot, int flags, int fd, int64_t off)") as (
    addr: number,
    len: number,
    prot: number,
    flags: number,
    fd: number,
    off: number,
  ) => number,
  munmap: lib.func("int munmap(uintptr_t addr, size_t len)") as (addr: number, len: number) => number,
  poll: lib.func("int poll(uintptr_t fds, unsigned long n, int timeout)") as (
    fds: number,
    n: number,
    t: number,
  ) => number,
  eventfd: lib.func("int eventfd(unsigned int initval, int flags)") as (init: number, flags: number) => number,
  memfdCreate: lib.func("int memfd_create(const char *name, unsigned int flags)") as (
    name: string,
    f: number,
  ) => number,
  ftruncate: lib.func("int ftruncate(int fd, int64_t len)") as (fd: number, len: number) => number,
  ifNameToIndex: lib.func("unsigned int if_nametoindex(const char *name)") as (name: string) => number,
  strerror: lib.func("const char *strerror(int errnum)") as (errnum: number) => string,
};

/** errno of the last libc call on this thread. */
export function lastErrno(): number {
  return koffi.errno();
}

/** Native address of the first byte of a typed array's view (stable: ArrayBuffer backing
 *  stores and WASM memories do not move). */
export function addressOf(view: ArrayBufferView): number {
  return Number(koffi.address(view));
}

// Constants shared by several modules (Linux x86-64 / aarch64 values).
export const O_RDWR = 0o2;
export const O_NONBLOCK = 0o4000;
export const O_CLOEXEC = 0o2000000;
export const F_GETFL = 3;
export const F_SETFL = 4;
