// METER_MOD semantics on a bridge's meter table: every METER_MOD_FAILED code, DELETE of
// OFPM_ALL and of unknown meters, slots shared between bridges.

import { describe, expect, it } from "vitest";
import { OFPM_ALL, OFPM_CONTROLLER, OFPM_MAX, OFPM_SLOWPATH } from "../../../openflow/constants.ts";
import { METER_MOD_FAILED, OFPET, OfpError } from "../../../openflow/errors.ts";
import type { MeterBand } from "../../../openflow/messages/meter-bands.ts";
import { OFPMC, OFPMF } from "../../../openflow/messages/meter-mod.ts";
import { type MeterModRequest, MeterSlots, MeterTable } from "../../../src/ofproto/meter-table.ts";

const drop = (rate: number, burstSize = 0): MeterBand => ({ type: "drop", rate, burstSize });
const remark = (rate: number, precLevel: number, burstSize = 0): MeterBand => ({
  type: "dscp-remark",
  rate,
  burstSize,
  precLevel,
});

function mod(p: Partial<MeterModRequest> = {}): MeterModRequest {
  return { command: OFPMC.ADD, flags: OFPMF.PKTPS, meterId: 1, bands: [drop(100)], ...p };
}

function code(fn: () => unknown): number {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(OfpError);
    expect((e as OfpError).errType).toBe(OFPET.METER_MOD_FAILED);
    return (e as OfpError).errCode;
  }
  throw new Error("expected an OfpError");
}

function apply(t: MeterTable, m: MeterModRequest): void {
  t.commit(t.plan(m, 0));
}

describe("METER_MOD errors", () => {
  const t = new MeterTable(new MeterSlots(16));
  apply(t, mod({ meterId: 1 }));

  const cases: Array<[string, MeterModRequest, number]> = [
    ["BAD_COMMAND", mod({ command: 3 }), METER_MOD_FAILED.BAD_COMMAND],
    ["INVALID_METER 0", mod({ meterId: 0 }), METER_MOD_FAILED.INVALID_METER],
    ["INVALID_METER > OFPM_MAX", mod({ meterId: OFPM_MAX + 1 }), METER_MOD_FAILED.INVALID_METER],
    ["INVALID_METER SLOWPATH", mod({ meterId: OFPM_SLOWPATH }), METER_MOD_FAILED.INVALID_METER],
    ["INVALID_METER CONTROLLER", mod({ meterId: OFPM_CONTROLLER }), METER_MOD_FAILED.INVALID_METER],
    ["INVALID_METER ALL (add)", mod({ meterId: OFPM_ALL }), METER_MOD_FAILED.INVALID_METER],
    ["INVALID_METER ALL (modify)", mod({ command: OFPMC.MODIFY, meterId: OFPM_ALL }), METER_MOD_FAILED.INVALID_METER],
    ["INVALID_METER 0 (delete)", mod({ command: OFPMC.DELETE, meterId: 0 }), METER_MOD_FAILED.INVALID_METER],
    [
      "INVALID_METER CONTROLLER (delete)",
      mod({ command: OFPMC.DELETE, meterId: OFPM_CONTROLLER }),
      METER_MOD_FAILED.INVALID_METER,
    ],
    ["METER_EXISTS", mod({ meterId: 1 }), METER_MOD_FAILED.METER_EXISTS],
    ["UNKNOWN_METER", mod({ command: OFPMC.MODIFY, meterId: 2 }), METER_MOD_FAILED.UNKNOWN_METER],
    ["BAD_FLAGS unknown bit", mod({ meterId: 2, flags: OFPMF.PKTPS | 0x10 }), METER_MOD_FAILED.BAD_FLAGS],
    ["BAD_FLAGS KBPS|PKTPS", mod({ meterId: 2, flags: OFPMF.KBPS | OFPMF.PKTPS }), METER_MOD_FAILED.BAD_FLAGS],
    ["BAD_RATE", mod({ meterId: 2, bands: [drop(0)] }), METER_MOD_FAILED.BAD_RATE],
    [
      "BAD_BURST",
      mod({ meterId: 2, flags: OFPMF.PKTPS | OFPMF.BURST, bands: [drop(10, 0)] }),
      METER_MOD_FAILED.BAD_BURST,
    ],
    [
      "BAD_BAND experimenter",
      mod({
        meterId: 2,
        bands: [{ type: "experimenter", rate: 1, burstSize: 0, experimenter: 0x2320, data: new Uint8Array(0) }],
      }),
      METER_MOD_FAILED.BAD_BAND,
    ],
    ["BAD_BAND_VALUE prec_level 0", mod({ meterId: 2, bands: [remark(10, 0)] }), METER_MOD_FAILED.BAD_BAND_VALUE],
    [
      "OUT_OF_BANDS",
      mod({ meterId: 2, bands: Array.from({ length: 9 }, (_, i) => drop(i + 1)) }),
      METER_MOD_FAILED.OUT_OF_BANDS,
    ],
    [
      "modify is validated too",
      mod({ command: OFPMC.MODIFY, meterId: 1, bands: [drop(0)] }),
      METER_MOD_FAILED.BAD_RATE,
    ],
  ];
  for (const [name, m, want] of cases) {
    it(name, () => {
      expect(code(() => t.plan(m, 0))).toBe(want);
      expect(t.list().map((x) => [x.meterId, x.bands])).toEqual([[1, [drop(100)]]]);
    });
  }

  it("OUT_OF_METERS at the bridge's limit and when the datapath has no free slot", () => {
    const slots = new MeterSlots(3);
    const a = new MeterTable(slots, 2);
    const b = new MeterTable(slots);
    apply(a, mod({ meterId: 1 }));
    apply(a, mod({ meterId: 2 }));
    expect(code(() => a.plan(mod({ meterId: 3 }), 0))).toBe(METER_MOD_FAILED.OUT_OF_METERS);
    apply(b, mod({ meterId: 1 }));
    expect(code(() => b.plan(mod({ meterId: 2 }), 0))).toBe(METER_MOD_FAILED.OUT_OF_METERS);
    apply(a, mod({ command: OFPMC.DELETE, meterId: 2 }));
    apply(b, mod({ meterId: 2 })); // the freed slot serves the other bridge
    expect(new Set([...a.list(), ...b.list()].map((m) => m.slot)).size).toBe(3);
  });
});

describe("METER_MOD semantics", () => {
  it("ADD takes a slot; MODIFY keeps slot and creation time; KBPS, PKTPS or neither", () => {
    const t = new MeterTable(new MeterSlots());
    t.commit(t.plan(mod({ meterId: 5, flags: OFPMF.KBPS }), 100));
    t.commit(t.plan(mod({ meterId: 6, flags: 0 }), 100));
    const before = t.get(5);
    const change = t.plan(
      mod({
        command: OFPMC.MODIFY,
        meterId: 5,
        flags: OFPMF.KBPS | OFPMF.BURST,
        bands: [remark(50, 1, 5), drop(100, 10)],
      }),
      900,
    );
    expect(change.kind).toBe("modify");
    expect(t.get(5)).toBe(before); // plan changes nothing
    t.commit(change);
    expect(t.get(5)).toMatchObject({ slot: before?.slot, created: 100, flags: OFPMF.KBPS | OFPMF.BURST });
    expect(t.get(5)?.bands).toEqual([remark(50, 1, 5), drop(100, 10)]);
  });

  it("a meter may have no band (it only counts)", () => {
    const t = new MeterTable(new MeterSlots());
    apply(t, mod({ meterId: 1, bands: [] }));
    expect(t.get(1)?.bands).toEqual([]);
  });

  it("DELETE of an unknown meter is no error and no change; DELETE of OFPM_ALL deletes every one", () => {
    const slots = new MeterSlots(8);
    const t = new MeterTable(slots);
    for (const id of [3, 1, 2]) apply(t, mod({ meterId: id }));
    expect(t.plan(mod({ command: OFPMC.DELETE, meterId: 9 }), 0)).toEqual({ kind: "delete", meters: [] });
    const all = t.plan(mod({ command: OFPMC.DELETE, meterId: OFPM_ALL }), 0);
    expect(all.kind === "delete" && all.meters.map((m) => m.meterId)).toEqual([1, 2, 3]);
    t.commit(all);
    expect(t.size).toBe(0);
    for (let i = 1; i <= 8; i++) apply(t, mod({ meterId: i })); // every slot came back
    expect(code(() => t.plan(mod({ meterId: 9 }), 0))).toBe(METER_MOD_FAILED.OUT_OF_METERS);
  });
});
