import { describe, expect, it } from "vitest";
import { createFastPath } from "../../../src/datapath/fastpath-module.ts";
import { openPortBackend, type PortBackendSpec } from "../../../src/ports/backends.ts";
import { WasmIo } from "../../../src/ports/wasm-io.ts";
import { netdevIndexOrZero } from "../../../src/sys/netdev-ioctl.ts";

describe("opening port backends by type", () => {
  it("opens a tap port through the table and closes it idempotently", async () => {
    const fp = await createFastPath({ buffers: 16 });
    const name = `wvs${process.pid % 10000}f`;
    const port = openPortBackend(fp, { type: "tap", name });
    try {
      expect(port.type).toBe("tap");
      expect(port.name).toBe(name);
      expect(port.fd).toBeGreaterThan(2);
      expect(port.receive(32)).toBe(0);
    } finally {
      port.close();
      port.close();
    }
    expect(netdevIndexOrZero(name)).toBe(0);
  });

  it("rejects an unknown type with the list of known ones", async () => {
    const fp = await createFastPath({ buffers: 16 });
    expect(() => openPortBackend(fp, { type: "bogus", name: "x" } as unknown as PortBackendSpec)).toThrow(
      'unknown port type "bogus" (expected tap, system or internal)',
    );
  });
});

describe("WasmIo", () => {
  it("uses a view of WASM memory in place and stages other id arrays", async () => {
    const fp = await createFastPath({ buffers: 16 });
    const io = new WasmIo(fp);
    const inside = new Uint32Array(fp.memory.buffer, fp.dpRxIds(), 3);
    expect(io.idsOffset(inside, 3, 0)).toBe(fp.dpRxIds());
    const staging = fp.dpRxIds();
    expect(io.idsOffset(new Uint32Array([7, 8, 9]), 3, staging)).toBe(staging);
    expect(Array.from(new Uint32Array(fp.memory.buffer, staging, 3))).toEqual([7, 8, 9]);
    fp.memory.grow(1);
    io.view().setUint32(8, 0x12345678, true);
    expect(io.u64(8)).toBe(0x12345678 + new DataView(fp.memory.buffer).getUint32(12, true) * 2 ** 32);
  });
});
