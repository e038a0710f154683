import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BAD_REQUEST, OFPET } from "../../../openflow/errors.ts";
import { decodeMessage, encodeMessage } from "../../../openflow/message.ts";
import { OFPPC, OFPPF, OFPPR, OFPPS } from "../../../openflow/messages/port.ts";
import { portMod, portStatus } from "../arbitraries/port.ts";
import { expectOfpError, fixture, roundTrip, truncations } from "../support/session-codec.ts";

const badLen = [OFPET.BAD_REQUEST, BAD_REQUEST.BAD_LEN] as const;

describe("PORT_STATUS / PORT_MOD fixtures (os-ken)", () => {
  it("port status MODIFY with a full ofp_port", () => {
    const m = roundTrip("port-status-modify", "port-status");
    expect(m.reason).toBe(OFPPR.MODIFY);
    expect(m.desc).toEqual({
      portNo: 1,
      hwAddr: Uint8Array.from([2, 0, 0, 0, 0x0a, 1]),
      name: "veth-a",
      config: 0,
      state: OFPPS.LIVE,
      curr: OFPPF["10GB_FD"] | OFPPF.COPPER,
      advertised: 0,
      supported: OFPPF["10GB_FD"],
      peer: 0,
      currSpeed: 10_000_000,
      maxSpeed: 10_000_000,
    });
  });

  it("port mod: port, hw_addr, config, mask, advertise", () => {
    const m = roundTrip("port-mod", "port-mod");
    expect(m).toMatchObject({
      portNo: 3,
      hwAddr: Uint8Array.from([2, 0, 0, 0, 0x0a, 3]),
      config: OFPPC.PORT_DOWN,
      mask: OFPPC.PORT_DOWN | OFPPC.NO_FWD,
      advertise: OFPPF["1GB_FD"],
    });
  });
});

describe("PORT property", () => {
  it("decode(encode(x)) = x, names up to 16 characters", () => {
    fc.assert(
      fc.property(fc.oneof(portStatus, portMod), (m) => {
        expect(decodeMessage(encodeMessage(m))).toEqual(m);
      }),
    );
  });
});

describe("PORT malformed", () => {
  it("every truncation is BAD_REQUEST/BAD_LEN", () => {
    for (const name of ["port-status-modify", "port-mod"]) {
      for (const t of truncations(fixture(name))) expectOfpError(() => decodeMessage(t), ...badLen);
    }
  });

  it("a name with bytes after its NUL decodes to the text before it and re-encodes NUL-padded", () => {
    const b = fixture("port-status-modify");
    b[16 + 16 + 7] = 0x41; // inside the name field, after "veth-a\0"
    const m = decodeMessage(b);
    expect(m.kind === "port-status" && m.desc.name).toBe("veth-a");
    expect(encodeMessage(m)).toEqual(fixture("port-status-modify"));
  });
});
