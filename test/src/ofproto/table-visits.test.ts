// Table lookup/matched counters fed from translation and megaflow statistics: the visit
// patterns translation records (shared, frozen), and Ofproto crediting them per packet — the
// missed packet, every packet the megaflow later handles in the fast path, the final counts of
// a deleted megaflow, and PACKET_OUT's output:TABLE — against a recording stand-in for the
// datapath runtime and keys parsed by the real fast path.

import { beforeAll, describe, expect, it } from "vitest";
import { OFPP } from "../../../openflow/constants.ts";
import { createFastPath, type FastPath } from "../../../src/datapath/fastpath-module.ts";
import type { DatapathRuntime } from "../../../src/datapath/runtime/datapath-runtime.ts";
import { GONE_DELETED } from "../../../src/datapath/runtime/ring-messages.ts";
import type { FlowModRequest } from "../../../src/ofproto/flow-mod.ts";
import { policyOf } from "../../../src/ofproto/normal/vlan-policy.ts";
import { defaultNormalFlow, Ofproto } from "../../../src/ofproto/ofproto.ts";
import { tableStats } from "../../../src/ofproto/rule-stats.ts";
import {
  creditTableVisits,
  decodeTableVisit,
  internTableVisits,
  NO_TABLE_VISITS,
  tableVisit,
} from "../../../src/ofproto/table-visits.ts";
import { xlatePipeline } from "../../../src/ofproto/xlate/xlate.ts";
import { addRule, apply, env, flowOf, frame, goto, m, out, parseKey, realTables } from "./xlate/xlate-harness.ts";

class FakeRuntime {
  installs: Array<{ handle: number }> = [];
  install(handle: number): boolean {
    this.installs.push({ handle });
    return true;
  }
  execute(): boolean {
    return true;
  }
  deleteFlow(): void {}
}

let fp: FastPath;
beforeAll(async () => {
  fp = await createFastPath({ buffers: 64 });
});

describe("table visit patterns", () => {
  it("encode table and outcome; equal patterns share one frozen array", () => {
    expect(decodeTableVisit(tableVisit(253, true))).toEqual({ tableId: 253, matched: true });
    expect(decodeTableVisit(tableVisit(7, false))).toEqual({ tableId: 7, matched: false });
    const a = internTableVisits([tableVisit(0, true), tableVisit(1, false)]);
    const b = internTableVisits([tableVisit(0, true), tableVisit(1, false)]);
    expect(a).toBe(b);
    expect(Object.isFrozen(a)).toBe(true);
    expect(internTableVisits([tableVisit(0, true)])).not.toBe(a);
    expect(internTableVisits([])).toBe(NO_TABLE_VISITS);
  });

  it("credit every visited table with the packets, matched only where a rule was found", () => {
    const t = realTables();
    creditTableVisits(t, internTableVisits([tableVisit(0, true), tableVisit(3, false), tableVisit(0, true)]), 5);
    creditTableVisits(t, NO_TABLE_VISITS, 5);
    creditTableVisits(t, internTableVisits([tableVisit(3, true)]), 0);
    expect([t.tables[0].lookupCount, t.tables[0].matchedCount]).toEqual([10n, 10n]);
    expect([t.tables[3].lookupCount, t.tables[3].matchedCount]).toEqual([5n, 0n]);
  });

  it("translation records each lookup in order, hits and misses, without counting", () => {
    const t = realTables();
    addRule(t, 0, 10, [], [goto(1)]);
    addRule(t, 1, 10, [m("eth_type", 0x0806)], [apply(out(2))]);
    const r = xlatePipeline(env(t), flowOf(fp, {}, 1));
    expect(r.tableVisits).toEqual([tableVisit(0, true), tableVisit(1, false)]);
    expect(t.tables[0].lookupCount).toBe(0n); // translation alone (trace, revalidation) counts nothing
  });
});

describe("Ofproto credits table counters like rules", () => {
  const fm = (over: Partial<FlowModRequest>): FlowModRequest => ({ ...defaultNormalFlow(), ...over });

  function setup() {
    const of = new Ofproto();
    const rt = new FakeRuntime();
    of.attach(rt as unknown as DatapathRuntime);
    of.addBridge("br", 300, 1000);
    for (const dp of [1, 2]) {
      of.setPort("br", { dpPort: dp, name: `p${dp}`, policy: policyOf("trunk", 0, []), up: true }, dp);
    }
    of.flowMod("br", fm({ command: 3, tableId: 0xff, match: [], instructions: [] })); // delete all
    // table 0: everything goes to table 1; table 1: UDP to 10.0.0.2 out of port 2, the rest misses.
    of.flowMod("br", fm({ tableId: 0, priority: 1, instructions: [goto(1)] }));
    of.flowMod(
      "br",
      fm({
        tableId: 1,
        priority: 5,
        match: [m("eth_type", 0x0800), m("ipv4_dst", 0x0a000002)],
        instructions: [apply(out(2))],
      }),
    );
    const br = of.bridges.get("br");
    if (!br) throw new Error("no bridge");
    const counts = () =>
      tableStats(br.tables)
        .slice(0, 2)
        .map((s) => [s.lookupCount, s.matchedCount]);
    return { of, rt, counts };
  }

  it("the missed packet, then every packet the megaflow reports, then its final counts", () => {
    const { of, rt, counts } = setup();
    const hit = frame({ ipDst: "10.0.0.2" });
    const missT1 = frame({ ipDst: "10.0.0.9" });
    of.onMiss(1, parseKey(fp, hit, 1), hit);
    of.onMiss(1, parseKey(fp, missT1, 1), missT1);
    expect(counts()).toEqual([
      [2n, 2n],
      [2n, 1n],
    ]);
    const [h1, h2] = rt.installs.map((i) => i.handle);
    // The fast path handled 10 more packets of the first flow and 3 of the second.
    of.onFlowStats(h1, 0, 10, 10 * hit.length);
    of.onFlowStats(h2, 0, 3, 3 * missT1.length);
    expect(counts()).toEqual([
      [15n, 15n],
      [15n, 11n],
    ]);
    // A report that did not grow credits nothing; the final count of a deleted flow does.
    of.onFlowStats(h1, 0, 10, 10 * hit.length);
    of.onFlowGone(h1, GONE_DELETED, 12, 12 * hit.length);
    expect(counts()).toEqual([
      [17n, 17n],
      [17n, 13n],
    ]);
  });

  it("PACKET_OUT output:TABLE counts as a lookup of the tables it walks", () => {
    const { of, counts } = setup();
    const hit = frame({ ipDst: "10.0.0.2" });
    of.packetOut("br", OFPP.CONTROLLER, [out(OFPP.TABLE)], hit, (f, dp) => parseKey(fp, f, dp));
    expect(counts()).toEqual([
      [1n, 1n],
      [1n, 1n],
    ]);
  });
});
