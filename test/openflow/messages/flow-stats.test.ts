import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { WireReader } from "../../../openflow/codec/wire-reader.ts";
import { WireWriter } from "../../../openflow/codec/wire-writer.ts";
import { OfpError } from "../../../openflow/errors.ts";
import {
  decodeAggregateReply,
  decodeAggregateRequest,
  decodeFlowStatsReply,
  decodeFlowStatsRequest,
  encodeAggregateReply,
  encodeAggregateRequest,
  encodeFlowStatsReply,
  encodeFlowStatsRequest,
} from "../../../openflow/messages/flow-stats.ts";
import {
  aggregateReplyArb,
  aggregateRequestArb,
  flowStatsReplyArb,
  flowStatsRequestArb,
} from "../arbitraries/flow-messages.ts";
import { expectOfpError, fixture, hex } from "./flow-fixtures.ts";

// The fixtures are whole MULTIPART messages; the body starts after 8 + 8 header bytes.
const BODY = 16;
const body = (name: string) => fixture(name).subarray(BODY);

function roundTrip<T>(b: Uint8Array, dec: (r: WireReader) => T, enc: (m: T, w: WireWriter) => void): T {
  const m = dec(new WireReader(b));
  const w = new WireWriter();
  enc(m, w);
  expect(hex(w.bytesOut())).toBe(hex(b));
  return m;
}

function property<T>(arb: fc.Arbitrary<T>, dec: (r: WireReader) => T, enc: (m: T, w: WireWriter) => void): void {
  fc.assert(
    fc.property(arb, (m) => {
      const w = new WireWriter();
      enc(m, w);
      expect(dec(new WireReader(w.bytesOut()))).toEqual(m);
    }),
    { numRuns: 300 },
  );
}

function truncationsThrow<T>(b: Uint8Array, dec: (r: WireReader) => T): void {
  for (let n = 0; n < b.length; n++) {
    try {
      dec(new WireReader(b.subarray(0, n)));
    } catch (e) {
      expect(e).toBeInstanceOf(OfpError);
      continue;
    }
    // a cut between two reply entries is a shorter, well-formed reply
    expect(dec === (decodeFlowStatsReply as unknown)).toBe(true);
  }
}

describe("FLOW multipart bodies", () => {
  it("request from os-ken", () => {
    const m = roundTrip(body("flow-stats-request"), decodeFlowStatsRequest, encodeFlowStatsRequest);
    expect(m).toMatchObject({
      part: "flow",
      tableId: 1,
      outPort: 0xffffffff,
      outGroup: 0xffffffff,
      cookie: 0x10n,
      cookieMask: 0xffn,
    });
    expect(m.match.map((o) => o.name)).toEqual(["in_port", "eth_type", "ip_proto", "tcp_dst"]);
    expect(roundTrip(body("flow-stats-request-all"), decodeFlowStatsRequest, encodeFlowStatsRequest)).toMatchObject({
      tableId: 0xff,
      match: [],
    });
  });
  it("reply (packed with os-ken's structs, parsed back by os-ken)", () => {
    const m = roundTrip(body("flow-stats-reply"), decodeFlowStatsReply, encodeFlowStatsReply);
    expect(m.flows).toHaveLength(2);
    expect(m.flows[0]).toMatchObject({
      tableId: 0,
      durationSec: 10,
      durationNsec: 500,
      priority: 0x8000,
      cookie: 1n,
      packetCount: 5n,
      byteCount: 300n,
      match: [],
    });
    expect(m.flows[0].instructions).toEqual([
      { type: "apply_actions", actions: [{ type: "output", port: 0xfffffffa, maxLen: 0 }] },
    ]);
    expect(m.flows[1]).toMatchObject({
      tableId: 1,
      priority: 100,
      idleTimeout: 60,
      hardTimeout: 300,
      flags: 1,
      cookie: 0xabcn,
    });
    expect(m.flows[1].instructions.map((i) => i.type)).toEqual(["write_metadata", "goto_table"]);
  });
  it("decode(encode(x)) = x", () => {
    property(flowStatsRequestArb, decodeFlowStatsRequest, encodeFlowStatsRequest);
    property(flowStatsReplyArb, decodeFlowStatsReply, encodeFlowStatsReply);
  });
  it("truncations and entry length lies are OfpErrors", () => {
    truncationsThrow(body("flow-stats-request"), decodeFlowStatsRequest);
    truncationsThrow(body("flow-stats-reply"), decodeFlowStatsReply);
    const b = body("flow-stats-reply").slice();
    new DataView(b.buffer).setUint16(0, 40);
    expectOfpError(() => decodeFlowStatsReply(new WireReader(b)), "BAD_REQUEST/BAD_LEN");
  });
});

describe("AGGREGATE multipart bodies", () => {
  it("request from os-ken and reply packed with os-ken's structs", () => {
    const q = roundTrip(body("aggregate-request"), decodeAggregateRequest, encodeAggregateRequest);
    expect(q).toMatchObject({
      part: "aggregate",
      tableId: 0xff,
      outPort: 2,
      match: [{ name: "eth_type", value: 0x0806 }],
    });
    const r = roundTrip(body("aggregate-reply"), decodeAggregateReply, encodeAggregateReply);
    expect(r).toEqual({ part: "aggregate", packetCount: 1234567890123n, byteCount: 987654321098765n, flowCount: 42 });
  });
  it("decode(encode(x)) = x", () => {
    property(aggregateRequestArb, decodeAggregateRequest, encodeAggregateRequest);
    property(aggregateReplyArb, decodeAggregateReply, encodeAggregateReply);
  });
  it("truncations and trailing bytes are BAD_REQUEST/BAD_LEN", () => {
    truncationsThrow(body("aggregate-reply"), decodeAggregateReply);
    const b = new Uint8Array(32);
    expectOfpError(() => decodeAggregateReply(new WireReader(b)), "BAD_REQUEST/BAD_LEN");
  });
});
