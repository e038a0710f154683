import { describe, expect, it } from "vitest";
import { OFPP } from "../../../openflow/constants.ts";
import { BAD_MATCH, FLOW_MOD_FAILED, METER_MOD_FAILED, OFPET } from "../../../openflow/errors.ts";
import { flowModOf, parseFlow } from "../../../openflow/flow-format.ts";
import { applyFlowBatch, FlowBatchError } from "../../../src/ofproto/flow-batch.ts";
import { applyFlowMod, type FlowModRequest } from "../../../src/ofproto/flow-mod.ts";
import type { OfBridge } from "../../../src/ofproto/of-handlers/handler-context.ts";
import { RuleTables } from "../../../src/ofproto/rule-table.ts";

function bridgeOver(tables: RuleTables): OfBridge & { mods: number } {
  const b = {
    mods: 0,
    name: "br0",
    datapathId: () => 1n,
    ports: () => [],
    tables: () => tables,
    now: () => 0,
    flowMod: (fm: FlowModRequest) => {
      b.mods++;
      return applyFlowMod(tables, fm, 0);
    },
    packetOut: async () => {},
    fence: async () => {},
  };
  return b;
}

const adds = (...lines: string[]) => lines.map((l) => flowModOf(parseFlow(l, "add"), "add"));
const refusal = (f: () => unknown): FlowBatchError => {
  try {
    f();
  } catch (e) {
    if (e instanceof FlowBatchError) return e;
    throw e;
  }
  throw new Error("no refusal");
};

describe("applyFlowBatch", () => {
  it("applies every mod in order when all are acceptable", () => {
    const tables = new RuleTables();
    const b = bridgeOver(tables);
    const results = applyFlowBatch(b, adds("ip,actions=1", "priority=5,actions=2", "ip,actions=3"));
    expect(results.map((r) => [r.added.length, r.replaced.length])).toEqual([
      [1, 0],
      [1, 0],
      [1, 1],
    ]);
    expect(tables.ruleCount).toBe(2);
    expect(b.mods).toBe(3);
  });

  it("refuses the whole batch for a stateless error in any mod, with its index and OpenFlow error", () => {
    const tables = new RuleTables();
    const b = bridgeOver(tables);
    const bad = adds("actions=1", "actions=2", "actions=3");
    bad[1] = { ...bad[1], match: [{ name: "tcp_dst", value: 80 }] }; // no ip_proto: BAD_PREREQ
    const e = refusal(() => applyFlowBatch(b, bad));
    expect(e.index).toBe(1);
    expect([e.cause.errType, e.cause.errCode]).toEqual([OFPET.BAD_MATCH, BAD_MATCH.BAD_PREREQ]);
    expect(b.mods).toBe(0);
    expect(tables.ruleCount).toBe(0);
  });

  it("refuses CHECK_OVERLAP against installed rules and within the batch", () => {
    const tables = new RuleTables();
    const b = bridgeOver(tables);
    applyFlowBatch(b, adds("priority=5,ip,actions=1"));
    const live = refusal(() => applyFlowBatch(b, adds("actions=2", "priority=5,check_overlap,tcp,actions=2")));
    expect([live.index, live.cause.errType, live.cause.errCode]).toEqual([
      1,
      OFPET.FLOW_MOD_FAILED,
      FLOW_MOD_FAILED.OVERLAP,
    ]);
    const inner = refusal(() =>
      applyFlowBatch(b, adds("priority=9,arp,actions=1", "priority=9,check_overlap,actions=2")),
    );
    expect([inner.index, inner.cause.errCode]).toEqual([1, FLOW_MOD_FAILED.OVERLAP]);
    expect(tables.ruleCount).toBe(1);
  });

  it("counts only the rules a batch adds against the table's capacity", () => {
    const tables = new RuleTables({ maxRulesPerTable: 2 });
    const b = bridgeOver(tables);
    applyFlowBatch(b, adds("in_port=1,actions=1"));
    const full = refusal(() => applyFlowBatch(b, adds("in_port=2,actions=1", "in_port=3,actions=1")));
    expect([full.index, full.cause.errCode]).toEqual([1, FLOW_MOD_FAILED.TABLE_FULL]);
    expect(tables.ruleCount).toBe(1);
    applyFlowBatch(b, adds("in_port=1,actions=2", "in_port=2,actions=2"));
    expect(tables.ruleCount).toBe(2);
  });

  it("checks deletes in a batch like any FLOW_MOD (BAD_TABLE_ID on a non-delete to table ALL)", () => {
    const b = bridgeOver(new RuleTables());
    const bad = adds("actions=1");
    bad[0] = { ...bad[0], tableId: 0xff, outPort: OFPP.ANY };
    expect(refusal(() => applyFlowBatch(b, bad)).cause.errCode).toBe(FLOW_MOD_FAILED.BAD_TABLE_ID);
  });

  it("refuses a batch naming a meter the bridge lacks before changing anything (the bridge's own checks)", () => {
    const tables = new RuleTables();
    const checks = { meterExists: (id: number) => id === 1 };
    const b = bridgeOver(tables);
    const withChecks: OfBridge = {
      ...b,
      flowModChecks: () => checks,
      flowMod: (fm: FlowModRequest) => applyFlowMod(tables, fm, 0, checks),
    };
    const e = refusal(() =>
      applyFlowBatch(withChecks, adds("ip,actions=meter:1,output:1", "arp,actions=meter:2,output:1")),
    );
    expect(e.index).toBe(1);
    expect([e.cause.errType, e.cause.errCode]).toEqual([OFPET.METER_MOD_FAILED, METER_MOD_FAILED.UNKNOWN_METER]);
    expect(tables.ruleCount).toBe(0);
  });
});
