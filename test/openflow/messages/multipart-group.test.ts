import { describe, expect, it } from "vitest";
import { OFPG_ANY, OFPP } from "../../../openflow/constants.ts";
import { BAD_REQUEST, GROUP_MOD_FAILED, OFPET } from "../../../openflow/errors.ts";
import { decodeMessage } from "../../../openflow/message.ts";
import { OFPGT } from "../../../openflow/messages/multipart-group.ts";
import { expectOfpError, fixture, ofpError, roundTrip, truncations } from "../support/session-codec.ts";

function reply(name: string) {
  return roundTrip(name, "multipart-reply").body;
}

describe("multipart GROUP / GROUP_DESC / GROUP_FEATURES reply fixtures", () => {
  it("GROUP: counters and per-bucket counters", () => {
    expect(reply("multipart-group-reply")).toEqual({
      part: "group",
      stats: [
        {
          groupId: 7,
          refCount: 2,
          packetCount: 100n,
          byteCount: 6400n,
          durationSec: 30,
          durationNsec: 40,
          bucketStats: [
            { packetCount: 60n, byteCount: 3840n },
            { packetCount: 40n, byteCount: 2560n },
          ],
        },
      ],
    });
  });

  it("GROUP_DESC: a SELECT group with weighted buckets and their actions", () => {
    expect(reply("multipart-group-desc-reply")).toEqual({
      part: "group-desc",
      groups: [
        {
          groupType: OFPGT.SELECT,
          groupId: 9,
          buckets: [
            {
              weight: 10,
              watchPort: OFPP.ANY,
              watchGroup: OFPG_ANY,
              actions: [{ type: "output", port: 1, maxLen: 0 }],
            },
            {
              weight: 20,
              watchPort: OFPP.ANY,
              watchGroup: OFPG_ANY,
              actions: [{ type: "output", port: 2, maxLen: 0 }],
            },
          ],
        },
      ],
    });
  });

  it("GROUP_FEATURES: types, capabilities, max groups and actions per type", () => {
    expect(reply("multipart-group-features-reply")).toMatchObject({
      part: "group-features",
      types: 15,
      maxGroups: [1024, 1024, 1024, 1024],
      actions: [1, 1, 1, 1],
    });
  });
});

describe("multipart group bodies malformed", () => {
  it("GROUP stats length lies are BAD_REQUEST/BAD_LEN", () => {
    for (const len of [0, 39, 41, 88, 0xffff]) {
      const b = fixture("multipart-group-reply");
      new DataView(b.buffer).setUint16(16, len);
      expectOfpError(() => decodeMessage(b), OFPET.BAD_REQUEST, BAD_REQUEST.BAD_LEN);
    }
  });

  it("GROUP_DESC: desc length lies are BAD_REQUEST/BAD_LEN, bucket length lies GROUP_MOD_FAILED/BAD_BUCKET", () => {
    for (const len of [0, 7, 0xffff]) {
      const b = fixture("multipart-group-desc-reply");
      new DataView(b.buffer).setUint16(16, len);
      expectOfpError(() => decodeMessage(b), OFPET.BAD_REQUEST, BAD_REQUEST.BAD_LEN);
    }
    for (const len of [0, 8, 15, 33, 72]) {
      const b = fixture("multipart-group-desc-reply");
      new DataView(b.buffer).setUint16(24, len); // first bucket's len
      expectOfpError(() => decodeMessage(b), OFPET.GROUP_MOD_FAILED, GROUP_MOD_FAILED.BAD_BUCKET);
    }
  });

  it("every truncation raises an OfpError or decodes at a record boundary", () => {
    for (const name of ["multipart-group-reply", "multipart-group-desc-reply", "multipart-group-features-reply"]) {
      for (const t of truncations(fixture(name))) {
        if (t.length === 16) {
          if (name !== "multipart-group-features-reply") expect(decodeMessage(t).kind).toBe("multipart-reply");
          continue;
        }
        ofpError(() => decodeMessage(t));
      }
    }
  });
});
