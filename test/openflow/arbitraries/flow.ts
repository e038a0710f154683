// fast-check arbitraries for matches, actions, instructions and the flow-related messages.
// validMatch() builds matches that pass validateMatch: a protocol stack is chosen first
// (eth_type, then ip_proto, then ICMPv6 type) so every prerequisite holds, and fields come in
// OXM field-number order (the order parseMatch returns).

import fc from "fast-check";
import type { Action } from "../../../openflow/actions/actions.ts";
import type { Instruction } from "../../../openflow/instructions.ts";
import type { Match, Oxm, OxmBasic } from "../../../openflow/match/match.ts";
import { type OxmName, type OxmValue, oxmFieldByName, oxmValueKind } from "../../../openflow/match/oxm-fields.ts";
import type { Bucket } from "../../../openflow/messages/group-buckets.ts";

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });

export function valueArb(name: OxmName): fc.Arbitrary<OxmValue> {
  const info = oxmFieldByName(name);
  const kind = oxmValueKind(info);
  if (kind === "bigint") return u64;
  if (kind === "bytes") return fc.uint8Array({ minLength: info.bytes, maxLength: info.bytes });
  return fc.integer({ min: 0, max: 2 ** info.bits - 1 });
}

function and(v: OxmValue, m: OxmValue): OxmValue {
  if (typeof v === "number") return (v & (m as number)) >>> 0;
  if (typeof v === "bigint") return v & (m as bigint);
  return v.map((b, i) => b & (m as Uint8Array)[i]);
}

/** An OXM of `name` with a valid value, masked (value ⊆ mask) when the field allows it. */
export function oxmArb(name: OxmName, allowMask = true): fc.Arbitrary<OxmBasic> {
  const exact = valueArb(name).map((value) => ({ name, value }));
  if (!allowMask || !oxmFieldByName(name).maskable) return exact;
  const masked = fc.tuple(valueArb(name), valueArb(name)).map(([v, m]) => ({ name, value: and(v, m), mask: m }));
  return fc.oneof(exact, masked);
}

const fixed = (name: OxmName, value: number): fc.Arbitrary<OxmBasic> => fc.constant({ name, value });
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const some = (...arbs: fc.Arbitrary<OxmBasic>[]) => fc.tuple(...arbs.map(opt));

const vlanArb: fc.Arbitrary<OxmBasic[]> = fc.oneof(
  fc.constant<OxmBasic[]>([]),
  fc.constant<OxmBasic[]>([{ name: "vlan_vid", value: 0 }]),
  fc
    .tuple(fc.integer({ min: 0, max: 0xfff }), opt(fc.integer({ min: 0, max: 7 })))
    .map(([vid, pcp]) => [
      { name: "vlan_vid", value: 0x1000 | vid } as OxmBasic,
      ...(pcp === undefined ? [] : [{ name: "vlan_pcp", value: pcp } as OxmBasic]),
    ]),
  fc
    .tuple(fc.integer({ min: 0, max: 0xfff }), fc.integer({ min: 0, max: 0xffe }), opt(fc.integer({ min: 0, max: 7 })))
    .map(([vid, m, pcp]) => {
      const mask = 0x1000 | m; // never 0x1fff: that one formats as an exact dl_vlan
      return [
        { name: "vlan_vid", value: (0x1000 | vid) & mask, mask } as OxmBasic,
        ...(pcp === undefined ? [] : [{ name: "vlan_pcp", value: pcp } as OxmBasic]),
      ];
    }),
);

const l4Arb = (v6: boolean): fc.Arbitrary<OxmBasic[]> =>
  fc.oneof(
    fc.constant<OxmBasic[]>([]),
    fc.tuple(fc.constantFrom(6, 17, 132), fc.boolean(), fc.boolean()).chain(([p, s, d]) => {
      const l4 = p === 6 ? "tcp" : p === 17 ? "udp" : "sctp";
      return fc
        .tuple(
          fixed("ip_proto", p),
          opt(s ? oxmArb(`${l4}_src` as OxmName) : fc.constant(undefined)),
          d ? oxmArb(`${l4}_dst` as OxmName) : fc.constant(undefined),
        )
        .map((xs) => xs.filter((x): x is OxmBasic => x !== undefined));
    }),
    v6
      ? fc
          .tuple(fc.constantFrom(135, 136, 1, 128), opt(oxmArb("icmpv6_code")), fc.boolean(), fc.boolean())
          .chain(([t, code, tgt, ll]) =>
            fc
              .tuple(
                t === 135 || t === 136 ? opt(oxmArb("ipv6_nd_target")) : fc.constant(undefined),
                ll && t === 135
                  ? oxmArb("ipv6_nd_sll")
                  : ll && t === 136
                    ? oxmArb("ipv6_nd_tll")
                    : fc.constant(undefined),
              )
              .map(([target, lladdr]) =>
                [fixed0("ip_proto", 58), fixed0("icmpv6_type", t), code, tgt ? target : undefined, lladdr].filter(
                  (x): x is OxmBasic => x !== undefined,
                ),
              ),
          )
      : fc
          .tuple(opt(oxmArb("icmpv4_type")), opt(oxmArb("icmpv4_code")))
          .map(([t, c]) => [fixed0("ip_proto", 1), t, c].filter((x): x is OxmBasic => x !== undefined)),
    fc
      .integer({ min: 0, max: 255 })
      .filter((p) => ![1, 6, 17, 58, 132].includes(p))
      .map((p) => [fixed0("ip_proto", p)]),
  );

function fixed0(name: OxmName, value: number): OxmBasic {
  return { name, value };
}

const l3Arb: fc.Arbitrary<OxmBasic[]> = fc.oneof(
  fc.constant<OxmBasic[]>([]),
  fc
    .integer({ min: 0, max: 0xffff })
    .filter((t) => ![0x0800, 0x86dd, 0x0806, 0x8847, 0x8848, 0x88e7].includes(t))
    .map((t) => [fixed0("eth_type", t)]),
  fc
    .tuple(some(oxmArb("ip_dscp"), oxmArb("ip_ecn"), oxmArb("ipv4_src"), oxmArb("ipv4_dst")), l4Arb(false))
    .map(([xs, l4]) => [fixed0("eth_type", 0x0800), ...xs.filter(isOxm), ...l4]),
  fc
    .tuple(
      some(
        oxmArb("ip_dscp"),
        oxmArb("ip_ecn"),
        oxmArb("ipv6_src"),
        oxmArb("ipv6_dst"),
        oxmArb("ipv6_flabel"),
        oxmArb("ipv6_exthdr"),
      ),
      l4Arb(true),
    )
    .map(([xs, l4]) => [fixed0("eth_type", 0x86dd), ...xs.filter(isOxm), ...l4]),
  some(oxmArb("arp_op"), oxmArb("arp_spa"), oxmArb("arp_tpa"), oxmArb("arp_sha"), oxmArb("arp_tha")).map((xs) => [
    fixed0("eth_type", 0x0806),
    ...xs.filter(isOxm),
  ]),
  fc
    .tuple(fc.constantFrom(0x8847, 0x8848), some(oxmArb("mpls_label"), oxmArb("mpls_tc"), oxmArb("mpls_bos")))
    .map(([t, xs]) => [fixed0("eth_type", t), ...xs.filter(isOxm)]),
  opt(oxmArb("pbb_isid")).map((x) => [fixed0("eth_type", 0x88e7), ...(x ? [x] : [])]),
);

function isOxm(x: OxmBasic | undefined): x is OxmBasic {
  return x !== undefined;
}

/** A match that passes validateMatch, fields in OXM field-number order. */
export const validMatch: fc.Arbitrary<Match> = fc
  .tuple(
    fc.oneof(
      fc.constant<OxmBasic[]>([]),
      oxmArb("in_port").map((p) => [p]),
      fc.tuple(oxmArb("in_port"), oxmArb("in_phy_port")).map((xs) => [...xs]),
    ),
    some(oxmArb("metadata"), oxmArb("eth_dst"), oxmArb("eth_src"), oxmArb("tunnel_id")),
    vlanArb,
    l3Arb,
  )
  .map(([ports, misc, vlan, l3]) => {
    const all: Oxm[] = [...ports, ...misc.filter(isOxm), ...vlan, ...l3];
    return all.sort((a, b) => oxmFieldByName((a as OxmBasic).name).field - oxmFieldByName((b as OxmBasic).name).field);
  });

/** Any decodable match: valid ones plus opaque (experimenter-class) OXMs. */
export const anyMatch: fc.Arbitrary<Match> = fc
  .tuple(
    validMatch,
    fc.array(
      fc.record({
        field: fc.integer({ min: 0, max: 127 }),
        hasMask: fc.boolean(),
        payload: fc.uint8Array({ minLength: 4, maxLength: 20 }),
      }),
      { maxLength: 2 },
    ),
  )
  .map(([m, opaque]) => [...m, ...opaque.map((o) => ({ name: "opaque" as const, oxmClass: 0xffff, ...o }))]);

const SETTABLE = [
  "eth_dst",
  "eth_src",
  "vlan_vid",
  "vlan_pcp",
  "ip_dscp",
  "ipv4_dst",
  "tcp_src",
  "ipv6_src",
  "ipv6_flabel",
  "mpls_label",
  "mpls_bos",
  "pbb_isid",
  "tunnel_id",
  "metadata",
  "arp_sha",
] as const;

export const actionArb: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ type: fc.constant("output" as const), port: u32, maxLen: u16 }),
  fc.record({ type: fc.constant("group" as const), groupId: u32 }),
  fc.record({ type: fc.constant("set_queue" as const), queueId: u32 }),
  fc.record({ type: fc.constantFrom("set_mpls_ttl" as const, "set_nw_ttl" as const), ttl: u8 }),
  fc.record({ type: fc.constant("push_vlan" as const), ethertype: fc.constantFrom(0x8100, 0x88a8) }),
  fc.record({ type: fc.constant("push_mpls" as const), ethertype: fc.constantFrom(0x8847, 0x8848) }),
  fc.record({ type: fc.constant("push_pbb" as const), ethertype: fc.constant(0x88e7) }),
  fc.record({ type: fc.constant("pop_mpls" as const), ethertype: u16 }),
  fc.record({
    type: fc.constantFrom(
      "copy_ttl_out" as const,
      "copy_ttl_in" as const,
      "dec_mpls_ttl" as const,
      "pop_vlan" as const,
      "dec_nw_ttl" as const,
      "pop_pbb" as const,
    ),
  }),
  fc
    .constantFrom(...SETTABLE)
    .chain((n) => oxmArb(n, false))
    // set-field vlan_vid carries OFPVID_PRESENT (a tag is being written)
    .map((f) => (f.name === "vlan_vid" ? { ...f, value: (f.value as number) | 0x1000 } : f))
    .map((field) => ({ type: "set_field" as const, field })),
  fc.record({
    type: fc.constant("experimenter" as const),
    experimenter: u32,
    data: fc.integer({ min: 0, max: 3 }).chain((k) => fc.uint8Array({ minLength: 8 * k, maxLength: 8 * k })),
  }),
);

export const actionsArb = fc.array(actionArb, { maxLength: 8 });

export const instructionArb: fc.Arbitrary<Instruction> = fc.oneof(
  fc.record({ type: fc.constant("goto_table" as const), tableId: u8 }),
  fc.record({ type: fc.constant("write_metadata" as const), metadata: u64, mask: u64 }),
  fc.record({ type: fc.constantFrom("write_actions" as const, "apply_actions" as const), actions: actionsArb }),
  fc.constant({ type: "clear_actions" as const }),
  fc.record({ type: fc.constant("meter" as const), meterId: u32 }),
  fc.record({
    type: fc.constant("experimenter" as const),
    experimenter: u32,
    data: fc.integer({ min: 0, max: 2 }).chain((k) => fc.uint8Array({ minLength: 8 * k, maxLength: 8 * k })),
  }),
);

export const instructionsArb = fc.array(instructionArb, { maxLength: 5 });

export const bucketArb: fc.Arbitrary<Bucket> = fc.record({
  weight: u16,
  watchPort: u32,
  watchGroup: u32,
  actions: actionsArb,
});

export const ints = { u8, u16, u32, u64 };
