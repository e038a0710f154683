// fast-check arbitraries for whole flows (FlowSpec, openflow/flow-format.ts) that ovs-ofctl 3.1
// also accepts: each flow picks a protocol kind first, and the match, the set-field actions and
// the instructions come from pools consistent with it (OVS checks set-field and dec_ttl
// prerequisites against the match), with ports and ids in the ranges OVS takes (ports
// 1..65279). Matches come in OXM field order, as parseMatch returns them.

import fc from "fast-check";
import type { Action } from "../../../openflow/actions/actions.ts";
import { OFPP } from "../../../openflow/constants.ts";
import { emptyFlowSpec, type FlowSpec } from "../../../openflow/flow-format.ts";
import type { Instruction } from "../../../openflow/instructions.ts";
import type { OxmBasic } from "../../../openflow/match/match.ts";
import { oxmFieldByName } from "../../../openflow/match/oxm-fields.ts";

type Kind = "none" | "vlan" | "ip" | "tcp" | "udp" | "arp" | "ipv6";

const u8 = fc.integer({ min: 0, max: 255 });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const ofPort = fc.integer({ min: 1, max: 65279 });
const mac = fc.uint8Array({ minLength: 6, maxLength: 6 });
const ipv4 = u32;
const ipv6 = fc.uint8Array({ minLength: 16, maxLength: 16 });
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

const prefix = (len: number) => (len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0);
const ipv4Prefix = fc
  .tuple(ipv4, fc.integer({ min: 1, max: 31 }))
  .map(([v, len]) => ({ value: (v & prefix(len)) >>> 0, mask: prefix(len) }));

const basic = (name: OxmBasic["name"], value: OxmBasic["value"], mask?: OxmBasic["value"]): OxmBasic =>
  mask === undefined ? { name, value } : { name, value, mask };

function kindFields(kind: Kind): fc.Arbitrary<OxmBasic[]> {
  const list = (...arbs: fc.Arbitrary<OxmBasic | undefined>[]) =>
    fc.tuple(...arbs).map((xs) => xs.filter((x): x is OxmBasic => x !== undefined));
  switch (kind) {
    case "vlan":
      return list(
        fc.integer({ min: 0, max: 4095 }).map((vid) => basic("vlan_vid", 0x1000 | vid)),
        opt(fc.integer({ min: 0, max: 7 }).map((p) => basic("vlan_pcp", p))),
      );
    case "ip":
    case "tcp":
    case "udp": {
      const l4 =
        kind === "ip"
          ? fc.constant<OxmBasic[]>([])
          : fc
              .tuple(fc.constant(kind), opt(u16))
              .map(([k, p]) => [
                basic("ip_proto", k === "tcp" ? 6 : 17),
                ...(p === undefined ? [] : [basic(k === "tcp" ? "tcp_dst" : "udp_dst", p)]),
              ]);
      return fc
        .tuple(
          list(
            fc.constant(basic("eth_type", 0x0800)),
            opt(ipv4Prefix.map((p) => basic("ipv4_src", p.value, p.mask))),
            opt(ipv4.map((v) => basic("ipv4_dst", v))),
            opt(fc.integer({ min: 0, max: 63 }).map((d) => basic("ip_dscp", d))),
          ),
          l4,
        )
        .map(([a, b]) => [...a, ...b]);
    }
    case "arp":
      return list(
        fc.constant(basic("eth_type", 0x0806)),
        opt(fc.integer({ min: 1, max: 2 }).map((op) => basic("arp_op", op))),
        opt(ipv4.map((v) => basic("arp_spa", v))),
      );
    case "ipv6":
      return list(fc.constant(basic("eth_type", 0x86dd)), opt(ipv6.map((v) => basic("ipv6_dst", v))));
    default:
      return fc.constant([]);
  }
}

const matchArb = (kind: Kind) =>
  fc
    .tuple(
      opt(ofPort.map((p) => basic("in_port", p))),
      opt(mac.map((m) => basic("eth_src", m))),
      opt(fc.tuple(u64, u64).filter(([, m]) => m !== (1n << 64n) - 1n && m !== 0n)),
      kindFields(kind),
    )
    .map(([inPort, src, meta, rest]) => {
      const all = [
        inPort,
        src,
        meta === undefined ? undefined : basic("metadata", meta[0] & meta[1], meta[1]),
        ...rest,
      ];
      return all
        .filter((x): x is OxmBasic => x !== undefined)
        .sort((a, b) => oxmFieldByName(a.name).field - oxmFieldByName(b.name).field);
    });

const setField = (name: OxmBasic["name"], value: fc.Arbitrary<OxmBasic["value"]>): fc.Arbitrary<Action> =>
  value.map((v) => ({ type: "set_field", field: basic(name, v) }));

function rewrites(kind: Kind): fc.Arbitrary<Action> {
  const common = [setField("eth_src", mac), setField("eth_dst", mac)];
  switch (kind) {
    case "ip":
    case "tcp":
    case "udp":
      return fc.oneof(
        ...common,
        setField("ipv4_src", ipv4),
        setField("ipv4_dst", ipv4),
        setField("ip_dscp", fc.integer({ min: 0, max: 63 })),
        fc.constant<Action>({ type: "dec_nw_ttl" }),
        u8.map<Action>((ttl) => ({ type: "set_nw_ttl", ttl })),
        ...(kind === "tcp" ? [setField("tcp_src", u16), setField("tcp_dst", u16)] : []),
        ...(kind === "udp" ? [setField("udp_dst", u16)] : []),
      );
    case "vlan":
      return fc.oneof(
        ...common,
        setField(
          "vlan_vid",
          fc.integer({ min: 0, max: 4095 }).map((v) => 0x1000 | v),
        ),
        setField("vlan_pcp", fc.integer({ min: 0, max: 7 })),
      );
    case "arp":
      return fc.oneof(...common, setField("arp_tpa", ipv4), setField("arp_sha", mac));
    case "ipv6":
      return fc.oneof(
        ...common,
        setField("ipv6_src", ipv6),
        setField("ipv6_flabel", fc.integer({ min: 0, max: 0xfffff })),
      );
    default:
      return fc.oneof(...common);
  }
}

const outputArb: fc.Arbitrary<Action> = fc.oneof(
  ofPort.map<Action>((port) => ({ type: "output", port, maxLen: 0 })),
  u16.map<Action>((maxLen) => ({ type: "output", port: OFPP.CONTROLLER, maxLen })),
  fc
    .constantFrom(OFPP.IN_PORT, OFPP.NORMAL, OFPP.FLOOD, OFPP.ALL, OFPP.LOCAL)
    .map<Action>((port) => ({ type: "output", port, maxLen: 0 })),
  fc.integer({ min: 0, max: 0xffffff00 }).map<Action>((groupId) => ({ type: "group", groupId })),
  u32.map<Action>((queueId) => ({ type: "set_queue", queueId })),
);

function applyArb(kind: Kind): fc.Arbitrary<Action[]> {
  return fc
    .tuple(
      fc.array(rewrites(kind), { maxLength: 3 }),
      kind === "vlan" ? fc.boolean() : fc.constant(false),
      kind === "none" ? fc.boolean() : fc.constant(false),
      fc.array(outputArb, { maxLength: 3 }),
    )
    .map(([mods, pop, push, outs]) => [
      ...(push ? [{ type: "push_vlan", ethertype: 0x8100 } as Action] : []),
      ...mods,
      ...(pop ? [{ type: "pop_vlan" } as Action] : []),
      ...outs,
    ]);
}

function instructionsArb(kind: Kind, tableId: number): fc.Arbitrary<Instruction[]> {
  return fc
    .tuple(
      opt(fc.integer({ min: 1, max: 100 })),
      applyArb(kind),
      fc.boolean(),
      opt(fc.array(outputArb, { minLength: 1, maxLength: 2 })),
      opt(fc.tuple(u64, fc.oneof(fc.constant((1n << 64n) - 1n), u64))),
      tableId < 253 ? opt(fc.integer({ min: tableId + 1, max: 253 })) : fc.constant(undefined),
    )
    .map(([meter, apply, clear, write, meta, goto]) => {
      const out: Instruction[] = [];
      if (meter !== undefined) out.push({ type: "meter", meterId: meter });
      if (apply.length > 0) out.push({ type: "apply_actions", actions: apply });
      if (clear) out.push({ type: "clear_actions" });
      if (write) out.push({ type: "write_actions", actions: write });
      if (meta) out.push({ type: "write_metadata", metadata: meta[0] & meta[1], mask: meta[1] });
      if (goto !== undefined) out.push({ type: "goto_table", tableId: goto });
      return out;
    });
}

/** A flow for `add` that ovs-ofctl also accepts. */
export const addFlowSpec: fc.Arbitrary<FlowSpec> = fc
  .tuple(fc.constantFrom<Kind>("none", "vlan", "ip", "tcp", "udp", "arp", "ipv6"), fc.integer({ min: 0, max: 253 }))
  .chain(([kind, tableId]) =>
    fc.record({
      tableId: fc.constant(tableId),
      priority: u16,
      cookie: u64,
      idleTimeout: fc.oneof(fc.constant(0), u16),
      hardTimeout: fc.oneof(fc.constant(0), u16),
      flags: fc.integer({ min: 0, max: 31 }),
      match: matchArb(kind),
      instructions: instructionsArb(kind, tableId),
    }),
  )
  .map((r) => ({ ...emptyFlowSpec("add"), ...r }));
