// IP fragment handling (SET_CONFIG frag mode) in translation: with fragDrop, first and later
// IPv4 fragments are dropped before table 0 (counted drop reason FRAG_DROP, nothing else
// emitted, no table looked up), non-fragments run the tables; in that mode the key's FRAG_ANY
// bit is in every mask, so megaflows for fragments and non-fragments stay apart. Without it,
// nothing changes (fragments run the tables, IP_FRAG is not read). output:TABLE in a packet-out
// obeys the mode too (Open vSwitch drops fragments at the table lookup).

import { beforeAll, describe, expect, it } from "vitest";
import { OFPP } from "../../../../openflow/constants.ts";
import { ActionList, DROP_REASON, describeActions } from "../../../../src/datapath/datapath-actions.ts";
import { createFastPath, type FastPath } from "../../../../src/datapath/fastpath-module.ts";
import { FRAG, KEY } from "../../../../src/datapath/flow-key.ts";
import { xlatePacketOut, xlatePipeline } from "../../../../src/ofproto/xlate/xlate.ts";
import { addRule, apply, DP, env, flowOf, frame, out, realTables } from "./xlate-harness.ts";

let fp: FastPath;
beforeAll(async () => {
  fp = await createFastPath({ buffers: 64 });
});

/** A UDP/IPv4 frame made a fragment: first (MF set) or later (offset 8 bytes). */
function fragment(later: boolean): Uint8Array {
  const f = frame({ ipDst: "10.0.0.2" });
  const ip = 14;
  f[ip + 6] = later ? 0x00 : 0x20;
  f[ip + 7] = later ? 0x01 : 0x00;
  f[ip + 10] = 0;
  f[ip + 11] = 0;
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += (f[ip + i] << 8) | f[ip + i + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  f[ip + 10] = (~sum >> 8) & 0xff;
  f[ip + 11] = ~sum & 0xff;
  return f;
}

function tables() {
  const t = realTables();
  addRule(t, 0, 1, [], [apply(out(2))]);
  return t;
}

describe("frag mode DROP", () => {
  it("the parser marks the crafted frames as fragments", () => {
    expect(flowOf(fp, fragment(false), 1).key[KEY.IP_FRAG]).toBe(FRAG.ANY);
    expect(flowOf(fp, fragment(true), 1).key[KEY.IP_FRAG]).toBe(FRAG.ANY | FRAG.LATER);
  });

  it("drops first and later fragments before table 0; the mask holds FRAG_ANY", () => {
    for (const later of [false, true]) {
      const r = xlatePipeline({ ...env(tables()), fragDrop: true }, flowOf(fp, fragment(later), 1));
      expect(r.failed).toBeUndefined();
      expect(describeActions(r.actions)).toBe(describeActions(new ActionList().drop(DROP_REASON.FRAG_DROP).bytes()));
      expect(r.rules).toEqual([]);
      expect(r.tableVisits).toEqual([]);
      expect(r.mask[KEY.IP_FRAG] & FRAG.ANY).toBe(FRAG.ANY);
      expect(r.trace.steps.some((s) => /fragment/.test(s.text))).toBe(true);
    }
  });

  it("non-fragments run the tables, with FRAG_ANY in the mask", () => {
    const r = xlatePipeline({ ...env(tables()), fragDrop: true }, flowOf(fp, frame(), 1));
    expect(r.actions).toEqual(new ActionList().output(DP(2)).bytes());
    expect(r.mask[KEY.IP_FRAG] & FRAG.ANY).toBe(FRAG.ANY);
  });

  it("without it fragments run the tables and IP_FRAG is not read", () => {
    const r = xlatePipeline(env(tables()), flowOf(fp, fragment(false), 1));
    expect(r.actions).toEqual(new ActionList().output(DP(2)).bytes());
    expect(r.mask[KEY.IP_FRAG]).toBe(0);
  });

  it("a packet-out's output:TABLE drops a fragment; its other outputs stand", () => {
    const e = { ...env(tables()), fragDrop: true };
    const r = xlatePacketOut(e, flowOf(fp, fragment(false), 1), [out(3), out(OFPP.TABLE)]);
    expect(r.actions).toEqual(new ActionList().output(DP(3)).bytes());
    expect(r.rules).toEqual([]);
  });
});
