import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OFPCML_NO_BUFFER } from "../../../openflow/constants.ts";
import { BAD_REQUEST, OFPET } from "../../../openflow/errors.ts";
import { decodeMessage, encodeMessage } from "../../../openflow/message.ts";
import { OFPC_FRAG } from "../../../openflow/messages/switch-config.ts";
import { switchConfig } from "../arbitraries/simple-messages.ts";
import { expectOfpError, fixture, roundTrip, truncations, withLength } from "../support/session-codec.ts";

const badLen = [OFPET.BAD_REQUEST, BAD_REQUEST.BAD_LEN] as const;

describe("GET_CONFIG / SET_CONFIG fixtures (os-ken)", () => {
  it("get-config request is a bare header", () => {
    expect(roundTrip("switch-config-get-request", "get-config-request").xid).toBe(11);
  });
  it("get-config reply: flags and miss_send_len", () => {
    const m = roundTrip("switch-config-get-reply", "get-config-reply");
    expect(m).toMatchObject({ flags: OFPC_FRAG.DROP, missSendLen: 128 });
  });
  it("set-config: NO_BUFFER miss_send_len", () => {
    const m = roundTrip("switch-config-set", "set-config");
    expect(m).toMatchObject({ flags: OFPC_FRAG.NORMAL, missSendLen: OFPCML_NO_BUFFER });
  });
});

describe("SWITCH CONFIG property and malformed", () => {
  it("decode(encode(x)) = x", () => {
    fc.assert(fc.property(switchConfig, (m) => void expect(decodeMessage(encodeMessage(m))).toEqual(m)));
  });
  it("truncations and an extra byte are BAD_REQUEST/BAD_LEN", () => {
    for (const name of ["switch-config-get-reply", "switch-config-set"]) {
      for (const t of truncations(fixture(name))) expectOfpError(() => decodeMessage(t), ...badLen);
      expectOfpError(() => decodeMessage(withLength(Uint8Array.from([...fixture(name), 0]))), ...badLen);
    }
  });
});
