import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BAD_REQUEST, HELLO_FAILED, OFPET } from "../../../openflow/errors.ts";
import { decodeMessage, encodeMessage } from "../../../openflow/message.ts";
import { errorMessage } from "../arbitraries/simple-messages.ts";
import { expectOfpError, fixture, roundTrip, truncations } from "../support/session-codec.ts";

describe("ERROR fixtures (os-ken)", () => {
  it("BAD_REQUEST/BAD_TYPE with the offending message as data", () => {
    const m = roundTrip("error-bad-request", "error");
    expect(m).toMatchObject({ errType: OFPET.BAD_REQUEST, code: BAD_REQUEST.BAD_TYPE, xid: 4 });
    expect(m.experimenter).toBeUndefined();
    expect(Buffer.from(m.data).toString("hex")).toBe("04ff00080000002a");
  });

  it("HELLO_FAILED/INCOMPATIBLE with a text", () => {
    const m = roundTrip("error-hello-failed", "error");
    expect(m).toMatchObject({ errType: OFPET.HELLO_FAILED, code: HELLO_FAILED.INCOMPATIBLE });
    expect(Buffer.from(m.data).toString()).toBe("no common version");
  });

  it("the experimenter form: exp_type in code, experimenter id, data", () => {
    const m = roundTrip("error-experimenter", "error");
    expect(m).toMatchObject({ errType: 0xffff, code: 0x1234, experimenter: 0x2320 });
    expect([...m.data]).toEqual([1, 2, 3]);
  });
});

describe("ERROR property", () => {
  it("decode(encode(x)) = x for both forms", () => {
    fc.assert(
      fc.property(errorMessage, (m) => {
        expect(decodeMessage(encodeMessage(m))).toEqual(m);
      }),
    );
  });
});

describe("ERROR malformed", () => {
  it("a body shorter than type+code (or type+exp_type+experimenter) is BAD_REQUEST/BAD_LEN", () => {
    for (const name of ["error-bad-request", "error-experimenter"]) {
      const minimum = name === "error-experimenter" ? 16 : 12;
      for (const t of truncations(fixture(name))) {
        if (t.length >= minimum) expect(decodeMessage(t).kind).toBe("error");
        else expectOfpError(() => decodeMessage(t), OFPET.BAD_REQUEST, BAD_REQUEST.BAD_LEN);
      }
    }
  });
});
