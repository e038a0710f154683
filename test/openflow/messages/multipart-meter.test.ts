import { describe, expect, it } from "vitest";
import { BAD_REQUEST, OFPET } from "../../../openflow/errors.ts";
import { decodeMessage } from "../../../openflow/message.ts";
import { expectOfpError, fixture, ofpError, roundTrip, truncations } from "../support/session-codec.ts";

function reply(name: string) {
  return roundTrip(name, "multipart-reply").body;
}

describe("multipart METER / METER_CONFIG / METER_FEATURES reply fixtures", () => {
  it("METER: counters and band counters", () => {
    expect(reply("multipart-meter-reply")).toEqual({
      part: "meter",
      stats: [
        {
          meterId: 1,
          flowCount: 3,
          packetInCount: 500n,
          byteInCount: 64000n,
          durationSec: 12,
          durationNsec: 34,
          bandStats: [{ packetBandCount: 5n, byteBandCount: 320n }],
        },
      ],
    });
  });

  it("METER_CONFIG: flags, meter id, DROP and DSCP_REMARK bands", () => {
    expect(reply("multipart-meter-config-reply")).toEqual({
      part: "meter-config",
      configs: [
        {
          flags: 0b101,
          meterId: 1,
          bands: [
            { type: "drop", rate: 1000, burstSize: 100 },
            { type: "dscp-remark", rate: 500, burstSize: 50, precLevel: 1 },
          ],
        },
      ],
    });
  });

  it("METER_FEATURES", () => {
    expect(reply("multipart-meter-features-reply")).toEqual({
      part: "meter-features",
      maxMeter: 65536,
      bandTypes: 0b110,
      capabilities: 0b1111,
      maxBands: 2,
      maxColor: 0,
    });
  });
});

describe("multipart meter bodies malformed", () => {
  it("METER stats len lies are BAD_REQUEST/BAD_LEN", () => {
    for (const len of [0, 39, 41, 72, 0xffff]) {
      const b = fixture("multipart-meter-reply");
      new DataView(b.buffer).setUint16(20, len);
      expectOfpError(() => decodeMessage(b), OFPET.BAD_REQUEST, BAD_REQUEST.BAD_LEN);
    }
  });

  it("METER_CONFIG length lies are BAD_REQUEST/BAD_LEN", () => {
    for (const len of [0, 7, 9, 0xffff]) {
      const b = fixture("multipart-meter-config-reply");
      new DataView(b.buffer).setUint16(16, len);
      expectOfpError(() => decodeMessage(b), OFPET.BAD_REQUEST, BAD_REQUEST.BAD_LEN);
    }
  });

  it("every truncation raises an OfpError, or decodes at an entry boundary", () => {
    for (const name of ["multipart-meter-reply", "multipart-meter-config-reply", "multipart-meter-features-reply"]) {
      for (const t of truncations(fixture(name))) {
        if (t.length === 16 && name !== "multipart-meter-features-reply") {
          expect(decodeMessage(t).kind).toBe("multipart-reply");
          continue;
        }
        ofpError(() => decodeMessage(t));
      }
    }
  });
});
