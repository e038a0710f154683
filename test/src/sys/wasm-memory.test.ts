import { describe, expect, it } from "vitest";
import { createFastPath } from "../../../src/datapath/fastpath-module.ts";
import { addressOf, libc } from "../../../src/sys/libc.ts";
import { sysCheck } from "../../../src/sys/sys-error.ts";
import { mapIntoWasm, PAGE_SIZE, unmapFromWasm, wasmBase } from "../../../src/sys/wasm-memory.ts";

describe("kernel mappings inside WASM memory", () => {
  it("shares a memfd with the WASM memory both ways, survives grow, and unmaps to zeroes", async () => {
    const fp = await createFastPath({ buffers: 16 });
    const ring = fp.portsRingCreate(PAGE_SIZE, 2); // a page-aligned reservation in the heap
    const off = fp.portsRingBase(ring);
    const len = 2 * PAGE_SIZE;
    const fd = sysCheck(libc.memfdCreate("wasmvs-test", 0), "memfd_create");
    try {
      sysCheck(libc.ftruncate(fd, len), "ftruncate");
      const pattern = new Uint8Array(len).map((_, i) => (i * 13) & 0xff);
      expect(libc.write(fd, addressOf(pattern), len)).toBe(len);
      mapIntoWasm(fp.memory, off, len, fd, "memfd");
      expect(new Uint8Array(fp.memory.buffer, off, len)).toEqual(pattern);
      // A WASM-side write is visible through the fd.
      new Uint8Array(fp.memory.buffer, off + PAGE_SIZE, 1)[0] = 0xee;
      const base = wasmBase(fp.memory);
      fp.memory.grow(4);
      expect(wasmBase(fp.memory)).toBe(base);
      const back = new Uint8Array(1);
      expect(libc.pread(fd, addressOf(back), 1, PAGE_SIZE)).toBe(1);
      expect(back[0]).toBe(0xee);
      expect(new Uint8Array(fp.memory.buffer, off + PAGE_SIZE, 1)[0]).toBe(0xee);
      unmapFromWasm(fp.memory, off, len);
      expect(new Uint8Array(fp.memory.buffer, off, len).every((b) => b === 0)).toBe(true);
    } finally {
      libc.close(fd);
      fp.portsRingDestroy(ring);
    }
  });

  it("refuses unaligned ranges and ranges past the memory's size before calling mmap", async () => {
    const fp = await createFastPath({ buffers: 16 });
    const size = fp.memory.buffer.byteLength;
    expect(() => mapIntoWasm(fp.memory, 100, PAGE_SIZE, 0, "x")).toThrow(/not page-aligned/);
    expect(() => mapIntoWasm(fp.memory, 0, 100, 0, "x")).toThrow(/not page-aligned/);
    expect(() => mapIntoWasm(fp.memory, size, PAGE_SIZE, 0, "x")).toThrow(/outside the memory/);
  });
});
