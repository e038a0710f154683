// Differential property test: the WASM parser against the TypeScript reference model
// (test/reference/parser-model.ts) on random structured, truncated and bit-flipped frames.
// Compares all 112 key bytes, the l3/l4 offsets and the parse.* counter increments.

import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { decodeKey, parseModel } from "../../reference/parser-model.ts";
import { mutatedFrame, ndFrame, structuredFrame } from "./frame-arbitrary.ts";
import { counterDelta, hex, ParseHarness } from "./parse-harness.ts";

let h: ParseHarness;
beforeAll(async () => {
  h = await ParseHarness.create();
});

function agrees(frame: Uint8Array, inPort: number): void {
  const before = h.parseCounters();
  const got = h.parse(frame, inPort);
  const after = h.parseCounters();
  const want = parseModel(frame, inPort);
  expect(hex(got.key), `frame ${hex(frame)}`).toBe(hex(want.key));
  expect([got.l3, got.l4]).toEqual([want.l3, want.l4]);
  expect(counterDelta(before, after)).toEqual([...want.counters].sort());
}

const port = fc.integer({ min: 0, max: 0xffff });

describe("parser vs reference model", () => {
  it("agrees on structured frames", () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(structuredFrame, port, (frame, inPort) => {
        agrees(frame, inPort);
        for (const p of decodeKey(parseModel(frame).key).present) seen.add(p);
      }),
      { numRuns: 20_000 },
    );
    // The generator must reach every layer, or the comparison proves little.
    for (const p of [
      "VLAN2",
      "ARP",
      "IPV4",
      "IPV6",
      "MPLS",
      "TCP",
      "UDP",
      "SCTP",
      "ICMP4",
      "ICMP6",
      "ND",
      "IP_OPTIONS",
    ]) {
      expect(seen, p).toContain(p);
    }
  });

  it("agrees on truncated and bit-flipped frames", () => {
    fc.assert(
      fc.property(mutatedFrame, port, (frame, inPort) => agrees(frame, inPort)),
      { numRuns: 20_000 },
    );
  });

  it("agrees on neighbour discovery messages and their options", () => {
    let withBothAddrs = 0;
    fc.assert(
      fc.property(ndFrame, (frame) => {
        agrees(frame, 0);
        const k = decodeKey(parseModel(frame).key);
        if (k.arpSha !== "00:00:00:00:00:00" && k.arpTha !== "00:00:00:00:00:00") withBothAddrs++;
      }),
      { numRuns: 5000 },
    );
    expect(withBothAddrs).toBeGreaterThan(10);
  });

  it("agrees on random bytes behind an IPv4 or IPv6 ethertype", () => {
    const arb = fc.tuple(
      fc.constantFrom(0x0800, 0x86dd, 0x0806, 0x8100, 0x8847, 0x8848),
      fc.uint8Array({ maxLength: 120 }),
    );
    fc.assert(
      fc.property(arb, ([type, body]) => {
        const frame = Uint8Array.from([...new Array(12).fill(2), type >> 8, type & 0xff, ...body]);
        agrees(frame, 0);
      }),
      { numRuns: 5000 },
    );
  });
});
