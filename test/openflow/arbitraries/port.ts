// fast-check arbitraries for ofp_port, PORT_STATUS and PORT_MOD.

import fc from "fast-check";
import type { OfpPort, PortModMessage, PortStatusMessage } from "../../../openflow/messages/port.ts";
import { fixedString, macAddr, u8, u32, xid } from "./wire-scalars.ts";

export const ofpPort: fc.Arbitrary<OfpPort> = fc.record({
  portNo: u32,
  hwAddr: macAddr,
  name: fixedString(16),
  config: u32,
  state: u32,
  curr: u32,
  advertised: u32,
  supported: u32,
  peer: u32,
  currSpeed: u32,
  maxSpeed: u32,
});

export const portStatus: fc.Arbitrary<PortStatusMessage> = fc.record({
  kind: fc.constant("port-status" as const),
  xid,
  reason: u8,
  desc: ofpPort,
});

export const portMod: fc.Arbitrary<PortModMessage> = fc.record({
  kind: fc.constant("port-mod" as const),
  xid,
  portNo: u32,
  hwAddr: macAddr,
  config: u32,
  mask: u32,
  advertise: u32,
});
