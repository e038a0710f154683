import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BAD_REQUEST, OFPET } from "../../../openflow/errors.ts";
import { decodeMessage, encodeMessage } from "../../../openflow/message.ts";
import { multipartType, OFPMP, OFPMPF_REPLY_MORE } from "../../../openflow/messages/multipart.ts";
import { multipartReply, multipartRequest } from "../arbitraries/multipart.ts";
import { expectOfpError, fixture, roundTrip, truncations } from "../support/session-codec.ts";

const REQUESTS: Array<[string, string]> = [
  ["multipart-desc-request", "desc"],
  ["multipart-table-request", "table"],
  ["multipart-port-stats-request", "port-stats"],
  ["multipart-port-desc-request", "port-desc"],
  ["multipart-queue-request", "queue"],
  ["multipart-group-request", "group"],
  ["multipart-group-desc-request", "group-desc"],
  ["multipart-group-features-request", "group-features"],
  ["multipart-meter-request", "meter"],
  ["multipart-meter-config-request", "meter-config"],
  ["multipart-meter-features-request", "meter-features"],
  ["multipart-table-features-request-empty", "table-features"],
  ["multipart-table-features-request", "table-features"],
  ["multipart-experimenter-request", "experimenter"],
];

describe("MULTIPART request fixtures (os-ken serialized every one)", () => {
  for (const [name, part] of REQUESTS) {
    it(`${name} → ${part}, byte exact`, () => {
      const m = roundTrip(name, "multipart-request");
      expect(m.body.part).toBe(part);
      expect(m.flags).toBe(0);
    });
  }

  it("request bodies carry their selectors", () => {
    expect(roundTrip("multipart-port-stats-request", "multipart-request").body).toEqual({
      part: "port-stats",
      portNo: 0xffffffff,
    });
    expect(roundTrip("multipart-queue-request", "multipart-request").body).toEqual({
      part: "queue",
      portNo: 0xffffffff,
      queueId: 0xffffffff,
    });
    expect(roundTrip("multipart-group-request", "multipart-request").body).toEqual({
      part: "group",
      groupId: 0xfffffffc,
    });
    expect(roundTrip("multipart-meter-request", "multipart-request").body).toEqual({
      part: "meter",
      meterId: 0xffffffff,
    });
    expect(roundTrip("multipart-meter-config-request", "multipart-request").body).toEqual({
      part: "meter-config",
      meterId: 1,
    });
    const exp = roundTrip("multipart-experimenter-request", "multipart-request").body;
    expect(exp).toEqual({
      part: "experimenter",
      experimenter: 0xabcdef,
      expType: 77,
      data: new TextEncoder().encode("abcd"),
    });
  });

  it("the reply flag REPLY_MORE is carried", () => {
    expect(roundTrip("multipart-table-reply", "multipart-reply").flags).toBe(OFPMPF_REPLY_MORE);
  });

  it("multipartType maps parts to OFPMP numbers", () => {
    expect(multipartType("table-features")).toBe(OFPMP.TABLE_FEATURES);
    expect(multipartType("port-desc")).toBe(OFPMP.PORT_DESC);
    expect(multipartType("experimenter")).toBe(OFPMP.EXPERIMENTER);
  });
});

describe("MULTIPART property", () => {
  it("decode(encode(x)) = x for requests of every subtype", () => {
    fc.assert(
      fc.property(multipartRequest, (m) => {
        expect(decodeMessage(encodeMessage(m))).toEqual(m);
      }),
      { numRuns: 600 },
    );
  });
  it("decode(encode(x)) = x for replies of every subtype", () => {
    fc.assert(
      fc.property(multipartReply, (m) => {
        expect(decodeMessage(encodeMessage(m))).toEqual(m);
      }),
      { numRuns: 600 },
    );
  });
});

describe("MULTIPART malformed", () => {
  it("an unknown subtype is BAD_REQUEST/BAD_MULTIPART", () => {
    for (const type of [14, 15, 0x100, 0xfffe]) {
      const b = fixture("multipart-desc-request");
      new DataView(b.buffer).setUint16(8, type);
      expectOfpError(() => decodeMessage(b), OFPET.BAD_REQUEST, BAD_REQUEST.BAD_MULTIPART);
    }
  });

  it("a truncated multipart header is BAD_REQUEST/BAD_LEN", () => {
    const b = fixture("multipart-desc-request");
    for (const t of truncations(b)) expectOfpError(() => decodeMessage(t), OFPET.BAD_REQUEST, BAD_REQUEST.BAD_LEN);
  });

  it("a body on a body-less request, or a short selector, is BAD_REQUEST/BAD_LEN", () => {
    for (const name of ["multipart-desc-request", "multipart-group-desc-request", "multipart-meter-features-request"]) {
      const b = fixture(name);
      const longer = Uint8Array.from([...b, 0, 0, 0, 0, 0, 0, 0, 0]);
      new DataView(longer.buffer).setUint16(2, longer.length);
      expectOfpError(() => decodeMessage(longer), OFPET.BAD_REQUEST, BAD_REQUEST.BAD_LEN);
    }
    for (const name of ["multipart-port-stats-request", "multipart-group-request", "multipart-queue-request"]) {
      for (const t of truncations(fixture(name))) {
        expectOfpError(() => decodeMessage(t), OFPET.BAD_REQUEST, BAD_REQUEST.BAD_LEN);
      }
    }
  });

  it("an experimenter body under 8 bytes is BAD_REQUEST/BAD_LEN", () => {
    for (const t of truncations(fixture("multipart-experimenter-reply"))) {
      if (t.length >= 24) expect(decodeMessage(t).kind).toBe("multipart-reply");
      else expectOfpError(() => decodeMessage(t), OFPET.BAD_REQUEST, BAD_REQUEST.BAD_LEN);
    }
  });
});
