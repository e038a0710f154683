// What the switch refuses before anything changes, each with its OpenFlow 1.3.5 (or Open
// vSwitch) error type and code: unsupported actions and instructions, read-only and
// unsupported set_field fields, match fields the key cannot carry, set_field prerequisites the
// match (or, for PACKET_OUT, the packet) does not give; the same checks on group buckets and
// PACKET_OUT; TABLE_FEATURES listing exactly what is accepted; BUFFER_UNKNOWN for a buffer_id.

import { beforeAll, describe, expect, it } from "vitest";
import { type Action, validateActions } from "../../../openflow/actions/actions.ts";
import type { Reply } from "../../../openflow/channel/dispatch.ts";
import { OFP_NO_BUFFER, OFPG_ANY, OFPP } from "../../../openflow/constants.ts";
import { BAD_ACTION, BAD_INSTRUCTION, BAD_MATCH, BAD_REQUEST, OFPET, OfpError } from "../../../openflow/errors.ts";
import type { Instruction } from "../../../openflow/instructions.ts";
import type { Match } from "../../../openflow/match/match.ts";
import { OXM_FIELDS, type OxmName } from "../../../openflow/match/oxm-fields.ts";
import { OFPGC, OFPGT_TYPES } from "../../../openflow/messages/group-mod.ts";
import { OFPTFPT } from "../../../openflow/messages/multipart-table-features.ts";
import { createFastPath, type FastPath } from "../../../src/datapath/fastpath-module.ts";
import type { DatapathRuntime } from "../../../src/datapath/runtime/datapath-runtime.ts";
import {
  checkActionsSupported,
  SUPPORTED_ACTION_TYPES,
  SUPPORTED_MATCH_FIELDS,
  SUPPORTED_SET_FIELDS,
} from "../../../src/ofproto/action-checks.ts";
import { applyFlowMod } from "../../../src/ofproto/flow-mod.ts";
import { GroupTable } from "../../../src/ofproto/group-table.ts";
import { flowHandlers } from "../../../src/ofproto/of-handlers/flow-handlers.ts";
import type { OfBridge } from "../../../src/ofproto/of-handlers/handler-context.ts";
import { tableFeaturesReplies } from "../../../src/ofproto/of-handlers/table-features.ts";
import { Ofproto } from "../../../src/ofproto/ofproto.ts";
import { fieldInKey } from "../../../src/ofproto/oxm-key-map.ts";
import { RuleTables } from "../../../src/ofproto/rule-table.ts";
import { flowMod } from "./flow-fixtures.ts";
import { frame, parseKey } from "./xlate/xlate-harness.ts";

function expectError(fn: () => unknown, type: number, code: number): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(OfpError);
    expect([(e as OfpError).errType, (e as OfpError).errCode], (e as Error).message).toEqual([type, code]);
    return;
  }
  throw new Error(`expected OfpError ${type}/${code}, nothing was thrown`);
}

const BA = OFPET.BAD_ACTION;
const set = (name: OxmName, value: number | bigint | Uint8Array): Action => ({
  type: "set_field",
  field: { name, value },
});
const out = (port: number): Action => ({ type: "output", port, maxLen: 0 });
const apply = (...actions: Action[]): Instruction => ({ type: "apply_actions", actions });
const write = (...actions: Action[]): Instruction => ({ type: "write_actions", actions });

const IPV4: Match = [{ name: "eth_type", value: 0x0800 }];
const TCP: Match = [...IPV4, { name: "ip_proto", value: 6 }];
const IPV6: Match = [{ name: "eth_type", value: 0x86dd }];
const ICMP6 = (type: number): Match => [...IPV6, { name: "ip_proto", value: 58 }, { name: "icmpv6_type", value: type }];
const ARP: Match = [{ name: "eth_type", value: 0x0806 }];
const VLAN: Match = [{ name: "vlan_vid", value: 0x1000, mask: 0x1000 }];

const tables = new RuleTables();
const add = (match: Match, instructions: Instruction[]) =>
  applyFlowMod(tables, flowMod({ match, instructions }), 0).added.length;
const refuse = (match: Match, instructions: Instruction[], type: number, code: number) =>
  expectError(() => add(match, instructions), type, code);

describe("FLOW_MOD: what the datapath cannot do", () => {
  it("push_pbb / pop_pbb: BAD_ACTION/BAD_TYPE", () => {
    refuse([], [apply({ type: "push_pbb", ethertype: 0x88e7 }, out(1))], BA, BAD_ACTION.BAD_TYPE);
    refuse([], [write({ type: "pop_pbb" })], BA, BAD_ACTION.BAD_TYPE);
  });

  it("experimenter action: BAD_ACTION/BAD_EXPERIMENTER; experimenter instruction: BAD_INSTRUCTION/BAD_EXPERIMENTER", () => {
    refuse(
      [],
      [apply({ type: "experimenter", experimenter: 0x2320, data: new Uint8Array(8) })],
      BA,
      BAD_ACTION.BAD_EXPERIMENTER,
    );
    refuse(
      [],
      [{ type: "experimenter", experimenter: 0x2320, data: new Uint8Array(4) }],
      OFPET.BAD_INSTRUCTION,
      BAD_INSTRUCTION.BAD_EXPERIMENTER,
    );
  });

  it("set_field of eth_type / ip_proto (read-only, as in Open vSwitch): BAD_SET_ARGUMENT", () => {
    refuse([], [apply(set("eth_type", 0x86dd))], BA, BAD_ACTION.BAD_SET_ARGUMENT);
    refuse(IPV4, [write(set("ip_proto", 17))], BA, BAD_ACTION.BAD_SET_ARGUMENT);
  });

  it("set_field of a field it does not write (pbb_isid): BAD_SET_TYPE; in_port stays BAD_SET_TYPE", () => {
    refuse([{ name: "eth_type", value: 0x88e7 }], [apply(set("pbb_isid", 5))], BA, BAD_ACTION.BAD_SET_TYPE);
    refuse([], [apply(set("in_port", 1))], BA, BAD_ACTION.BAD_SET_TYPE);
  });

  it("set_field arp_op above 255: BAD_SET_ARGUMENT (the key keeps 8 bits, as OVS's)", () => {
    refuse(ARP, [apply(set("arp_op", 256))], BA, BAD_ACTION.BAD_SET_ARGUMENT);
    expect(add(ARP, [apply(set("arp_op", 2))])).toBe(1);
  });

  it("MPLS and TTL-copy actions are accepted (the datapath has MPLS records)", () => {
    const mpls: Match = [{ name: "eth_type", value: 0x8847 }];
    expect(
      add(mpls, [
        apply(
          { type: "dec_mpls_ttl" },
          { type: "set_mpls_ttl", ttl: 9 },
          { type: "copy_ttl_in" },
          { type: "pop_mpls", ethertype: 0x0800 },
          out(2),
        ),
      ]),
    ).toBe(1);
    expect(add(IPV4, [apply({ type: "push_mpls", ethertype: 0x8847 }, { type: "copy_ttl_out" }, out(2))])).toBe(1);
  });

  it("match fields the key cannot carry (pbb_isid, ipv6_exthdr): BAD_MATCH/BAD_FIELD, for deletes too", () => {
    const BM = OFPET.BAD_MATCH;
    refuse(
      [
        { name: "eth_type", value: 0x88e7 },
        { name: "pbb_isid", value: 7 },
      ],
      [],
      BM,
      BAD_MATCH.BAD_FIELD,
    );
    refuse([...IPV6, { name: "ipv6_exthdr", value: 1 }], [], BM, BAD_MATCH.BAD_FIELD);
    expectError(
      () => applyFlowMod(tables, flowMod({ command: 3, match: [...IPV6, { name: "ipv6_exthdr", value: 1 }] }), 0),
      BM,
      BAD_MATCH.BAD_FIELD,
    );
  });
});

describe("FLOW_MOD: set_field prerequisites against the match (BAD_ACTION/MATCH_INCONSISTENT)", () => {
  const MI = BAD_ACTION.MATCH_INCONSISTENT;

  it("tcp_src needs ip_proto=6 and an IP eth_type in the match", () => {
    refuse([], [apply(set("tcp_src", 1), out(2))], BA, MI);
    refuse(IPV4, [apply(set("tcp_src", 1), out(2))], BA, MI);
    refuse([...IPV4, { name: "ip_proto", value: 17 }], [apply(set("tcp_src", 1))], BA, MI);
    expect(add(TCP, [apply(set("tcp_src", 1), out(2))])).toBe(1);
    expect(add([...IPV6, { name: "ip_proto", value: 6 }], [apply(set("tcp_dst", 1), out(2))])).toBe(1);
  });

  it("write_actions is checked too, from what apply_actions left", () => {
    refuse([], [write(set("ipv4_dst", 1))], BA, MI);
    refuse([], [apply({ type: "push_vlan", ethertype: 0x8100 }), write(set("ip_dscp", 1))], BA, MI);
    expect(add([], [apply({ type: "push_vlan", ethertype: 0x8100 }), write(set("vlan_vid", 0x1000 | 5))])).toBe(1);
  });

  it("vlan_vid / vlan_pcp need a tag: in the match or pushed before; pop_vlan removes it", () => {
    refuse([], [apply(set("vlan_vid", 0x1000 | 5))], BA, MI);
    refuse([], [apply(set("vlan_pcp", 3))], BA, MI);
    expect(add(VLAN, [apply(set("vlan_pcp", 3), set("vlan_vid", 0x1000 | 9))])).toBe(1);
    expect(add([{ name: "vlan_vid", value: 0x1000 | 10 }], [apply(set("vlan_vid", 0x1000 | 9))])).toBe(1);
    expect(add([], [apply({ type: "push_vlan", ethertype: 0x88a8 }, set("vlan_pcp", 1))])).toBe(1);
    refuse(VLAN, [apply({ type: "pop_vlan" }, set("vlan_vid", 0x1000 | 1))], BA, MI);
    refuse([{ name: "vlan_vid", value: 0 }], [apply(set("vlan_pcp", 1))], BA, MI);
  });

  it("push_mpls makes IP fields unavailable; pop_mpls sets the eth_type it names", () => {
    refuse(TCP, [apply({ type: "push_mpls", ethertype: 0x8847 }, set("ipv4_src", 1))], BA, MI);
    expect(add(TCP, [apply(set("ipv4_src", 1), { type: "push_mpls", ethertype: 0x8847 }, out(2))])).toBe(1);
    const mpls: Match = [{ name: "eth_type", value: 0x8847 }];
    expect(add(mpls, [apply({ type: "pop_mpls", ethertype: 0x0800 }, set("ipv4_dst", 1), out(2))])).toBe(1);
    refuse(mpls, [apply({ type: "pop_mpls", ethertype: 0x0800 }, set("tcp_dst", 1))], BA, MI);
  });

  it("ND, ICMP and ARP fields need their full chain", () => {
    const mac = Uint8Array.of(2, 0, 0, 0, 0, 1);
    expect(add(ICMP6(135), [apply(set("ipv6_nd_sll", mac), set("ipv6_nd_target", new Uint8Array(16)))])).toBe(1);
    refuse(ICMP6(136), [apply(set("ipv6_nd_sll", mac))], BA, MI);
    expect(add(ICMP6(136), [apply(set("ipv6_nd_tll", mac))])).toBe(1);
    refuse(IPV6, [apply(set("ipv6_nd_target", new Uint8Array(16)))], BA, MI);
    refuse(TCP, [apply(set("icmpv4_type", 0))], BA, MI);
    expect(add([...IPV4, { name: "ip_proto", value: 1 }], [apply(set("icmpv4_code", 3))])).toBe(1);
    expect(add(ARP, [apply(set("arp_tpa", 1), set("arp_sha", mac))])).toBe(1);
    refuse(IPV4, [apply(set("arp_spa", 1))], BA, MI);
    expect(add(IPV6, [apply(set("ipv6_flabel", 5), set("ip_ecn", 1))])).toBe(1);
  });

  it("fields without prerequisites are always consistent (eth, metadata, tunnel_id)", () => {
    expect(add([], [apply(set("eth_dst", new Uint8Array(6)), set("metadata", 5n), set("tunnel_id", 9n), out(1))])).toBe(
      1,
    );
  });
});

describe("GROUP_MOD buckets", () => {
  const bucket = (actions: Action[]) => ({ weight: 0, watchPort: OFPP.ANY, watchGroup: OFPG_ANY, actions });
  const gm = (groupId: number, actions: Action[]) => ({
    command: OFPGC.ADD,
    groupType: OFPGT_TYPES.ALL,
    groupId,
    buckets: [bucket(actions)],
  });

  it("refuse what FLOW_MOD refuses as unsupported", () => {
    const g = new GroupTable();
    expectError(() => g.apply(gm(1, [{ type: "push_pbb", ethertype: 0x88e7 }]), 0), BA, BAD_ACTION.BAD_TYPE);
    expectError(() => g.apply(gm(1, [set("eth_type", 0x0800)]), 0), BA, BAD_ACTION.BAD_SET_ARGUMENT);
    expectError(
      () => g.apply(gm(1, [{ type: "experimenter", experimenter: 1, data: new Uint8Array(0) }]), 0),
      BA,
      BAD_ACTION.BAD_EXPERIMENTER,
    );
  });

  it("are not checked for prerequisites (no match; Open vSwitch does not either)", () => {
    const g = new GroupTable();
    expect(g.apply(gm(1, [set("tcp_src", 5), out(2)]), 0).installed).toBeTruthy();
  });
});

describe("PACKET_OUT: the FLOW_MOD checks, against the packet", () => {
  let fp: FastPath;
  beforeAll(async () => {
    fp = await createFastPath({ buffers: 64 });
  });

  function setup() {
    const of = new Ofproto();
    const rt = { executes: 0, execute: () => ++rt.executes > 0, install: () => true, deleteFlow: () => {} };
    of.attach(rt as unknown as DatapathRuntime);
    of.addBridge("br", 300, 1000);
    const po = (actions: Action[], proto: 6 | 17 = 17) =>
      of.packetOut("br", OFPP.CONTROLLER, actions, frame({ proto }), (f, dp) => parseKey(fp, f, dp));
    return { rt, po };
  }

  it("a bad push ethertype, output to port 0, a missing group, pbb: each its error, nothing executed", () => {
    const { rt, po } = setup();
    expectError(() => po([{ type: "push_vlan", ethertype: 0x0800 }]), BA, BAD_ACTION.BAD_ARGUMENT);
    expectError(() => po([out(0)]), BA, BAD_ACTION.BAD_OUT_PORT);
    expectError(() => po([{ type: "group", groupId: 7 }]), BA, BAD_ACTION.BAD_OUT_GROUP);
    expectError(() => po([{ type: "pop_pbb" }]), BA, BAD_ACTION.BAD_TYPE);
    expect(rt.executes).toBe(0);
  });

  it("set_field tcp_src on a UDP packet: MATCH_INCONSISTENT; on a TCP packet it runs", () => {
    const { rt, po } = setup();
    expectError(() => po([set("tcp_src", 5), out(OFPP.TABLE)], 17), BA, BAD_ACTION.MATCH_INCONSISTENT);
    expect(rt.executes).toBe(0);
    po([set("tcp_src", 5), out(OFPP.FLOOD)], 6);
    po([set("udp_src", 5), set("ipv4_dst", 1), out(OFPP.FLOOD)], 17);
  });
});

describe("TABLE_FEATURES lists exactly what FLOW_MOD accepts", () => {
  const t0 = tableFeaturesReplies(1000)[0][0];
  const oxmFields = (type: number) => {
    const p = t0.properties.find((x) => x.type === type);
    if (p?.prop !== "oxm") throw new Error(`no oxm property ${type}`);
    return p.oxmIds.map((o) => (o.header >>> 9) & 0x7f);
  };
  const num = (n: OxmName) => OXM_FIELDS.find((f) => f.name === n)?.field;

  it("MATCH / WILDCARDS: the fields the key carries, not pbb_isid or ipv6_exthdr", () => {
    for (const type of [OFPTFPT.MATCH, OFPTFPT.WILDCARDS]) {
      const fields = oxmFields(type);
      expect(fields).toEqual(SUPPORTED_MATCH_FIELDS.map(num));
      expect(fields).toContain(num("ipv4_src"));
      expect(fields).not.toContain(num("pbb_isid"));
      expect(fields).not.toContain(num("ipv6_exthdr"));
    }
    expect(SUPPORTED_MATCH_FIELDS.every(fieldInKey)).toBe(true);
  });

  it("APPLY/WRITE_SETFIELD: every field set_field accepts, and only those", () => {
    for (const type of [OFPTFPT.APPLY_SETFIELD, OFPTFPT.WRITE_SETFIELD]) {
      const fields = oxmFields(type);
      expect(fields).toContain(num("ip_ecn"));
      expect(fields).toContain(num("ipv6_nd_tll"));
      expect(fields).not.toContain(num("eth_type"));
      expect(fields).not.toContain(num("ip_proto"));
    }
    for (const f of OXM_FIELDS) {
      if (!f.settable) continue;
      const action = set(f.name, f.bytes <= 4 ? 0 : f.bytes === 8 ? 0n : new Uint8Array(f.bytes));
      const accepted = (() => {
        try {
          validateActions([action]);
          checkActionsSupported([action]);
          return true;
        } catch {
          return false;
        }
      })();
      expect(accepted, f.name).toBe(SUPPORTED_SET_FIELDS.includes(f.name));
    }
  });

  it("APPLY/WRITE_ACTIONS: the supported action types; PBB and experimenter are not among them", () => {
    for (const type of [OFPTFPT.APPLY_ACTIONS, OFPTFPT.WRITE_ACTIONS]) {
      const p = t0.properties.find((x) => x.type === type);
      if (p?.prop !== "actions") throw new Error("no actions property");
      expect(p.ids.length).toBe(SUPPORTED_ACTION_TYPES.length);
    }
    expect(SUPPORTED_ACTION_TYPES).not.toContain("push_pbb");
    expect(SUPPORTED_ACTION_TYPES).not.toContain("experimenter");
    expect(SUPPORTED_ACTION_TYPES).toContain("push_mpls");
  });
});

describe("buffer_id", () => {
  function run(kind: "flow-mod" | "packet-out", bufferId: number) {
    const calls: string[] = [];
    const bridge = {
      flowMod: () => calls.push("flowMod"),
      packetOut: async () => {
        calls.push("packetOut");
      },
    } as unknown as OfBridge;
    const errors: Array<[number, number]> = [];
    const reply = Object.assign(() => {}, {
      error: (t: number, c: number) => errors.push([t, c]),
      xid: 1,
      raw: new Uint8Array(0),
    }) as unknown as Reply;
    const h = flowHandlers(bridge);
    const msg =
      kind === "flow-mod"
        ? { ...flowMod({ instructions: [apply(out(1))] }), kind, xid: 1, bufferId }
        : { kind, xid: 1, bufferId, inPort: OFPP.CONTROLLER, actions: [out(1)], data: new Uint8Array(64) };
    return Promise.resolve((h[kind] as (m: unknown, r: Reply) => unknown)(msg, reply)).then(() => ({ calls, errors }));
  }

  it("FLOW_MOD with a buffer_id: the flow is added, then BAD_REQUEST/BUFFER_UNKNOWN (we keep no buffers)", async () => {
    expect(await run("flow-mod", 5)).toEqual({
      calls: ["flowMod"],
      errors: [[OFPET.BAD_REQUEST, BAD_REQUEST.BUFFER_UNKNOWN]],
    });
    expect(await run("flow-mod", OFP_NO_BUFFER)).toEqual({ calls: ["flowMod"], errors: [] });
  });

  it("PACKET_OUT with a buffer_id: BAD_REQUEST/BUFFER_UNKNOWN and nothing sent", async () => {
    expect(await run("packet-out", 5)).toEqual({
      calls: [],
      errors: [[OFPET.BAD_REQUEST, BAD_REQUEST.BUFFER_UNKNOWN]],
    });
    expect(await run("packet-out", OFP_NO_BUFFER)).toEqual({ calls: ["packetOut"], errors: [] });
  });
});
