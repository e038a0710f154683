import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { WireReader } from "../../../openflow/codec/wire-reader.ts";
import { WireWriter } from "../../../openflow/codec/wire-writer.ts";
import { decodeMatch, encodeMatch, type Match, matchWireLength } from "../../../openflow/match/match.ts";
import { anyMatch } from "../arbitraries/flow.ts";
import { expectOfpError, hex } from "../messages/flow-fixtures.ts";

const enc = (m: Match) => {
  const w = new WireWriter();
  encodeMatch(m, w);
  return w.bytesOut();
};
const dec = (b: Uint8Array) => {
  const r = new WireReader(b);
  const m = decodeMatch(r);
  expect(r.atEnd).toBe(true);
  return m;
};
const bytes = (h: string) => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ""), "hex"));

describe("ofp_match codec", () => {
  it("decodes the spec's layout: type 1, length without padding, zero pad to 8", () => {
    // in_port=1 (80000004 00000001) and vlan_vid=0x100a (80000c02 100a): length 4+8+6 = 18 → 24 bytes
    const b = bytes("0001 0012 80000004 00000001 80000c02 100a 000000000000");
    const m = dec(b);
    expect(m).toEqual([
      { name: "in_port", value: 1 },
      { name: "vlan_vid", value: 0x100a },
    ]);
    expect(hex(enc(m))).toBe(hex(b));
  });

  it("an empty match is 8 bytes (type, length 4, 4 pad)", () => {
    expect(hex(enc([]))).toBe("0001000400000000");
    expect(dec(bytes("0001000400000000"))).toEqual([]);
  });

  it("masks, MACs, IPv6 and 64-bit values have their wire types", () => {
    const m: Match = [
      { name: "metadata", value: 0x1122334455667788n, mask: 0xffffffff00000000n },
      { name: "eth_dst", value: Uint8Array.of(1, 0, 0x5e, 0, 0, 0), mask: Uint8Array.of(255, 255, 255, 0, 0, 0) },
      { name: "pbb_isid", value: 0xabcd00, mask: 0xffff00 },
    ];
    const b = enc(m);
    expect(hex(b).slice(8, 16)).toBe("80000510"); // metadata, hasmask, length 16
    expect(b.length).toBe(matchWireLength(m));
    expect(dec(b)).toEqual(m);
  });

  it("keeps an experimenter OXM opaque", () => {
    // class 0xffff field 42 (ONF tcp_flags) hasmask, length 8: experimenter 0x4f4e4600, value, mask
    const b = bytes("0001 0010 ffff5508 4f4e4600 0002 0012");
    const m = dec(b);
    expect(m).toEqual([
      { name: "opaque", oxmClass: 0xffff, field: 42, hasMask: true, payload: bytes("4f4e460000020012") },
    ]);
    expect(hex(enc(m))).toBe(hex(b));
  });

  it("decode(encode(m)) = m for arbitrary matches", () => {
    fc.assert(
      fc.property(anyMatch, (m) => {
        const b = enc(m);
        expect(b.length % 8).toBe(0);
        expect(dec(b)).toEqual(m);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("malformed matches", () => {
  const decodeOnly = (h: string) => () => decodeMatch(new WireReader(bytes(h)));
  it("non-OXM match type is BAD_MATCH/BAD_TYPE", () => {
    expectOfpError(decodeOnly(`0000 0058 ${"00".repeat(84)}`), "BAD_MATCH/BAD_TYPE");
  });
  it("length below 4, past the data, or a short header are BAD_MATCH/BAD_LEN", () => {
    expectOfpError(decodeOnly("0001 0002 00000000"), "BAD_MATCH/BAD_LEN");
    expectOfpError(decodeOnly("0001 0010 80000004 00000001"), "BAD_MATCH/BAD_LEN");
    expectOfpError(decodeOnly("0001"), "BAD_MATCH/BAD_LEN");
    // length says 6: two bytes of an OXM header
    expectOfpError(decodeOnly("0001 0006 8000 0000"), "BAD_MATCH/BAD_LEN");
  });
  it("an OXM whose length overruns the match or disagrees with its field is BAD_MATCH/BAD_LEN", () => {
    expectOfpError(decodeOnly("0001 000c 80000008 00000001"), "BAD_MATCH/BAD_LEN");
    expectOfpError(decodeOnly("0001 000b 80000003 000001 00"), "BAD_MATCH/BAD_LEN"); // in_port of 3 bytes
    expectOfpError(decodeOnly("0001 000c 80000104 00000001"), "BAD_MATCH/BAD_LEN"); // hasmask: needs 8
    expectOfpError(decodeOnly("0001 0007 ffff0003 000000 00"), "BAD_MATCH/BAD_LEN"); // experimenter < 4
  });
  it("every truncation of a valid match is an OfpError", () => {
    fc.assert(
      fc.property(anyMatch, fc.nat(), (m, cut) => {
        const b = enc(m);
        const n = cut % b.length;
        expectOfpError(() => decodeMatch(new WireReader(b.subarray(0, n))), "BAD_MATCH/BAD_LEN");
      }),
      { numRuns: 1000 },
    );
  });
});
