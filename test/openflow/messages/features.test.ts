import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BAD_REQUEST, OFPET } from "../../../openflow/errors.ts";
import { decodeMessage, encodeMessage } from "../../../openflow/message.ts";
import { OFPC } from "../../../openflow/messages/features.ts";
import { emptyBodyMessage, featuresReply } from "../arbitraries/simple-messages.ts";
import { expectOfpError, fixture, roundTrip, truncations, withLength } from "../support/session-codec.ts";

const badLen = [OFPET.BAD_REQUEST, BAD_REQUEST.BAD_LEN] as const;

describe("FEATURES fixtures (os-ken)", () => {
  it("request: a bare header", () => {
    expect(roundTrip("features-request", "features-request")).toEqual({ kind: "features-request", xid: 10 });
  });

  it("reply: datapath id, buffers, tables, auxiliary id, capabilities", () => {
    const m = roundTrip("features-reply", "features-reply");
    expect(m).toEqual({
      kind: "features-reply",
      xid: 10,
      datapathId: 0x0a0b0c0d0e0fn,
      nBuffers: 256,
      nTables: 254,
      auxiliaryId: 0,
      capabilities: OFPC.FLOW_STATS | OFPC.TABLE_STATS | OFPC.PORT_STATS | OFPC.GROUP_STATS,
      reserved: 0,
    });
  });
});

describe("FEATURES property", () => {
  it("decode(encode(x)) = x (reply and header-only messages)", () => {
    fc.assert(
      fc.property(fc.oneof(featuresReply, emptyBodyMessage), (m) => {
        expect(decodeMessage(encodeMessage(m))).toEqual(m);
      }),
    );
  });
});

describe("FEATURES malformed", () => {
  it("every truncation of the reply is BAD_REQUEST/BAD_LEN", () => {
    for (const t of truncations(fixture("features-reply"))) expectOfpError(() => decodeMessage(t), ...badLen);
  });
  it("a reply with a trailing byte, or a request with a body, is BAD_REQUEST/BAD_LEN", () => {
    expectOfpError(() => decodeMessage(withLength(Uint8Array.from([...fixture("features-reply"), 0]))), ...badLen);
    expectOfpError(() => decodeMessage(withLength(Uint8Array.from([...fixture("features-request"), 0]))), ...badLen);
  });
});
