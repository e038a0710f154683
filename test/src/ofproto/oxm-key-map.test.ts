import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { OxmBasic } from "../../../openflow/match/match.ts";
import { OXM_FIELDS, type OxmName } from "../../../openflow/match/oxm-fields.ts";
import { KEY, KeyMask, PRESENT } from "../../../src/datapath/flow-key.ts";
import {
  compileMatch,
  fieldInKey,
  fieldMatches,
  readField,
  unwildcardField,
  writeField,
} from "../../../src/ofproto/oxm-key-map.ts";
import { flowOf, ip4, ip6, mac } from "./flow-fixtures.ts";
import { flowArb, mixOnMask } from "./rule-arbitraries.ts";

const tcp4 = () =>
  flowOf({
    inPort: 7,
    vlan: { vid: 100, pcp: 5 },
    l3: { kind: "ipv4", src: ip4(10, 0, 0, 1), dst: ip4(10, 0, 0, 2), proto: 6, tos: (46 << 2) | 1 },
    l4: { kind: "tcp", src: 1234, dst: 80 },
  });

function maskOf(build: (wc: KeyMask) => void): number[] {
  const wc = new KeyMask();
  build(wc);
  return Array.from(wc.bytes);
}

describe("readField", () => {
  it("reads L2, VLAN, IPv4 and TCP fields from where the parser puts them", () => {
    const f = tcp4();
    expect(readField(f, "in_port")).toBe(7); // the OpenFlow port, not the datapath port (107)
    expect(readField(f, "eth_dst")).toEqual(Uint8Array.from(mac(0xdd)));
    expect(readField(f, "eth_type")).toBe(0x0800);
    expect(readField(f, "vlan_vid")).toBe(0x1000 | 100);
    expect(readField(f, "vlan_pcp")).toBe(5);
    expect(readField(f, "ip_dscp")).toBe(46);
    expect(readField(f, "ip_ecn")).toBe(1);
    expect(readField(f, "ip_proto")).toBe(6);
    expect(readField(f, "ipv4_src")).toBe(ip4(10, 0, 0, 1));
    expect(readField(f, "ipv4_dst")).toBe(ip4(10, 0, 0, 2));
    expect(readField(f, "tcp_src")).toBe(1234);
    expect(readField(f, "tcp_dst")).toBe(80);
    expect(readField(f, "metadata")).toBe(0n);
    expect(readField(f, "tunnel_id")).toBe(0n);
  });

  it("returns undefined for layers the packet lacks, and OFPVID_NONE when untagged", () => {
    const f = flowOf({ l3: { kind: "ipv4", src: 1, dst: 2, proto: 17 }, l4: { kind: "udp", src: 53, dst: 53 } });
    expect(readField(f, "tcp_src")).toBeUndefined();
    expect(readField(f, "udp_src")).toBe(53);
    expect(readField(f, "ipv6_src")).toBeUndefined();
    expect(readField(f, "arp_op")).toBeUndefined();
    expect(readField(f, "vlan_vid")).toBe(0);
    expect(readField(f, "vlan_pcp")).toBeUndefined();
    expect(readField(f, "mpls_label")).toBeUndefined();
  });

  it("reads ARP, IPv6, ICMP and ND fields", () => {
    const arp = flowOf({ l3: { kind: "arp", op: 2, spa: ip4(1, 2, 3, 4), tpa: ip4(5, 6, 7, 8), tha: mac(9) } });
    expect(readField(arp, "arp_op")).toBe(2);
    expect(readField(arp, "arp_spa")).toBe(ip4(1, 2, 3, 4));
    expect(readField(arp, "arp_tpa")).toBe(ip4(5, 6, 7, 8));
    expect(readField(arp, "arp_sha")).toEqual(Uint8Array.from(mac(0x55)));
    expect(readField(arp, "arp_tha")).toEqual(Uint8Array.from(mac(9)));
    const v6 = flowOf({
      l3: { kind: "ipv6", src: ip6(1), dst: ip6(2), proto: 58, label: 0xabcde },
      l4: { kind: "icmp", type: 135, code: 0 },
    });
    expect(readField(v6, "ipv6_src")).toEqual(Uint8Array.from(ip6(1)));
    expect(readField(v6, "ipv6_flabel")).toBe(0xabcde);
    expect(readField(v6, "icmpv6_type")).toBe(135);
    expect(readField(v6, "icmpv4_type")).toBeUndefined();
    expect(readField(v6, "ipv6_nd_target")).toBeUndefined(); // no PRESENT.ND yet
    const nd = v6.clone();
    nd.key.set(ip6(9), KEY.ND_TARGET);
    nd.key.set(mac(4), KEY.ARP_SHA);
    new DataView(nd.key.buffer, nd.key.byteOffset).setUint32(KEY.PRESENT, v6.present | PRESENT.ND, true);
    expect(readField(nd, "ipv6_nd_target")).toEqual(Uint8Array.from(ip6(9)));
    expect(readField(nd, "ipv6_nd_sll")).toEqual(Uint8Array.from(mac(4)));
    const icmp4 = flowOf({ l3: { kind: "ipv4", src: 1, dst: 2, proto: 1 }, l4: { kind: "icmp", type: 8, code: 3 } });
    expect(readField(icmp4, "icmpv4_type")).toBe(8);
    expect(readField(icmp4, "icmpv4_code")).toBe(3);
  });
});

describe("fieldMatches", () => {
  const f = tcp4();
  const untagged = flowOf();
  it("honours masks and OFPVID_PRESENT semantics", () => {
    const m = (o: OxmBasic, flow = f) => fieldMatches(flow, o);
    expect(m({ name: "ipv4_dst", value: ip4(10, 0, 0, 0), mask: 0xffffff00 })).toBe(true);
    expect(m({ name: "ipv4_dst", value: ip4(10, 0, 1, 0), mask: 0xffffff00 })).toBe(false);
    expect(m({ name: "vlan_vid", value: 0 })).toBe(false);
    expect(m({ name: "vlan_vid", value: 0 }, untagged)).toBe(true);
    expect(m({ name: "vlan_vid", value: 0x1000, mask: 0x1000 })).toBe(true);
    expect(m({ name: "vlan_vid", value: 0x1000, mask: 0x1000 }, untagged)).toBe(false);
    expect(m({ name: "vlan_vid", value: 0x1000 | 100 })).toBe(true);
    expect(m({ name: "vlan_vid", value: 0x1000 | 101 })).toBe(false);
    expect(m({ name: "tcp_dst", value: 80 })).toBe(true);
    expect(m({ name: "udp_dst", value: 80 })).toBe(false); // same key bytes, but no UDP layer
    expect(m({ name: "metadata", value: 0n, mask: 0n }, untagged)).toBe(true);
    expect(m({ name: "mpls_label", value: 0 })).toBe(false);
  });
});

describe("unwildcardField", () => {
  it("records the field's span and its layer's presence bits", () => {
    const presentByte = (bits: number) => (wc: KeyMask) => wc.presentBits(bits);
    expect(maskOf((wc) => unwildcardField(wc, "eth_dst"))).toEqual(
      maskOf((wc) => presentByte(PRESENT.ETH)(wc.ethDst())),
    );
    expect(maskOf((wc) => unwildcardField(wc, "in_port"))).toEqual(maskOf((wc) => wc.inPort()));
    expect(maskOf((wc) => unwildcardField(wc, "metadata"))).toEqual(maskOf(() => {}));
    const vid = new KeyMask();
    unwildcardField(vid, "vlan_vid");
    expect([vid.bytes[KEY.VLAN_TCI], vid.bytes[KEY.VLAN_TCI + 1]]).toEqual([0x0f, 0xff]);
    expect(vid.bytes[KEY.PRESENT] & PRESENT.VLAN).toBe(PRESENT.VLAN);
    const pcp = new KeyMask();
    unwildcardField(pcp, "vlan_pcp");
    expect([pcp.bytes[KEY.VLAN_TCI], pcp.bytes[KEY.VLAN_TCI + 1]]).toEqual([0xe0, 0]);
    const dscp = new KeyMask();
    unwildcardField(dscp, "ip_dscp");
    expect(dscp.bytes[KEY.IP_TOS]).toBe(0xfc);
    const pfx = new KeyMask();
    unwildcardField(pfx, "ipv4_dst", 0xffffff00);
    expect(Array.from(pfx.bytes.subarray(KEY.NW_DST, KEY.NW_DST + 5))).toEqual([0xff, 0xff, 0xff, 0, 0]);
  });

  const readable = OXM_FIELDS.map((f) => f.name).filter(fieldInKey);
  it("property: flows that agree on the recorded bits read the same value", () => {
    fc.assert(
      fc.property(fc.constantFrom(...readable), flowArb, flowArb, (name: OxmName, f, other) => {
        const wc = new KeyMask();
        unwildcardField(wc, name);
        const g = mixOnMask(f, other, wc);
        expect(readField(g, name)).toEqual(readField(f, name));
      }),
      { numRuns: 3000 },
    );
  });
});

describe("writeField", () => {
  it("writes a field the packet has, and reads it back", () => {
    const f = tcp4();
    expect(writeField(f, { name: "ipv4_dst", value: ip4(192, 168, 1, 1) })).toBe(true);
    expect(readField(f, "ipv4_dst")).toBe(ip4(192, 168, 1, 1));
    expect(writeField(f, { name: "vlan_vid", value: 0x1000 | 7 })).toBe(true);
    expect(readField(f, "vlan_vid")).toBe(0x1000 | 7);
    expect(readField(f, "vlan_pcp")).toBe(5); // untouched neighbour bits
    expect(writeField(f, { name: "ip_dscp", value: 10 })).toBe(true);
    expect(readField(f, "ip_ecn")).toBe(1);
    expect(writeField(f, { name: "eth_src", value: Uint8Array.from(mac(0x77)) })).toBe(true);
    expect(f.key.subarray(KEY.ETH_SRC, KEY.ETH_SRC + 6)).toEqual(Uint8Array.from(mac(0x77)));
    expect(writeField(f, { name: "metadata", value: 5n })).toBe(true);
    expect(f.metadata).toBe(5n);
    expect(writeField(f, { name: "tunnel_id", value: 9n })).toBe(true);
    expect(f.tunnelId).toBe(9n);
  });

  it("returns false, changing nothing, when the packet lacks the layer or the field is read-only", () => {
    const f = flowOf({ l3: { kind: "ipv4", src: 1, dst: 2, proto: 17 }, l4: { kind: "udp", src: 1, dst: 2 } });
    const before = f.bytes.slice();
    expect(writeField(f, { name: "tcp_src", value: 1 })).toBe(false);
    expect(writeField(f, { name: "vlan_vid", value: 0x1005 })).toBe(false);
    expect(writeField(f, { name: "vlan_pcp", value: 3 })).toBe(false);
    expect(writeField(f, { name: "in_port", value: 3 })).toBe(false);
    expect(writeField(f, { name: "mpls_label", value: 3 })).toBe(false);
    expect(writeField(f, { name: "arp_op", value: 1 })).toBe(false);
    expect(f.bytes).toEqual(before);
  });
});

describe("compileMatch", () => {
  it("is unsatisfiable for fields the key lacks and contradictions; arp_op has all 16 bits", () => {
    expect(
      compileMatch([
        { name: "eth_type", value: 0x88e7 },
        { name: "pbb_isid", value: 1 },
      ]),
    ).toBeUndefined();
    const op = compileMatch([
      { name: "eth_type", value: 0x0806 },
      { name: "arp_op", value: 0x101 },
    ]);
    expect(Array.from(op?.mask.subarray(KEY.ARP_OP, KEY.ARP_OP + 2) ?? [])).toEqual([0xff, 0xff]);
    expect(Array.from(op?.value.subarray(KEY.ARP_OP, KEY.ARP_OP + 2) ?? [])).toEqual([1, 1]);
    const arp = flowOf({ l3: { kind: "arp", op: 0x101, spa: 1, tpa: 2 } });
    expect(readField(arp, "arp_op")).toBe(0x101);
    expect(fieldMatches(arp, { name: "arp_op", value: 1 })).toBe(false);
    expect(
      compileMatch([
        { name: "in_port", value: 1 },
        { name: "in_phy_port", value: 2 },
      ]),
    ).toBeUndefined();
    expect(
      compileMatch([
        { name: "in_port", value: 1 },
        { name: "in_phy_port", value: 1 },
      ]),
    ).toBeDefined();
    expect(compileMatch([{ name: "mpls_label", value: 0, mask: 0 } as OxmBasic])).toBeDefined();
  });

  it("MPLS label, tc and bos are bit spans of the top entry (KEY.MPLS_LSE) under PRESENT.MPLS", () => {
    const f = flowOf({ l3: { kind: "mpls", label: 0xabcde, tc: 5, bos: 1, ttl: 9 } });
    expect([readField(f, "mpls_label"), readField(f, "mpls_tc"), readField(f, "mpls_bos")]).toEqual([0xabcde, 5, 1]);
    const c = compileMatch([
      { name: "eth_type", value: 0x8847 },
      { name: "mpls_label", value: 0xabcde },
      { name: "mpls_tc", value: 5 },
      { name: "mpls_bos", value: 1 },
    ]);
    expect(c).toBeDefined();
    const lse = c?.mask.subarray(KEY.MPLS_LSE, KEY.MPLS_LSE + 4);
    expect(Array.from(lse ?? [])).toEqual([0xff, 0xff, 0xff, 0x00]); // the TTL byte is not matched
    const wc = new KeyMask();
    unwildcardField(wc, "mpls_tc");
    expect(Array.from(wc.bytes.subarray(KEY.MPLS_LSE, KEY.MPLS_LSE + 4))).toEqual([0, 0, 0x0e, 0]);
    expect(writeField(f, { name: "mpls_label", value: 16 })).toBe(true);
    expect([readField(f, "mpls_label"), readField(f, "mpls_tc"), f.bytes[KEY.MPLS_LSE + 3]]).toEqual([16, 5, 9]);
    const ip = flowOf({ l3: { kind: "ipv4", src: 1, dst: 2, proto: 6 } });
    expect(fieldMatches(ip, { name: "mpls_label", value: 0 })).toBe(false);
  });

  it("property: a compiled match accepts exactly the flows every OXM matches", () => {
    const matches: OxmBasic[][] = [
      [{ name: "vlan_vid", value: 0 }],
      [{ name: "vlan_vid", value: 0x1000, mask: 0x1000 }],
      [
        { name: "vlan_vid", value: 0x100a },
        { name: "vlan_pcp", value: 3 },
      ],
      [
        { name: "eth_type", value: 0x0800 },
        { name: "ip_dscp", value: 1 },
        { name: "ip_proto", value: 6 },
      ],
      [
        { name: "eth_type", value: 0x86dd },
        { name: "ip_proto", value: 58 },
        { name: "icmpv6_type", value: 22 },
      ],
      [
        { name: "eth_type", value: 0x0806 },
        { name: "arp_op", value: 2 },
      ],
      [
        { name: "in_port", value: 2 },
        { name: "metadata", value: 0x10n, mask: 0xf0n },
      ],
    ];
    fc.assert(
      fc.property(fc.constantFrom(...matches), flowArb, (m, f) => {
        const c = compileMatch(m);
        if (!c) throw new Error("compiles");
        const viaKey = c.mask.every((b, i) => (f.bytes[i] & b) === c.value[i]);
        expect(viaKey).toBe(m.every((o) => fieldMatches(f, o)));
      }),
      { numRuns: 3000 },
    );
  });
});
