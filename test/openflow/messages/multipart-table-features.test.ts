import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { WireReader } from "../../../openflow/codec/wire-reader.ts";
import { WireWriter } from "../../../openflow/codec/wire-writer.ts";
import { BAD_REQUEST, OFPET, TABLE_FEATURES_FAILED } from "../../../openflow/errors.ts";
import { decodeMessage } from "../../../openflow/message.ts";
import {
  decodeTableFeaturesList,
  encodeTableFeaturesList,
  OFPTFPT,
} from "../../../openflow/messages/multipart-table-features.ts";
import { tableFeatures } from "../arbitraries/multipart.ts";
import { expectOfpError, fixture, ofpError, roundTrip, truncations } from "../support/session-codec.ts";

function tables(name: string, kind: "multipart-request" | "multipart-reply") {
  const body = roundTrip(name, kind).body;
  if (body.part !== "table-features") throw new Error(body.part);
  return body.tables;
}

describe("TABLE_FEATURES fixtures (os-ken serialized the properties)", () => {
  it("an empty request is a query", () => {
    expect(tables("multipart-table-features-request-empty", "multipart-request")).toEqual([]);
  });

  it("request and reply carry every property type, byte exact", () => {
    for (const [name, kind] of [
      ["multipart-table-features-request", "multipart-request"],
      ["multipart-table-features-reply", "multipart-reply"],
    ] as const) {
      const t = tables(name, kind);
      expect(t.map((x) => [x.tableId, x.name, x.maxEntries])).toEqual([
        [0, "classifier", 1_000_000],
        [1, "vlan", 1_000_000],
      ]);
      expect(t[0].metadataMatch).toBe(0xffffffffffffffffn);
      expect(t[0].properties.map((p) => p.type)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 13, 14, 15, 0xfffe]);
      const [inst, , next, nextMiss, , , , , match, wildcards, , , , , exp] = t[0].properties;
      expect(inst.prop === "instructions" && inst.ids.map((i) => i.type)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(next).toEqual({ prop: "next-tables", type: OFPTFPT.NEXT_TABLES, tableIds: [1, 2, 254] });
      expect(nextMiss).toEqual({ prop: "next-tables", type: OFPTFPT.NEXT_TABLES_MISS, tableIds: [] });
      // OXM ids as os-ken writes them: class 0x8000, field, HASMASK, and a zero length byte
      expect(match.prop === "oxm" && match.oxmIds[0]).toEqual({ header: 0x80000000 }); // in_port
      expect(wildcards.prop === "oxm" && wildcards.oxmIds[0]).toEqual({ header: 0x80000700 }); // eth_dst/mask
      expect(exp).toMatchObject({ prop: "experimenter", experimenter: 0x2320, expType: 1 });
    }
  });
});

describe("TABLE_FEATURES property", () => {
  it("decode(encode(x)) = x with known, experimenter and unknown properties", () => {
    fc.assert(
      fc.property(fc.array(tableFeatures, { maxLength: 3 }), (list) => {
        const w = new WireWriter();
        encodeTableFeaturesList(list, w);
        expect(decodeTableFeaturesList(new WireReader(w.bytesOut()))).toEqual(list);
      }),
      { numRuns: 400 },
    );
  });
});

describe("TABLE_FEATURES malformed", () => {
  const PROPS = 16 + 64; // first property of the first table in the request fixture

  it("a table-features length under 64 is BAD_REQUEST/BAD_LEN", () => {
    for (const len of [0, 2, 63]) {
      const b = fixture("multipart-table-features-request");
      new DataView(b.buffer).setUint16(16, len);
      expectOfpError(() => decodeMessage(b), OFPET.BAD_REQUEST, BAD_REQUEST.BAD_LEN);
    }
  });

  it("property lengths that lie are TABLE_FEATURES_FAILED/BAD_LEN", () => {
    for (const len of [0, 3, 0x7ff0]) {
      const b = fixture("multipart-table-features-request");
      new DataView(b.buffer).setUint16(PROPS + 2, len);
      expectOfpError(() => decodeMessage(b), OFPET.TABLE_FEATURES_FAILED, TABLE_FEATURES_FAILED.BAD_LEN);
    }
  });

  it("an instruction id length under 4 is TABLE_FEATURES_FAILED/BAD_LEN", () => {
    const b = fixture("multipart-table-features-request");
    new DataView(b.buffer).setUint16(PROPS + 4 + 2, 2);
    expectOfpError(() => decodeMessage(b), OFPET.TABLE_FEATURES_FAILED, TABLE_FEATURES_FAILED.BAD_LEN);
  });

  it("every truncation raises an OfpError (or ends at a table boundary)", () => {
    const b = fixture("multipart-table-features-request");
    const first = new DataView(b.buffer).getUint16(16);
    for (const t of truncations(b)) {
      if (t.length === 16 || t.length === 16 + first) expect(decodeMessage(t).kind).toBe("multipart-request");
      else ofpError(() => decodeMessage(t));
    }
  });
});
