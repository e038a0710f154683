import { describe, expect, it } from "vitest";
import { OXM_FIELDS, oxmFieldByNumber } from "../../../openflow/match/oxm-fields.ts";

// OpenFlow 1.3.5 Table 12: field number, bits, maskable (written out from the spec).
const SPEC: Array<[string, number, number, boolean]> = [
  ["in_port", 0, 32, false],
  ["in_phy_port", 1, 32, false],
  ["metadata", 2, 64, true],
  ["eth_dst", 3, 48, true],
  ["eth_src", 4, 48, true],
  ["eth_type", 5, 16, false],
  ["vlan_vid", 6, 13, true],
  ["vlan_pcp", 7, 3, false],
  ["ip_dscp", 8, 6, false],
  ["ip_ecn", 9, 2, false],
  ["ip_proto", 10, 8, false],
  ["ipv4_src", 11, 32, true],
  ["ipv4_dst", 12, 32, true],
  ["tcp_src", 13, 16, false],
  ["tcp_dst", 14, 16, false],
  ["udp_src", 15, 16, false],
  ["udp_dst", 16, 16, false],
  ["sctp_src", 17, 16, false],
  ["sctp_dst", 18, 16, false],
  ["icmpv4_type", 19, 8, false],
  ["icmpv4_code", 20, 8, false],
  ["arp_op", 21, 16, false],
  ["arp_spa", 22, 32, true],
  ["arp_tpa", 23, 32, true],
  ["arp_sha", 24, 48, true],
  ["arp_tha", 25, 48, true],
  ["ipv6_src", 26, 128, true],
  ["ipv6_dst", 27, 128, true],
  ["ipv6_flabel", 28, 20, true],
  ["icmpv6_type", 29, 8, false],
  ["icmpv6_code", 30, 8, false],
  ["ipv6_nd_target", 31, 128, false],
  ["ipv6_nd_sll", 32, 48, false],
  ["ipv6_nd_tll", 33, 48, false],
  ["mpls_label", 34, 20, false],
  ["mpls_tc", 35, 3, false],
  ["mpls_bos", 36, 1, false],
  ["pbb_isid", 37, 24, true],
  ["tunnel_id", 38, 64, true],
  ["ipv6_exthdr", 39, 9, true],
];

describe("OXM field table", () => {
  it("has one row per OpenFlow 1.3 basic field, as in Table 12", () => {
    expect(OXM_FIELDS.map((f) => [f.name, f.field, f.bits, f.maskable])).toEqual(SPEC);
  });
  it("wire sizes hold the value bits (vlan_vid: 2 bytes for 12+1 bits, pbb_isid 3 bytes)", () => {
    for (const f of OXM_FIELDS) {
      expect(f.bits <= f.bytes * 8, f.name).toBe(true);
      expect(f.bytes * 8 - f.bits < 8 || f.name === "ipv6_flabel" || f.name === "mpls_label", f.name).toBe(true);
      expect(oxmFieldByNumber(f.field)).toBe(f);
    }
    expect(oxmFieldByNumber(40)).toBeUndefined();
  });
  it("read-only fields cannot be set", () => {
    expect(OXM_FIELDS.filter((f) => !f.settable).map((f) => f.name)).toEqual(["in_port", "in_phy_port", "ipv6_exthdr"]);
  });
});
