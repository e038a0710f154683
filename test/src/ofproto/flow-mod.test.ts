import { describe, expect, it } from "vitest";
import { OFPP, OFPTT_ALL } from "../../../openflow/constants.ts";
import { BAD_ACTION, BAD_INSTRUCTION, BAD_MATCH, FLOW_MOD_FAILED, OFPET, OfpError } from "../../../openflow/errors.ts";
import type { Instruction } from "../../../openflow/instructions.ts";
import type { Match } from "../../../openflow/match/match.ts";
import { OFPFC, OFPFF } from "../../../openflow/messages/flow-mod.ts";
import { OFPRR } from "../../../openflow/messages/flow-removed.ts";
import { KeyMask } from "../../../src/datapath/flow-key.ts";
import { applyFlowMod, type FlowModRequest } from "../../../src/ofproto/flow-mod.ts";
import { RuleTables } from "../../../src/ofproto/rule-table.ts";
import { flowMod, flowOf, ip4, output } from "./flow-fixtures.ts";

const IP: Match = [{ name: "eth_type", value: 0x0800 }];
const hostMatch = (d: number): Match => [...IP, { name: "ipv4_dst", value: ip4(10, 0, 0, d) }];
const netMatch: Match = [...IP, { name: "ipv4_dst", value: ip4(10, 0, 0, 0), mask: 0xffffff00 }];

function expectError(fn: () => unknown, type: number, code: number): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(OfpError);
    expect([(e as OfpError).errType, (e as OfpError).errCode]).toEqual([type, code]);
    return;
  }
  throw new Error("expected an OfpError");
}

function setup(): RuleTables {
  const t = new RuleTables();
  applyFlowMod(t, flowMod({ match: hostMatch(1), priority: 100, cookie: 0x11n, instructions: output(1) }), 0);
  applyFlowMod(t, flowMod({ match: hostMatch(2), priority: 100, cookie: 0x12n, instructions: output(2) }), 0);
  applyFlowMod(t, flowMod({ match: netMatch, priority: 50, cookie: 0x21n, instructions: output(3) }), 0);
  applyFlowMod(t, flowMod({ match: [], priority: 0, cookie: 0x30n, tableId: 1, instructions: output(1) }), 0);
  return t;
}

const ids = (t: RuleTables, tableId = OFPTT_ALL) => [...t.rules(tableId)].map((r) => r.cookie);

describe("FLOW_MOD validation (each error code)", () => {
  const t = new RuleTables();
  const fail = (fm: Partial<FlowModRequest>, type: number, code: number) =>
    expectError(() => applyFlowMod(t, flowMod(fm), 0), type, code);
  const FMF = OFPET.FLOW_MOD_FAILED;

  it("BAD_COMMAND for an unknown command", () => fail({ command: 5 }, FMF, FLOW_MOD_FAILED.BAD_COMMAND));
  it("BAD_TABLE_ID for table 254, and for OFPTT_ALL except on delete", () => {
    fail({ tableId: 254 }, FMF, FLOW_MOD_FAILED.BAD_TABLE_ID);
    fail({ tableId: OFPTT_ALL }, FMF, FLOW_MOD_FAILED.BAD_TABLE_ID);
    fail({ tableId: OFPTT_ALL, command: OFPFC.MODIFY }, FMF, FLOW_MOD_FAILED.BAD_TABLE_ID);
    fail({ tableId: OFPTT_ALL, command: OFPFC.MODIFY_STRICT }, FMF, FLOW_MOD_FAILED.BAD_TABLE_ID);
    expect(applyFlowMod(t, flowMod({ tableId: OFPTT_ALL, command: OFPFC.DELETE }), 0).removed).toEqual([]);
    expect(applyFlowMod(t, flowMod({ tableId: OFPTT_ALL, command: OFPFC.DELETE_STRICT }), 0).removed).toEqual([]);
  });
  it("BAD_FLAGS for bits beyond NO_BYT_COUNTS", () => fail({ flags: 1 << 5 }, FMF, FLOW_MOD_FAILED.BAD_FLAGS));
  it("BAD_MATCH codes from validateMatch", () => {
    const BM = OFPET.BAD_MATCH;
    fail({ match: [{ name: "ipv4_dst", value: 1 }] }, BM, BAD_MATCH.BAD_PREREQ);
    fail({ match: [...IP, ...IP] }, BM, BAD_MATCH.DUP_FIELD);
    fail(
      { match: [{ name: "opaque", oxmClass: 0x8000, field: 99, hasMask: false, payload: new Uint8Array(2) }] },
      BM,
      BAD_MATCH.BAD_FIELD,
    );
    fail({ match: [{ name: "vlan_vid", value: 0x2000 }] }, BM, BAD_MATCH.BAD_VALUE);
    fail({ match: [{ name: "eth_type", value: 0x800, mask: 0xffff }] }, BM, BAD_MATCH.BAD_MASK);
    fail({ match: [...IP, { name: "ipv4_dst", value: 0xff, mask: 0xf0 }] }, BM, BAD_MATCH.BAD_WILDCARDS);
    fail({ match: [{ name: "ipv4_dst", value: 1 }], command: OFPFC.DELETE }, BM, BAD_MATCH.BAD_PREREQ);
  });
  it("BAD_INSTRUCTION/BAD_TABLE_ID for a goto that does not go forward or leaves the tables", () => {
    const goto = (tableId: number): Instruction[] => [{ type: "goto_table", tableId }];
    const BI = OFPET.BAD_INSTRUCTION;
    fail({ tableId: 3, instructions: goto(3) }, BI, BAD_INSTRUCTION.BAD_TABLE_ID);
    fail({ tableId: 3, instructions: goto(2) }, BI, BAD_INSTRUCTION.BAD_TABLE_ID);
    fail({ tableId: 3, instructions: goto(254) }, BI, BAD_INSTRUCTION.BAD_TABLE_ID);
    fail({ tableId: 3, command: OFPFC.MODIFY, instructions: goto(1) }, BI, BAD_INSTRUCTION.BAD_TABLE_ID);
    expect(applyFlowMod(t, flowMod({ tableId: 3, instructions: goto(253) }), 0).added).toHaveLength(1);
    // Deletes ignore instructions.
    applyFlowMod(t, flowMod({ tableId: 3, command: OFPFC.DELETE, instructions: goto(0) }), 0);
  });
  it("BAD_INSTRUCTION/UNSUP_INST for an instruction type given twice", () =>
    fail({ instructions: [...output(1), ...output(2)] }, OFPET.BAD_INSTRUCTION, BAD_INSTRUCTION.UNSUP_INST));
  it("BAD_ACTION for output ports and groups that cannot exist", () => {
    fail({ instructions: output(0) }, OFPET.BAD_ACTION, BAD_ACTION.BAD_OUT_PORT);
    fail({ instructions: output(OFPP.ANY) }, OFPET.BAD_ACTION, BAD_ACTION.BAD_OUT_PORT);
    fail({ instructions: output(0xffffff10) }, OFPET.BAD_ACTION, BAD_ACTION.BAD_OUT_PORT);
    const group = (groupId: number): Instruction[] => [
      { type: "write_actions", actions: [{ type: "group", groupId }] },
    ];
    fail({ instructions: group(0xfffffffc) }, OFPET.BAD_ACTION, BAD_ACTION.BAD_OUT_GROUP);
    for (const p of [OFPP.IN_PORT, OFPP.TABLE, OFPP.NORMAL, OFPP.FLOOD, OFPP.ALL, OFPP.CONTROLLER, OFPP.LOCAL, 1]) {
      applyFlowMod(t, flowMod({ instructions: output(p), priority: 7 }), 0);
    }
  });
  it("the switch's own instruction checks run for ADD and MODIFY", () => {
    const checkInstructions = () => {
      throw new OfpError(OFPET.BAD_ACTION, BAD_ACTION.BAD_OUT_PORT, "no such port");
    };
    expectError(
      () => applyFlowMod(t, flowMod({}), 0, { checkInstructions }),
      OFPET.BAD_ACTION,
      BAD_ACTION.BAD_OUT_PORT,
    );
    applyFlowMod(t, flowMod({ command: OFPFC.DELETE }), 0, { checkInstructions });
  });
  it("every 16-bit timeout is accepted (BAD_TIMEOUT is never due)", () => {
    const r = applyFlowMod(t, flowMod({ idleTimeout: 0xffff, hardTimeout: 1, priority: 3 }), 0).added[0];
    expect([r.idleTimeout, r.hardTimeout]).toEqual([0xffff, 1]);
  });
  it("TABLE_FULL past the table's capacity; replacing an identical rule still works", () => {
    const small = new RuleTables({ maxRulesPerTable: 2 });
    applyFlowMod(small, flowMod({ match: hostMatch(1) }), 0);
    applyFlowMod(small, flowMod({ match: hostMatch(2) }), 0);
    expectError(
      () => applyFlowMod(small, flowMod({ match: hostMatch(3) }), 0),
      OFPET.FLOW_MOD_FAILED,
      FLOW_MOD_FAILED.TABLE_FULL,
    );
    expect(applyFlowMod(small, flowMod({ match: hostMatch(2) }), 0).replaced).toHaveLength(1);
    applyFlowMod(small, flowMod({ match: hostMatch(3), tableId: 1 }), 0);
  });
  it("a refused FLOW_MOD changes nothing", () => {
    const s = setup();
    const before = s.generation;
    expectError(
      () => applyFlowMod(s, flowMod({ match: hostMatch(1), priority: 100, flags: OFPFF.CHECK_OVERLAP }), 0),
      OFPET.FLOW_MOD_FAILED,
      FLOW_MOD_FAILED.OVERLAP,
    );
    expect(s.generation).toBe(before);
    expect(ids(s)).toEqual([0x11n, 0x12n, 0x21n, 0x30n]);
  });
});

describe("ADD", () => {
  it("replaces an identical rule, keeping its counters but restarting its duration", () => {
    const t = setup();
    const old = [...t.rules(0)][0];
    old.packetCount = 5n;
    old.byteCount = 500n;
    const r = applyFlowMod(
      t,
      flowMod({ match: hostMatch(1), priority: 100, cookie: 0x99n, instructions: output(7) }),
      1000,
    );
    expect(r.replaced).toEqual([old]);
    expect(r.removed).toEqual([]);
    const now = r.added[0];
    expect([now.packetCount, now.byteCount, now.created, now.cookie]).toEqual([5n, 500n, 1000, 0x99n]);
    expect(t.table(0).size).toBe(3);
    const wc = new KeyMask();
    const hit = t.lookup(0, flowOf({ l3: { kind: "ipv4", src: 1, dst: ip4(10, 0, 0, 1), proto: 6 } }), wc);
    expect(hit).toBe(now);
  });
  it("RESET_COUNTS zeroes the replaced rule's counters", () => {
    const t = setup();
    [...t.rules(0)][0].packetCount = 5n;
    const r = applyFlowMod(t, flowMod({ match: hostMatch(1), priority: 100, flags: OFPFF.RESET_COUNTS }), 0);
    expect(r.added[0].packetCount).toBe(0n);
  });
  it("identity is the normalized match: a full mask is no mask; priority matters", () => {
    const t = setup();
    const full: Match = [...IP, { name: "ipv4_dst", value: ip4(10, 0, 0, 1), mask: 0xffffffff }];
    expect(applyFlowMod(t, flowMod({ match: full, priority: 100 }), 0).replaced).toHaveLength(1);
    expect(applyFlowMod(t, flowMod({ match: hostMatch(1), priority: 101 }), 0).replaced).toHaveLength(0);
    const reordered: Match = [{ name: "ipv4_dst", value: ip4(10, 0, 0, 2) }, ...IP];
    expect(applyFlowMod(t, flowMod({ match: reordered, priority: 100 }), 0).replaced).toHaveLength(1);
  });
  it("CHECK_OVERLAP refuses an equal-priority rule some packet could share, not a disjoint one", () => {
    const t = setup();
    const overlap = (match: Match, priority: number) => () =>
      applyFlowMod(t, flowMod({ match, priority, flags: OFPFF.CHECK_OVERLAP }), 0);
    expectError(overlap(IP, 100), OFPET.FLOW_MOD_FAILED, FLOW_MOD_FAILED.OVERLAP);
    expectError(overlap([{ name: "in_port", value: 4 }], 50), OFPET.FLOW_MOD_FAILED, FLOW_MOD_FAILED.OVERLAP);
    expect(overlap(hostMatch(3), 100)().added).toHaveLength(1);
    expect(overlap([{ name: "eth_type", value: 0x0806 }], 50)().added).toHaveLength(1);
    expect(overlap(IP, 99)().added).toHaveLength(1);
  });
});

describe("MODIFY and MODIFY_STRICT", () => {
  it("non-strict changes the instructions of every rule at least as specific, keeping the rest", () => {
    const t = setup();
    const rules = [...t.rules(0)];
    rules[0].packetCount = 3n;
    const r = applyFlowMod(
      t,
      flowMod({ command: OFPFC.MODIFY, match: netMatch, instructions: output(9), cookie: 0x77n, idleTimeout: 5 }),
      0,
    );
    expect(r.modified.map((x) => x.cookie)).toEqual([0x11n, 0x12n, 0x21n]);
    for (const x of r.modified) {
      expect(x.instructions).toEqual(output(9));
      expect(x.idleTimeout).toBe(0);
    }
    expect(rules[0].packetCount).toBe(3n);
    expect([...t.rules(1)][0].instructions).toEqual(output(1)); // other table untouched
  });
  it("strict changes only the identical match at the same priority", () => {
    const t = setup();
    const strict = (priority: number) =>
      applyFlowMod(t, flowMod({ command: OFPFC.MODIFY_STRICT, match: netMatch, priority, instructions: output(9) }), 0);
    expect(strict(100).modified).toEqual([]);
    expect(strict(50).modified.map((x) => x.cookie)).toEqual([0x21n]);
  });
  it("filters by cookie/cookie_mask; RESET_COUNTS zeroes counters", () => {
    const t = setup();
    for (const r of t.rules(0)) r.packetCount = 8n;
    const r = applyFlowMod(
      t,
      flowMod({
        command: OFPFC.MODIFY,
        cookie: 0x10n,
        cookieMask: 0xf0n,
        flags: OFPFF.RESET_COUNTS,
        instructions: output(4),
      }),
      0,
    );
    expect(r.modified.map((x) => [x.cookie, x.packetCount])).toEqual([
      [0x11n, 0n],
      [0x12n, 0n],
    ]);
    expect([...t.rules(0)][2].packetCount).toBe(8n);
  });
  it("modifies nothing and adds nothing when no rule matches (1.3)", () => {
    const t = setup();
    const r = applyFlowMod(t, flowMod({ command: OFPFC.MODIFY, match: hostMatch(77), instructions: output(4) }), 0);
    expect(r).toEqual({ added: [], replaced: [], modified: [], removed: [] });
    expect(t.table(0).size).toBe(3);
  });
});

describe("DELETE and DELETE_STRICT", () => {
  it("non-strict deletes every rule at least as specific; an empty match deletes the table", () => {
    const t = setup();
    const r = applyFlowMod(t, flowMod({ command: OFPFC.DELETE, match: hostMatch(1) }), 0);
    expect(r.removed.map((x) => [x.rule.cookie, x.reason])).toEqual([[0x11n, OFPRR.DELETE]]);
    expect(applyFlowMod(t, flowMod({ command: OFPFC.DELETE, match: [] }), 0).removed).toHaveLength(2);
    expect(ids(t)).toEqual([0x30n]);
  });
  it("OFPTT_ALL deletes in every table", () => {
    const t = setup();
    expect(applyFlowMod(t, flowMod({ command: OFPFC.DELETE, tableId: OFPTT_ALL }), 0).removed).toHaveLength(4);
    expect(t.ruleCount).toBe(0);
  });
  it("strict needs the identical match and priority", () => {
    const t = setup();
    const del = (match: Match, priority: number) =>
      applyFlowMod(t, flowMod({ command: OFPFC.DELETE_STRICT, match, priority, tableId: OFPTT_ALL }), 0).removed.length;
    expect(del(IP, 100)).toBe(0);
    expect(del(hostMatch(1), 99)).toBe(0);
    expect(del(hostMatch(1), 100)).toBe(1);
    expect(del([], 0)).toBe(1);
    expect(ids(t)).toEqual([0x12n, 0x21n]);
  });
  it("out_port keeps rules that do not output to the port; out_group likewise", () => {
    const t = setup();
    const grp: Instruction[] = [{ type: "write_actions", actions: [{ type: "group", groupId: 5 }] }];
    applyFlowMod(t, flowMod({ match: hostMatch(9), priority: 100, cookie: 0x55n, instructions: grp }), 0);
    const out = applyFlowMod(t, flowMod({ command: OFPFC.DELETE, tableId: OFPTT_ALL, outPort: 1 }), 0);
    expect(out.removed.map((x) => x.rule.cookie)).toEqual([0x11n, 0x30n]);
    expect(applyFlowMod(t, flowMod({ command: OFPFC.DELETE, outGroup: 6 }), 0).removed).toEqual([]);
    const g = applyFlowMod(t, flowMod({ command: OFPFC.DELETE, outGroup: 5 }), 0);
    expect(g.removed.map((x) => x.rule.cookie)).toEqual([0x55n]);
  });
  it("filters by cookie/cookie_mask", () => {
    const t = setup();
    const r = applyFlowMod(
      t,
      flowMod({ command: OFPFC.DELETE, tableId: OFPTT_ALL, cookie: 0x20n, cookieMask: 0xf0n }),
      0,
    );
    expect(r.removed.map((x) => x.rule.cookie)).toEqual([0x21n]);
  });
  it("deleted rules no longer match", () => {
    const t = setup();
    const f = flowOf({ l3: { kind: "ipv4", src: 1, dst: ip4(10, 0, 0, 1), proto: 6 } });
    applyFlowMod(t, flowMod({ command: OFPFC.DELETE_STRICT, match: hostMatch(1), priority: 100 }), 0);
    expect(t.lookup(0, f, new KeyMask())?.cookie).toBe(0x21n);
  });
});
