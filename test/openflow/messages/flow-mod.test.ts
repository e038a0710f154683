import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeMessage, encodeMessage } from "../../../openflow/message.ts";
import type { FlowModMessage } from "../../../openflow/messages/flow-mod.ts";
import { OFPFC, OFPFF } from "../../../openflow/messages/flow-mod.ts";
import { flowModArb } from "../arbitraries/flow-messages.ts";
import { expectOfpError, expectTruncationsRejected, fixture, fixtureNames, roundTripFixture } from "./flow-fixtures.ts";

describe("FLOW_MOD from os-ken", () => {
  for (const name of fixtureNames("flow-mod-")) it(`${name} re-encodes byte for byte`, () => roundTripFixture(name));

  it("flow-mod-full: header fields, a 16-field match (os-ken stores value AND mask), every instruction and action", () => {
    const m = roundTripFixture("flow-mod-full") as FlowModMessage;
    expect(m).toMatchObject({
      kind: "flow-mod",
      xid: 0x10,
      cookie: 0x0123456789abcdefn,
      cookieMask: 0n,
      tableId: 1,
      command: OFPFC.ADD,
      idleTimeout: 60,
      hardTimeout: 300,
      priority: 100,
      bufferId: 0xffffffff,
      outPort: 0xffffffff,
      outGroup: 0xffffffff,
      flags: OFPFF.SEND_FLOW_REM | OFPFF.CHECK_OVERLAP,
    });
    expect(m.match.map((o) => o.name)).toEqual([
      "in_port",
      "in_phy_port",
      "metadata",
      "eth_dst",
      "eth_src",
      "eth_type",
      "vlan_vid",
      "vlan_pcp",
      "ip_dscp",
      "ip_ecn",
      "ip_proto",
      "ipv4_src",
      "ipv4_dst",
      "tcp_src",
      "tcp_dst",
      "tunnel_id",
    ]);
    expect(m.match).toContainEqual({ name: "vlan_vid", value: 0x100a });
    expect(m.match).toContainEqual({ name: "ipv4_src", value: 0x0a000000, mask: 0xff000000 });
    expect(m.match).toContainEqual({ name: "metadata", value: 0x1122334400000000n, mask: 0xffffffff00000000n });
    expect(m.instructions.map((i) => i.type)).toEqual([
      "meter",
      "apply_actions",
      "clear_actions",
      "write_actions",
      "write_metadata",
      "goto_table",
    ]);
    const apply = m.instructions[1];
    if (apply.type !== "apply_actions") throw new Error("not apply");
    expect(apply.actions.map((a) => a.type)).toEqual([
      "output",
      "output",
      "output",
      "group",
      "set_queue",
      "copy_ttl_out",
      "copy_ttl_in",
      "set_mpls_ttl",
      "dec_mpls_ttl",
      "push_vlan",
      "push_vlan",
      "pop_vlan",
      "push_mpls",
      "pop_mpls",
      "push_pbb",
      "pop_pbb",
      "set_nw_ttl",
      "dec_nw_ttl",
      "set_field",
      "set_field",
      "set_field",
      "set_field",
      "set_field",
      "set_field",
      "experimenter",
    ]);
    expect(apply.actions[1]).toEqual({ type: "output", port: 0xfffffffd, maxLen: 128 });
    expect(apply.actions[19]).toEqual({ type: "set_field", field: { name: "vlan_vid", value: 0x102a } });
    expect(m.instructions[4]).toEqual({ type: "write_metadata", metadata: 0xa0n, mask: 0xf0n });
  });

  it("vlan_vid NONE (0, no mask) and ANY (0x1000/0x1000)", () => {
    const none = roundTripFixture("flow-mod-vlan-none") as FlowModMessage;
    expect(none.match).toEqual([
      { name: "in_port", value: 2 },
      { name: "vlan_vid", value: 0 },
    ]);
    const any = roundTripFixture("flow-mod-vlan-any") as FlowModMessage;
    expect(any.match).toEqual([
      { name: "vlan_vid", value: 0x1000, mask: 0x1000 },
      { name: "vlan_pcp", value: 3 },
    ]);
  });

  it("delete with table ALL, out_port/out_group filters and a cookie mask", () => {
    const m = roundTripFixture("flow-mod-delete") as FlowModMessage;
    expect(m).toMatchObject({
      command: OFPFC.DELETE,
      tableId: 0xff,
      cookie: 0x10n,
      cookieMask: 0xffn,
      outPort: 2,
      outGroup: 9,
    });
    expect(m.instructions).toEqual([]);
  });

  it("an experimenter OXM stays opaque and round-trips", () => {
    const m = roundTripFixture("flow-mod-experimenter-oxm") as FlowModMessage;
    expect(m.match[2]).toMatchObject({ name: "opaque", oxmClass: 0xffff, hasMask: true });
  });
});

describe("FLOW_MOD property and malformed input", () => {
  it("decode(encode(m)) = m", () => {
    fc.assert(
      fc.property(flowModArb, (m) => {
        expect(decodeMessage(encodeMessage(m))).toEqual(m);
      }),
      { numRuns: 500 },
    );
  });
  it("every truncation (length patched) is an OfpError", () => expectTruncationsRejected(fixture("flow-mod-full")));
  it("a body shorter than the fixed part is BAD_REQUEST/BAD_LEN; a match length lie is BAD_MATCH/BAD_LEN", () => {
    const b = fixture("flow-mod-vlan-none");
    const short = b.slice(0, 40);
    new DataView(short.buffer).setUint16(2, 40);
    expectOfpError(() => decodeMessage(short), "BAD_REQUEST/BAD_LEN");
    const lie = b.slice();
    new DataView(lie.buffer).setUint16(50, 0x200); // ofp_match.length
    expectOfpError(() => decodeMessage(lie), "BAD_MATCH/BAD_LEN");
    const std = b.slice();
    new DataView(std.buffer).setUint16(48, 0); // OFPMT_STANDARD
    expectOfpError(() => decodeMessage(std), "BAD_MATCH/BAD_TYPE");
  });
});
