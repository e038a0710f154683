import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeMessage, encodeMessage } from "../../../openflow/message.ts";
import { echoMessage } from "../arbitraries/simple-messages.ts";
import { fixture, roundTrip, truncations } from "../support/session-codec.ts";

describe("ECHO fixtures (os-ken)", () => {
  it("a request carries its data", () => {
    const m = roundTrip("echo-request", "echo-request");
    expect(Buffer.from(m.data).toString()).toBe("ping-wasmvs");
    expect(m.xid).toBe(6);
  });
  it("an empty request is valid", () => {
    expect(roundTrip("echo-request-empty", "echo-request").data.length).toBe(0);
  });
  it("a reply carries arbitrary bytes, NULs included", () => {
    expect([...roundTrip("echo-reply", "echo-reply").data]).toEqual([0, 1, 2, 0xff]);
  });
  it("every truncation is still a valid echo with a shorter payload", () => {
    for (const t of truncations(fixture("echo-request"))) {
      const m = decodeMessage(t);
      expect(m.kind === "echo-request" && m.data.length).toBe(t.length - 8);
    }
  });
});

describe("ECHO property", () => {
  it("decode(encode(x)) = x", () => {
    fc.assert(fc.property(echoMessage, (m) => void expect(decodeMessage(encodeMessage(m))).toEqual(m)));
  });
});
