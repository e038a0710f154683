// Native addresses of a WebAssembly.Memory, and kernel mappings placed inside it.
//
// What: `wasmBase(memory)` — the native address of linear-memory offset 0; `mapIntoWasm` —
//   mmap a file/socket (MAP_SHARED | MAP_FIXED) over [offset, offset + len) of the memory;
//   `unmapFromWasm` — put ordinary zeroed private memory back over that range.
// Design: V8 reserves the whole wasm32 address range of a memory up front and never moves it,
//   so the base address is stable across memory.grow and a MAP_FIXED mapping inside the
//   committed part stays valid (verified on this machine: a memfd mapped at base + 64 KiB is
//   seen by WASM and pread alike, and survives memory.grow). The fast path then reads a kernel
//   ring (TPACKET_V3) or a guest's memory with plain loads, no copies through JS.
//   Unmapping must never leave a hole (a later WASM access would SIGSEGV the process), so it
//   maps anonymous private pages back over the range instead of calling munmap.
// Invariants: offset and len are multiples of the 4 KiB page size and the range lies inside the
//   memory's current size — checked here, before any mmap, since a wrong MAP_FIXED would
//   silently replace some unrelated mapping of the process.
// Threading: a memory belongs to one instance on one thread; map from that thread.

import { addressOf, libc } from "./libc.ts";
import { sysCheck } from "./sys-error.ts";

export const PAGE_SIZE = 4096;
const PROT_READ = 1;
const PROT_WRITE = 2;
const MAP_SHARED = 0x01;
const MAP_PRIVATE = 0x02;
const MAP_FIXED = 0x10;
const MAP_ANONYMOUS = 0x20;
const MAP_FAILED = 2 ** 64 - 1; // (void *)-1 as a uintptr_t number

/** Native address of linear-memory offset 0. */
export function wasmBase(memory: WebAssembly.Memory): number {
  return addressOf(new Uint8Array(memory.buffer, 0, 1));
}

function checkRange(memory: WebAssembly.Memory, offset: number, len: number): void {
  if (offset % PAGE_SIZE !== 0 || len % PAGE_SIZE !== 0 || len <= 0) {
    throw new Error(`wasm mapping [${offset}, +${len}) is not page-aligned (${PAGE_SIZE})`);
  }
  if (offset + len > memory.buffer.byteLength) {
    throw new Error(`wasm mapping [${offset}, +${len}) is outside the memory (${memory.buffer.byteLength} bytes)`);
  }
}

function mmapFixed(addr: number, len: number, flags: number, fd: number, what: string): void {
  const r = libc.mmap(addr, len, PROT_READ | PROT_WRITE, flags | MAP_FIXED, fd, 0);
  if (r === MAP_FAILED || r === -1) sysCheck(-1, "mmap", what);
  if (r !== addr) throw new Error(`mmap ${what}: kernel placed it at ${r}, not ${addr}`);
}

/** Maps fd (offset 0, len bytes, shared) over linear memory [offset, offset + len). */
export function mapIntoWasm(memory: WebAssembly.Memory, offset: number, len: number, fd: number, what: string): void {
  checkRange(memory, offset, len);
  mmapFixed(wasmBase(memory) + offset, len, MAP_SHARED, fd, what);
}

/** Replaces whatever is mapped at [offset, offset + len) by zeroed private memory. */
export function unmapFromWasm(memory: WebAssembly.Memory, offset: number, len: number): void {
  checkRange(memory, offset, len);
  mmapFixed(wasmBase(memory) + offset, len, MAP_PRIVATE | MAP_ANONYMOUS, -1, "(restore anonymous)");
}
