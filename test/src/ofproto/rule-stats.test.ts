import { describe, expect, it } from "vitest";
import { WireReader } from "../../../openflow/codec/wire-reader.ts";
import { WireWriter } from "../../../openflow/codec/wire-writer.ts";
import { OFPG_ANY, OFPP, OFPTT_ALL } from "../../../openflow/constants.ts";
import { BAD_MATCH, BAD_REQUEST, OFPET, OfpError } from "../../../openflow/errors.ts";
import type { Match } from "../../../openflow/match/match.ts";
import { OFPFF } from "../../../openflow/messages/flow-mod.ts";
import { decodeFlowStatsReply, encodeFlowStatsReply } from "../../../openflow/messages/flow-stats.ts";
import { applyFlowMod } from "../../../src/ofproto/flow-mod.ts";
import {
  aggregateStats,
  COUNTER_UNAVAILABLE,
  creditRule,
  flowStats,
  tableStats,
} from "../../../src/ofproto/rule-stats.ts";
import { N_TABLES, RuleTables } from "../../../src/ofproto/rule-table.ts";
import { flowMod, ip4, output } from "./flow-fixtures.ts";

const IP: Match = [{ name: "eth_type", value: 0x0800 }];
const host = (d: number): Match => [...IP, { name: "ipv4_dst", value: ip4(10, 0, 0, d) }];
const req = (p: Partial<Parameters<typeof flowStats>[1]> = {}) => ({
  tableId: OFPTT_ALL,
  outPort: OFPP.ANY,
  outGroup: OFPG_ANY,
  cookie: 0n,
  cookieMask: 0n,
  match: [] as Match,
  ...p,
});

function errorOf(fn: () => unknown): [number, number] {
  try {
    fn();
  } catch (e) {
    if (e instanceof OfpError) return [e.errType, e.errCode];
    throw e;
  }
  throw new Error("expected an OfpError");
}

describe("counters", () => {
  it("credits packets and bytes, and advances last-used", () => {
    const t = new RuleTables();
    const r = applyFlowMod(t, flowMod({ match: host(1) }), 0).added[0];
    creditRule(r, 3, 300, 50);
    creditRule(r, 0, 0, 90); // no packets: no use
    expect([r.packetCount, r.byteCount, r.lastUsed]).toEqual([3n, 300n, 50]);
  });
  it("NO_PKT_COUNTS / NO_BYT_COUNTS keep no counter and report all-ones", () => {
    const t = new RuleTables();
    const flags = OFPFF.NO_PKT_COUNTS | OFPFF.NO_BYT_COUNTS;
    const r = applyFlowMod(t, flowMod({ match: host(1), flags }), 0).added[0];
    creditRule(r, 3, 300, 50);
    expect(r.lastUsed).toBe(50);
    const [s] = flowStats(t, req(), 1000);
    expect([s.packetCount, s.byteCount]).toEqual([COUNTER_UNAVAILABLE, COUNTER_UNAVAILABLE]);
    const a = aggregateStats(t, req());
    expect([a.packetCount, a.byteCount, a.flowCount]).toEqual([COUNTER_UNAVAILABLE, COUNTER_UNAVAILABLE, 1]);
  });
  it("counts 64-bit wrap-around", () => {
    const t = new RuleTables();
    const r = applyFlowMod(t, flowMod({ match: host(1) }), 0).added[0];
    r.packetCount = COUNTER_UNAVAILABLE;
    creditRule(r, 2, 0, 1);
    expect(r.packetCount).toBe(1n);
  });
});

describe("FLOW, AGGREGATE and TABLE stats", () => {
  function tables() {
    const t = new RuleTables();
    applyFlowMod(t, flowMod({ match: host(1), cookie: 0x11n, instructions: output(1), priority: 9 }), 0);
    applyFlowMod(t, flowMod({ match: host(2), cookie: 0x12n, instructions: output(2) }), 0);
    applyFlowMod(t, flowMod({ match: IP, cookie: 0x21n, instructions: output(1), tableId: 2 }), 0);
    for (const [i, r] of [...t.rules(OFPTT_ALL)].entries()) creditRule(r, i + 1, (i + 1) * 100, 10);
    return t;
  }
  const cookies = (t: RuleTables, p = {}) => flowStats(t, req(p), 2500).map((s) => s.cookie);

  it("selects by table (incl. ALL), non-strict match, cookie and out_port", () => {
    const t = tables();
    expect(cookies(t)).toEqual([0x11n, 0x12n, 0x21n]);
    expect(cookies(t, { tableId: 2 })).toEqual([0x21n]);
    expect(cookies(t, { tableId: 1 })).toEqual([]);
    expect(cookies(t, { match: host(2) })).toEqual([0x12n]);
    expect(cookies(t, { match: IP })).toEqual([0x11n, 0x12n, 0x21n]);
    expect(cookies(t, { cookie: 0x10n, cookieMask: 0xf0n })).toEqual([0x11n, 0x12n]);
    expect(cookies(t, { outPort: 1 })).toEqual([0x11n, 0x21n]);
    expect(cookies(t, { outGroup: 3 })).toEqual([]);
  });
  it("reports the rule as added, and the entries encode as OFPMP_FLOW replies", () => {
    const t = tables();
    const flows = flowStats(t, req({ tableId: 0 }), 2500);
    expect(flows[0]).toMatchObject({
      tableId: 0,
      priority: 9,
      durationSec: 2,
      durationNsec: 500_000_000,
      packetCount: 1n,
    });
    expect(flows[0].match).toEqual(host(1));
    const w = new WireWriter();
    encodeFlowStatsReply({ part: "flow", flows }, w);
    expect(decodeFlowStatsReply(new WireReader(w.bytesOut())).flows).toEqual(flows);
  });
  it("aggregates packets, bytes and flows", () => {
    const t = tables();
    expect(aggregateStats(t, req())).toEqual({ part: "aggregate", packetCount: 6n, byteCount: 600n, flowCount: 3 });
    expect(aggregateStats(t, req({ outPort: 1 }))).toMatchObject({ packetCount: 4n, flowCount: 2 });
    expect(aggregateStats(t, req({ tableId: 5 }))).toMatchObject({ packetCount: 0n, byteCount: 0n, flowCount: 0 });
  });
  it("answers a bad table with BAD_REQUEST/BAD_TABLE_ID and a bad match with BAD_MATCH", () => {
    const t = tables();
    expect(errorOf(() => flowStats(t, req({ tableId: 254 }), 0))).toEqual([
      OFPET.BAD_REQUEST,
      BAD_REQUEST.BAD_TABLE_ID,
    ]);
    const bad: Match = [{ name: "tcp_dst", value: 80 }];
    expect(errorOf(() => aggregateStats(t, req({ match: bad })))).toEqual([OFPET.BAD_MATCH, BAD_MATCH.BAD_PREREQ]);
  });
  it("lists all 254 tables with active, lookup and matched counts", () => {
    const t = tables();
    t.creditLookups(0, 10, true);
    t.creditLookups(0, 4, false);
    const s = tableStats(t);
    expect(s).toHaveLength(N_TABLES);
    expect(s[0]).toEqual({ tableId: 0, activeCount: 2, lookupCount: 14n, matchedCount: 10n });
    expect(s[2]).toEqual({ tableId: 2, activeCount: 1, lookupCount: 0n, matchedCount: 0n });
    expect(s[253].tableId).toBe(253);
  });
});
