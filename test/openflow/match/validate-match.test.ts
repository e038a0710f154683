import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Match, type OxmBasic, validateMatch } from "../../../openflow/match/match.ts";
import { OXM_FIELDS, type OxmName, oxmFieldByName } from "../../../openflow/match/oxm-fields.ts";
import { oxmArb, validMatch } from "../arbitraries/flow.ts";
import { expectOfpError } from "../messages/flow-fixtures.ts";

const mac = Uint8Array.of(2, 0, 0, 0, 0, 1);
const v6 = new Uint8Array(16).fill(0x20);

/** A minimal value of the field's wire type. */
function sample(name: OxmName): OxmBasic {
  const info = oxmFieldByName(name);
  if (info.bytes === 6) return { name, value: mac };
  if (info.bytes === 16) return { name, value: v6 };
  if (info.bytes === 8) return { name, value: 1n };
  return { name, value: name === "vlan_vid" ? 0x1001 : 1 };
}

/** The field preceded by the whole chain of its prerequisites, each satisfied with its first value. */
function withPrereqs(name: OxmName): Match {
  const p = oxmFieldByName(name).prereq;
  if (!p) return [sample(name)];
  const dep: OxmBasic = p.vidPresent
    ? { name: "vlan_vid", value: 0x1005 }
    : p.anyOf
      ? { name: p.field, value: p.anyOf[0] }
      : sample(p.field);
  return [...withPrereqs(p.field).filter((o) => (o as OxmBasic).name !== p.field), dep, sample(name)];
}

// OpenFlow 1.3.5 Table 12, written out independently of oxm-fields.ts.
const SPEC_PREREQS: Partial<Record<OxmName, string>> = {
  in_phy_port: "in_port",
  vlan_pcp: "vlan_vid!=NONE",
  ip_dscp: "eth_type=0x800|0x86dd",
  ip_ecn: "eth_type=0x800|0x86dd",
  ip_proto: "eth_type=0x800|0x86dd",
  ipv4_src: "eth_type=0x800",
  ipv4_dst: "eth_type=0x800",
  tcp_src: "ip_proto=6",
  tcp_dst: "ip_proto=6",
  udp_src: "ip_proto=17",
  udp_dst: "ip_proto=17",
  sctp_src: "ip_proto=132",
  sctp_dst: "ip_proto=132",
  icmpv4_type: "ip_proto=1",
  icmpv4_code: "ip_proto=1",
  arp_op: "eth_type=0x806",
  arp_spa: "eth_type=0x806",
  arp_tpa: "eth_type=0x806",
  arp_sha: "eth_type=0x806",
  arp_tha: "eth_type=0x806",
  ipv6_src: "eth_type=0x86dd",
  ipv6_dst: "eth_type=0x86dd",
  ipv6_flabel: "eth_type=0x86dd",
  icmpv6_type: "ip_proto=58",
  icmpv6_code: "ip_proto=58",
  ipv6_nd_target: "icmpv6_type=135|136",
  ipv6_nd_sll: "icmpv6_type=135",
  ipv6_nd_tll: "icmpv6_type=136",
  mpls_label: "eth_type=0x8847|0x8848",
  mpls_tc: "eth_type=0x8847|0x8848",
  mpls_bos: "eth_type=0x8847|0x8848",
  pbb_isid: "eth_type=0x88e7",
  ipv6_exthdr: "eth_type=0x86dd",
};

describe("prerequisites, field by field (Table 12)", () => {
  it("the table states exactly the spec's prerequisites", () => {
    for (const f of OXM_FIELDS) {
      const p = f.prereq;
      const show = (v: number) => (p?.field === "eth_type" ? `0x${v.toString(16)}` : String(v));
      const values = p?.anyOf ? `=${p.anyOf.map(show).join("|")}` : "";
      const text = !p ? undefined : p.vidPresent ? "vlan_vid!=NONE" : `${p.field}${values}`;
      expect(text, f.name).toBe(SPEC_PREREQS[f.name]);
    }
  });

  for (const f of OXM_FIELDS) {
    const p = f.prereq;
    if (!p) continue;
    it(`${f.name} requires ${SPEC_PREREQS[f.name]}`, () => {
      const ok = withPrereqs(f.name);
      validateMatch(ok);
      // missing
      expectOfpError(() => validateMatch(ok.filter((o) => (o as OxmBasic).name !== p.field)), "BAD_MATCH/BAD_PREREQ");
      // present with a wrong value
      if (p.anyOf) {
        const wrong = ok.map((o) => ((o as OxmBasic).name === p.field ? { ...o, value: 0x77 } : o)) as Match;
        expectOfpError(() => validateMatch(wrong), "BAD_MATCH/BAD_PREREQ");
      }
      // every value the spec allows is accepted
      for (const v of p.anyOf ?? []) {
        validateMatch(ok.map((o) => ((o as OxmBasic).name === p.field ? { ...o, value: v } : o)) as Match);
      }
    });
  }

  it("vlan_pcp: vlan_vid NONE fails, ANY (present/present) and a VID pass, present bit masked off fails", () => {
    const pcp: OxmBasic = { name: "vlan_pcp", value: 3 };
    expectOfpError(() => validateMatch([{ name: "vlan_vid", value: 0 }, pcp]), "BAD_MATCH/BAD_PREREQ");
    validateMatch([{ name: "vlan_vid", value: 0x1000, mask: 0x1000 }, pcp]);
    validateMatch([{ name: "vlan_vid", value: 0x100a }, pcp]);
    expectOfpError(() => validateMatch([{ name: "vlan_vid", value: 0, mask: 0x0fff }, pcp]), "BAD_MATCH/BAD_PREREQ");
  });

  it("a masked prerequisite does not satisfy an exact one", () => {
    // eth_type is not maskable, so use the chain ip_proto → eth_type with eth_type masked
    const m: Match = [
      { name: "eth_type", value: 0x0800, mask: 0xffff },
      { name: "ip_proto", value: 6 },
    ];
    expectOfpError(() => validateMatch(m), "BAD_MATCH/BAD_MASK");
  });

  it("prerequisite order is not enforced (as Open vSwitch)", () => {
    validateMatch([
      { name: "tcp_dst", value: 80 },
      { name: "ip_proto", value: 6 },
      { name: "eth_type", value: 0x0800 },
    ]);
  });
});

describe("validateMatch error codes", () => {
  it("BAD_FIELD: an opaque (experimenter or unknown) OXM", () => {
    expectOfpError(
      () => validateMatch([{ name: "opaque", oxmClass: 0xffff, field: 1, hasMask: false, payload: new Uint8Array(4) }]),
      "BAD_MATCH/BAD_FIELD",
    );
    expectOfpError(
      () =>
        validateMatch([{ name: "opaque", oxmClass: 0x8000, field: 40, hasMask: false, payload: new Uint8Array(1) }]),
      "BAD_MATCH/BAD_FIELD",
    );
  });
  it("DUP_FIELD: a field twice", () => {
    expectOfpError(
      () =>
        validateMatch([
          { name: "in_port", value: 1 },
          { name: "in_port", value: 2 },
        ]),
      "BAD_MATCH/DUP_FIELD",
    );
  });
  it("BAD_VALUE: bits beyond the field's range", () => {
    const cases: Array<[OxmName, number]> = [
      ["vlan_pcp", 8],
      ["ip_dscp", 64],
      ["ip_ecn", 4],
      ["mpls_label", 1 << 20],
      ["mpls_tc", 8],
      ["mpls_bos", 2],
      ["ipv6_flabel", 1 << 20],
      ["ipv6_exthdr", 1 << 9],
      ["vlan_vid", 0x2000],
    ];
    for (const [name, value] of cases) {
      expectOfpError(
        () => validateMatch(withPrereqs(name).map((o) => ((o as OxmBasic).name === name ? { name, value } : o))),
        "BAD_MATCH/BAD_VALUE",
      );
    }
  });
  it("BAD_VALUE: an unmasked vlan_vid with VID bits but no OFPVID_PRESENT", () => {
    expectOfpError(() => validateMatch([{ name: "vlan_vid", value: 0x00a }]), "BAD_MATCH/BAD_VALUE");
  });
  it("BAD_MASK: a mask on a field that cannot be masked, or wider than the field", () => {
    expectOfpError(() => validateMatch([{ name: "in_port", value: 1, mask: 1 }]), "BAD_MATCH/BAD_MASK");
    expectOfpError(() => validateMatch([{ name: "vlan_vid", value: 0x1000, mask: 0xf000 }]), "BAD_MATCH/BAD_MASK");
  });
  it("BAD_WILDCARDS: a 1-bit in the value under a 0-bit of the mask (§7.2.3.5)", () => {
    const m: Match = [
      { name: "eth_type", value: 0x0800 },
      { name: "ipv4_src", value: 0xc0a80001, mask: 0xffffff00 },
    ];
    expectOfpError(() => validateMatch(m), "BAD_MATCH/BAD_WILDCARDS");
    expectOfpError(() => validateMatch([{ name: "metadata", value: 3n, mask: 1n }]), "BAD_MATCH/BAD_WILDCARDS");
  });
  it("accepts every arbitrary valid match", () => {
    fc.assert(
      fc.property(validMatch, (m) => validateMatch(m)),
      { numRuns: 3000 },
    );
  });
  it("rejects an arbitrary valid match with any field repeated", () => {
    fc.assert(
      fc.property(
        validMatch.filter((m) => m.length > 0),
        fc.nat(),
        (m, i) => {
          const dup = [...m, m[i % m.length]];
          expectOfpError(() => validateMatch(dup), "BAD_MATCH/DUP_FIELD");
        },
      ),
    );
  });
  it("oxmArb respects the table (masks only where allowed)", () => {
    for (const f of OXM_FIELDS) {
      fc.assert(
        fc.property(oxmArb(f.name), (o) => o.mask === undefined || f.maskable),
        { numRuns: 20 },
      );
    }
  });
});
