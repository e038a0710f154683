// Port state and PORT_MOD validation: liveness and the ofp_port state bits, which config bits
// block input, and portModConfig's error codes (OpenFlow 1.3.5 §7.3.4.3, §7.4.4), checked in
// order, with the new config computed under the mask.

import { describe, expect, it } from "vitest";
import { OFPET, OfpError, PORT_MOD_FAILED } from "../../../openflow/errors.ts";
import { OFPPC, OFPPS } from "../../../openflow/messages/port.ts";
import {
  inputBlocked,
  OFPPC_SUPPORTED,
  portLive,
  portModConfig,
  portStateBits,
} from "../../../src/ofproto/port-state.ts";

const MAC = Uint8Array.from([2, 0, 0, 0, 0, 7]);
const port = (config = 0) => ({ config, hwAddr: MAC });
const pm = (p: { portNo?: number; hwAddr?: Uint8Array; config?: number; mask?: number; advertise?: number }) => ({
  portNo: 1,
  hwAddr: MAC,
  config: 0,
  mask: 0,
  advertise: 0,
  ...p,
});

function errorOf(fn: () => unknown): [number, number] {
  try {
    fn();
  } catch (e) {
    if (e instanceof OfpError) return [e.errType, e.errCode];
    throw e;
  }
  throw new Error("expected an OfpError");
}

describe("liveness and state bits", () => {
  it("LIVE needs admin up and link up; LINK_DOWN mirrors the link", () => {
    expect(portStateBits({ config: 0, linkUp: true })).toBe(OFPPS.LIVE);
    expect(portStateBits({ config: 0, linkUp: false })).toBe(OFPPS.LINK_DOWN);
    expect(portStateBits({ config: OFPPC.PORT_DOWN, linkUp: true })).toBe(0);
    expect(portLive({ config: OFPPC.NO_FWD | OFPPC.NO_RECV, linkUp: true })).toBe(true);
  });
  it("PORT_DOWN and NO_RECV block input; NO_FWD and NO_PACKET_IN do not", () => {
    expect(inputBlocked(OFPPC.PORT_DOWN)).toBe(true);
    expect(inputBlocked(OFPPC.NO_RECV)).toBe(true);
    expect(inputBlocked(OFPPC.NO_FWD | OFPPC.NO_PACKET_IN)).toBe(false);
  });
});

describe("portModConfig", () => {
  it("changes only the masked bits", () => {
    expect(portModConfig(port(OFPPC.NO_FWD), pm({ config: OFPPC.PORT_DOWN, mask: OFPPC.PORT_DOWN }))).toBe(
      OFPPC.NO_FWD | OFPPC.PORT_DOWN,
    );
    expect(portModConfig(port(OFPPC.PORT_DOWN | OFPPC.NO_FWD), pm({ config: 0, mask: OFPPC.PORT_DOWN }))).toBe(
      OFPPC.NO_FWD,
    );
    // Bits outside the mask are neither applied nor checked (even unknown ones).
    expect(portModConfig(port(), pm({ config: OFPPC.NO_RECV | (1 << 20), mask: 0 }))).toBe(0);
    expect(portModConfig(port(), pm({ config: OFPPC_SUPPORTED, mask: OFPPC_SUPPORTED }))).toBe(OFPPC_SUPPORTED);
  });
  it("ignores advertise", () => {
    expect(portModConfig(port(), pm({ advertise: 0xffff, mask: OFPPC.NO_FWD, config: OFPPC.NO_FWD }))).toBe(
      OFPPC.NO_FWD,
    );
  });
  it("refuses an unknown port with BAD_PORT, before anything else", () => {
    expect(errorOf(() => portModConfig(undefined, pm({ hwAddr: new Uint8Array(6), mask: 1 << 3 })))).toEqual([
      OFPET.PORT_MOD_FAILED,
      PORT_MOD_FAILED.BAD_PORT,
    ]);
  });
  it("refuses a hw_addr other than the port's with BAD_HW_ADDR, before checking config", () => {
    const other = Uint8Array.from([2, 0, 0, 0, 0, 8]);
    expect(errorOf(() => portModConfig(port(), pm({ hwAddr: other, mask: 1 << 3 })))).toEqual([
      OFPET.PORT_MOD_FAILED,
      PORT_MOD_FAILED.BAD_HW_ADDR,
    ]);
  });
  it.each([1 << 1, 1 << 3, 1 << 4, 1 << 7, 0x80000000])("refuses mask bit 0x%s with BAD_CONFIG", (bit) => {
    expect(errorOf(() => portModConfig(port(), pm({ config: bit, mask: bit | OFPPC.PORT_DOWN })))).toEqual([
      OFPET.PORT_MOD_FAILED,
      PORT_MOD_FAILED.BAD_CONFIG,
    ]);
  });
});
