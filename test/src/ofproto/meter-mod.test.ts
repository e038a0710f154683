// METER_MOD on a bridge: the datapath records it writes, refusal when the datapath cannot take
// it, deletion of the rules that use a deleted meter (FLOW_REMOVED reason DELETE), FLOW_MOD
// referring to an unknown meter, and Ofproto's translation with meters.

import { describe, expect, it } from "vitest";
import { OFPM_ALL } from "../../../openflow/constants.ts";
import { METER_MOD_FAILED, OFPET, OfpError } from "../../../openflow/errors.ts";
import { OFPFF } from "../../../openflow/messages/flow-mod.ts";
import { OFPRR } from "../../../openflow/messages/flow-removed.ts";
import { OFPMC, OFPMF } from "../../../openflow/messages/meter-mod.ts";
import type { DatapathMeterBand } from "../../../src/datapath/runtime/datapath-runtime.ts";
import { applyFlowMod } from "../../../src/ofproto/flow-mod.ts";
import { applyMeterMod, type MeterDatapath, meterFlowCounts } from "../../../src/ofproto/meter-mod.ts";
import { type MeterModRequest, MeterSlots, MeterTable } from "../../../src/ofproto/meter-table.ts";
import { Ofproto } from "../../../src/ofproto/ofproto.ts";
import { RuleTables } from "../../../src/ofproto/rule-table.ts";
import { flowMod, output } from "./flow-fixtures.ts";

class FakeDatapath implements MeterDatapath {
  readonly log: string[] = [];
  full = false;
  setMeter(slot: number, flags: number, bands: readonly DatapathMeterBand[], fresh: boolean): boolean {
    if (this.full) return false;
    this.log.push(`set ${slot} flags=${flags} fresh=${fresh} ${JSON.stringify(bands)}`);
    return true;
  }
  deleteMeter(slot: number): boolean {
    this.log.push(`del ${slot}`);
    return true;
  }
}

const mod = (p: Partial<MeterModRequest>): MeterModRequest => ({
  command: OFPMC.ADD,
  flags: OFPMF.PKTPS,
  meterId: 1,
  bands: [{ type: "drop", rate: 10, burstSize: 0 }],
  ...p,
});

const metered = (meterId: number, port: number, flags = 0) =>
  flowMod({
    match: [{ name: "in_port", value: port }],
    flags,
    instructions: [{ type: "meter", meterId }, ...output(2)],
  });

function setup() {
  const tables = new RuleTables();
  const meters = new MeterTable(new MeterSlots());
  const dp = new FakeDatapath();
  return { tables, meters, dp };
}

describe("applyMeterMod", () => {
  it("ADD writes a fresh meter, MODIFY the same slot in place", () => {
    const { tables, meters, dp } = setup();
    applyMeterMod(tables, meters, mod({}), 0, dp);
    applyMeterMod(
      tables,
      meters,
      mod({
        command: OFPMC.MODIFY,
        flags: OFPMF.PKTPS | OFPMF.BURST,
        bands: [{ type: "dscp-remark", rate: 5, burstSize: 3, precLevel: 2 }],
      }),
      0,
      dp,
    );
    expect(dp.log).toEqual([
      'set 0 flags=2 fresh=true [{"type":1,"rate":10,"burstSize":0,"precLevel":0}]',
      'set 0 flags=6 fresh=false [{"type":2,"rate":5,"burstSize":3,"precLevel":2}]',
    ]);
  });

  it("a datapath that cannot take the change: METER_MOD_FAILED/UNKNOWN, nothing changed", () => {
    const { tables, meters, dp } = setup();
    dp.full = true;
    try {
      applyMeterMod(tables, meters, mod({}), 0, dp);
      throw new Error("expected a refusal");
    } catch (e) {
      expect([(e as OfpError).errType, (e as OfpError).errCode]).toEqual([
        OFPET.METER_MOD_FAILED,
        METER_MOD_FAILED.UNKNOWN,
      ]);
    }
    expect(meters.size).toBe(0);
    dp.full = false;
    applyMeterMod(tables, meters, mod({}), 0, dp);
    expect(meters.get(1)?.slot).toBe(0); // the slot was not leaked
  });

  it("DELETE removes the rules using the meter (reason DELETE), revalidates, then frees the slot", () => {
    const { tables, meters, dp } = setup();
    applyMeterMod(tables, meters, mod({ meterId: 1 }), 0, dp);
    applyMeterMod(tables, meters, mod({ meterId: 2 }), 0, dp);
    const opts = { meterExists: (id: number) => meters.has(id) };
    applyFlowMod(tables, metered(1, 1, OFPFF.SEND_FLOW_REM), 0, opts);
    applyFlowMod(tables, metered(1, 3), 0, opts);
    applyFlowMod(tables, metered(2, 4), 0, opts);
    expect(meterFlowCounts(tables)).toEqual(
      new Map([
        [1, 2],
        [2, 1],
      ]),
    );
    const r = applyMeterMod(tables, meters, mod({ command: OFPMC.DELETE, meterId: 1 }), 0, dp, () =>
      dp.log.push("revalidate"),
    );
    expect(r.removed.map((x) => [x.rule.match, x.reason])).toEqual([
      [[{ name: "in_port", value: 1 }], OFPRR.DELETE],
      [[{ name: "in_port", value: 3 }], OFPRR.DELETE],
    ]);
    expect(dp.log.slice(-2)).toEqual(["revalidate", "del 0"]);
    expect([...tables.rules(0xff)].length).toBe(1);
    applyMeterMod(tables, meters, mod({ command: OFPMC.DELETE, meterId: OFPM_ALL }), 0, dp);
    expect([...tables.rules(0xff)].length).toBe(0);
    expect(meters.size).toBe(0);
  });

  it("DELETE of an unknown meter writes nothing and revalidates nothing", () => {
    const { tables, meters, dp } = setup();
    const r = applyMeterMod(tables, meters, mod({ command: OFPMC.DELETE, meterId: 7 }), 0, dp, () =>
      dp.log.push("revalidate"),
    );
    expect(r.removed).toEqual([]);
    expect(dp.log).toEqual([]);
  });
});

describe("Ofproto with meters", () => {
  it("FLOW_MOD naming an unknown meter is METER_MOD_FAILED/UNKNOWN_METER and adds nothing", () => {
    const of = new Ofproto();
    const br = of.addBridge("br0", 300, 1000);
    const before = [...br.tables.rules(0xff)].length;
    try {
      of.flowMod("br0", metered(4, 1));
      throw new Error("expected a refusal");
    } catch (e) {
      expect(e).toBeInstanceOf(OfpError);
      expect([(e as OfpError).errType, (e as OfpError).errCode]).toEqual([
        OFPET.METER_MOD_FAILED,
        METER_MOD_FAILED.UNKNOWN_METER,
      ]);
    }
    expect([...br.tables.rules(0xff)].length).toBe(before);
    of.meterMod("br0", mod({ meterId: 4 }));
    of.flowMod("br0", metered(4, 1));
    expect([...br.tables.rules(0xff)].length).toBe(before + 1);
  });

  it("bridges have their own meter ids and share the datapath's slots", () => {
    const of = new Ofproto();
    const a = of.addBridge("a", 300, 1000);
    const b = of.addBridge("b", 300, 1000);
    of.meterMod("a", mod({ meterId: 1 }));
    of.meterMod("b", mod({ meterId: 1 }));
    expect(a.meters.get(1)?.slot).not.toBe(b.meters.get(1)?.slot);
    of.removeBridge("a");
    of.meterMod("b", mod({ meterId: 2 }));
    expect(b.meters.get(2)?.slot).toBe(a.meters.get(1)?.slot ?? 0); // a's slot came back
  });
});
