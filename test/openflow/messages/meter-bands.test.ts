import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { WireReader } from "../../../openflow/codec/wire-reader.ts";
import { WireWriter } from "../../../openflow/codec/wire-writer.ts";
import { BAD_REQUEST, METER_MOD_FAILED, OFPET } from "../../../openflow/errors.ts";
import { decodeMeterBands, encodeMeterBands, OFPMBT } from "../../../openflow/messages/meter-bands.ts";
import { meterBand } from "../arbitraries/meter-bands.ts";
import { expectOfpError } from "../support/session-codec.ts";

function encode(list: Parameters<typeof encodeMeterBands>[0]): Uint8Array {
  const w = new WireWriter();
  encodeMeterBands(list, w);
  return w.bytesOut();
}
const decode = (b: Uint8Array) => decodeMeterBands(new WireReader(b));

describe("meter bands", () => {
  it("decode(encode(x)) = x for DROP, DSCP_REMARK and EXPERIMENTER", () => {
    fc.assert(
      fc.property(fc.array(meterBand, { maxLength: 4 }), (list) => void expect(decode(encode(list))).toEqual(list)),
    );
  });

  it("layouts: DROP and DSCP_REMARK are 16 bytes, experimenter 16 + data", () => {
    const b = encode([
      { type: "drop", rate: 1, burstSize: 2 },
      { type: "dscp-remark", rate: 3, burstSize: 4, precLevel: 5 },
      { type: "experimenter", rate: 6, burstSize: 7, experimenter: 8, data: new Uint8Array(8) },
    ]);
    expect(Buffer.from(b).toString("hex")).toBe(
      "0001001000000001000000020000000000020010000000030000000405000000ffff0018000000060000000700000008" +
        "0000000000000000",
    );
  });

  it("an unknown band type is METER_MOD_FAILED/BAD_BAND", () => {
    const b = encode([{ type: "drop", rate: 1, burstSize: 2 }]);
    new DataView(b.buffer).setUint16(0, 3);
    expectOfpError(() => decode(b), OFPET.METER_MOD_FAILED, METER_MOD_FAILED.BAD_BAND);
  });

  it("band lengths that lie are BAD_REQUEST/BAD_LEN", () => {
    for (const [type, len] of [
      [OFPMBT.DROP, 8],
      [OFPMBT.DROP, 24],
      [OFPMBT.DSCP_REMARK, 20],
      [OFPMBT.EXPERIMENTER, 12],
      [OFPMBT.EXPERIMENTER, 40],
    ]) {
      const b = encode([{ type: "drop", rate: 1, burstSize: 2 }]);
      new DataView(b.buffer).setUint16(0, type);
      new DataView(b.buffer).setUint16(2, len);
      expectOfpError(() => decode(b), OFPET.BAD_REQUEST, BAD_REQUEST.BAD_LEN);
    }
  });
});
