// WireReader: bounds-checked reads, and byte ranges that are copies of their own (a decoded
// MAC kept by a rule must not keep the socket's read chunk alive).

import { describe, expect, it } from "vitest";
import { WireReader } from "../../../openflow/codec/wire-reader.ts";
import { OfpError } from "../../../openflow/errors.ts";

describe("WireReader", () => {
  it("reads big-endian integers and byte ranges, and refuses to read past the end", () => {
    const r = new WireReader(Uint8Array.from([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07]));
    expect(r.u8()).toBe(1);
    expect(r.u16()).toBe(0x0203);
    expect(r.bytesOf(3)).toEqual(Uint8Array.from([4, 5, 6]));
    expect(() => r.u16("tail")).toThrow(OfpError);
  });

  it("bytesOf returns a copy with its own small buffer, also when reading a Buffer", () => {
    const chunk = Buffer.alloc(4096, 0xaa);
    chunk.set([1, 2, 3, 4, 5, 6], 100);
    const r = new WireReader(chunk.subarray(96, 200));
    r.skip(4);
    const mac = r.bytesOf(6);
    expect(mac).toEqual(Uint8Array.from([1, 2, 3, 4, 5, 6]));
    expect(mac.buffer).not.toBe(chunk.buffer);
    expect(mac.buffer.byteLength).toBe(6);
    chunk[100] = 9;
    expect(mac[0]).toBe(1);
  });
});
