// composeFrame: a flow typed as text becomes a frame the fast path parses back into exactly
// those field values (every field of every layer we compose, random values), and fields a frame
// cannot honestly carry are refused by name.

import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { OxmBasic } from "../../../../openflow/match/match.ts";
import { createFastPath, type FastPath } from "../../../../src/datapath/fastpath-module.ts";
import { oxmBits, readField } from "../../../../src/ofproto/oxm-key-map.ts";
import { PipelineFlow } from "../../../../src/ofproto/pipeline-flow.ts";
import { composeFrame } from "../../../../src/ofproto/trace/flow-compose.ts";
import { parseKey } from "../xlate/xlate-harness.ts";

let fp: FastPath;
beforeAll(async () => {
  fp = await createFastPath({ buffers: 64 });
});

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const u = (bits: number) => fc.integer({ min: 0, max: 2 ** bits - 1 });
const f = (name: OxmBasic["name"], value: OxmBasic["value"]): OxmBasic => ({ name, value });
const unicast = bytes(6).map((m) => Uint8Array.from(m, (b, i) => (i === 0 ? b & 0xfe : b)));

const l2 = fc.record({
  dst: unicast,
  src: unicast,
  vlan: fc.option(fc.tuple(u(12), u(3)), { nil: undefined }),
});

const l4v4 = fc.oneof(
  fc.tuple(u(16), u(16)).map(([s, d]) => [f("ip_proto", 6), f("tcp_src", s), f("tcp_dst", d)]),
  fc.tuple(u(16), u(16)).map(([s, d]) => [f("ip_proto", 17), f("udp_src", s), f("udp_dst", d)]),
  fc.tuple(u(16), u(16)).map(([s, d]) => [f("ip_proto", 132), f("sctp_src", s), f("sctp_dst", d)]),
  fc.tuple(u(8), u(8)).map(([t, c]) => [f("ip_proto", 1), f("icmpv4_type", t), f("icmpv4_code", c)]),
);

const l3 = fc.oneof(
  fc
    .tuple(u(32), u(32), u(6), u(2), l4v4)
    .map(([s, d, dscp, ecn, l4]) => [
      f("eth_type", 0x0800),
      f("ipv4_src", s),
      f("ipv4_dst", d),
      f("ip_dscp", dscp),
      f("ip_ecn", ecn),
      ...l4,
    ]),
  fc
    .tuple(bytes(16), bytes(16), u(20), u(6), bytes(16), unicast)
    .map(([s, d, label, dscp, target, sll]) => [
      f("eth_type", 0x86dd),
      f("ipv6_src", s),
      f("ipv6_dst", d),
      f("ipv6_flabel", label),
      f("ip_dscp", dscp),
      f("ip_proto", 58),
      f("icmpv6_type", 135),
      f("icmpv6_code", 0),
      f("ipv6_nd_target", target),
      f("ipv6_nd_sll", sll),
    ]),
  fc
    .tuple(fc.constantFrom(1, 2), u(32), u(32), unicast, unicast)
    .map(([op, spa, tpa, sha, tha]) => [
      f("eth_type", 0x0806),
      f("arp_op", op),
      f("arp_spa", spa),
      f("arp_tpa", tpa),
      f("arp_sha", sha),
      f("arp_tha", tha),
    ]),
  fc
    .tuple(fc.constantFrom(0x8847, 0x8848), u(20), u(3), u(1))
    .map(([type, label, tc, bos]) => [
      f("eth_type", type),
      f("mpls_label", label),
      f("mpls_tc", tc),
      f("mpls_bos", bos),
    ]),
);

describe("composeFrame", () => {
  it("composes frames the parser reads back field for field", () => {
    fc.assert(
      fc.property(l2, l3, (e, fields) => {
        const match: OxmBasic[] = [f("eth_dst", e.dst), f("eth_src", e.src), ...fields];
        if (e.vlan) match.push(f("vlan_vid", 0x1000 | e.vlan[0]), f("vlan_pcp", e.vlan[1]));
        const { frame } = composeFrame(match);
        expect(frame.length).toBeGreaterThanOrEqual(60);
        const flow = PipelineFlow.fromKey(parseKey(fp, frame, 1), 1);
        for (const o of match)
          expect([o.name, oxmBits(readField(flow, o.name) ?? -1n)]).toEqual([o.name, oxmBits(o.value)]);
        if (!e.vlan) expect(readField(flow, "vlan_vid")).toBe(0);
      }),
      { numRuns: 500 },
    );
  });

  it("composes one MPLS entry: bos 1 unless given, TTL 64 (so dec_mpls_ttl does not expire it)", () => {
    const { frame } = composeFrame([f("eth_type", 0x8847), f("mpls_label", 5)]);
    expect([...frame.subarray(12, 18)]).toEqual([0x88, 0x47, 0x00, 0x00, 0x51, 64]);
    const flow = PipelineFlow.fromKey(parseKey(fp, frame, 1), 1);
    expect(readField(flow, "mpls_bos")).toBe(1);
  });

  it("refuses masks, PBB and pipeline registers by name", () => {
    expect(() => composeFrame([{ name: "eth_dst", value: new Uint8Array(6), mask: new Uint8Array(6) }])).toThrow(
      /eth_dst: .*not a mask/,
    );
    expect(() => composeFrame([f("eth_type", 0x88e7), f("pbb_isid", 5)])).toThrow(/pbb_isid: .*does not parse PBB/);
    expect(() => composeFrame([f("tunnel_id", 5n)])).toThrow(/tunnel_id: not supported/);
  });
});
