// The port description struct (ofp_port, OpenFlow 1.3.5 §7.2.1), OFPT_PORT_STATUS (§7.4.3) and
// OFPT_PORT_MOD (§7.3.4).
//
// What: decodePort / encodePort for the 64-byte ofp_port (also the PORT_DESC multipart reply's
//   element), and paired decode/encode for the PORT_STATUS and PORT_MOD bodies.
//
//   ofp_port (64 bytes):
//   0         4     8         14     16          32
//   | port_no | pad | hw_addr | pad2 | name[16]  |
//   32       36      40     44           48          52     56           60          64
//   | config | state | curr | advertised | supported | peer | curr_speed | max_speed |
//
//   PORT_STATUS body:  0 reason | 1 pad[7] | 8 ofp_port (64)                      = 72
//   PORT_MOD body:     0 port_no | 4 pad | 8 hw_addr | 14 pad2 | 16 config | 20 mask
//                      | 24 advertise | 28 pad3[4]                                 = 32
//
// Invariants: each body has its exact size, else BAD_REQUEST/BAD_LEN. The name decodes up to
//   its first NUL (codec/fixed-string.ts); pad bytes re-encode as zeros.

import { decodeFixedString, encodeFixedString, expectEnd } from "../codec/fixed-string.ts";
import type { WireReader } from "../codec/wire-reader.ts";
import type { WireWriter } from "../codec/wire-writer.ts";
import { OFPT } from "../constants.ts";
import type { MessageCodec, OfpHeader } from "../message.ts";

export const OFP_PORT_LEN = 64;
export const OFP_MAX_PORT_NAME_LEN = 16;

export const OFPPC = { PORT_DOWN: 1 << 0, NO_RECV: 1 << 2, NO_FWD: 1 << 5, NO_PACKET_IN: 1 << 6 } as const;
export const OFPPS = { LINK_DOWN: 1 << 0, BLOCKED: 1 << 1, LIVE: 1 << 2 } as const;
export const OFPPR = { ADD: 0, DELETE: 1, MODIFY: 2 } as const;
/** ofp_port_features bits (curr/advertised/supported/peer). */
export const OFPPF = {
  "10MB_HD": 1 << 0,
  "10MB_FD": 1 << 1,
  "100MB_HD": 1 << 2,
  "100MB_FD": 1 << 3,
  "1GB_HD": 1 << 4,
  "1GB_FD": 1 << 5,
  "10GB_FD": 1 << 6,
  "40GB_FD": 1 << 7,
  "100GB_FD": 1 << 8,
  "1TB_FD": 1 << 9,
  OTHER: 1 << 10,
  COPPER: 1 << 11,
  FIBER: 1 << 12,
  AUTONEG: 1 << 13,
  PAUSE: 1 << 14,
  PAUSE_ASYM: 1 << 15,
} as const;

export interface OfpPort {
  portNo: number;
  hwAddr: Uint8Array;
  name: string;
  config: number;
  state: number;
  curr: number;
  advertised: number;
  supported: number;
  peer: number;
  currSpeed: number;
  maxSpeed: number;
}

export function decodePort(r: WireReader): OfpPort {
  const portNo = r.u32("port_no");
  r.skip(4);
  const hwAddr = r.bytesOf(6, "hw_addr");
  r.skip(2);
  return {
    portNo,
    hwAddr,
    name: decodeFixedString(r, OFP_MAX_PORT_NAME_LEN, "port name"),
    config: r.u32("config"),
    state: r.u32("state"),
    curr: r.u32("curr"),
    advertised: r.u32("advertised"),
    supported: r.u32("supported"),
    peer: r.u32("peer"),
    currSpeed: r.u32("curr_speed"),
    maxSpeed: r.u32("max_speed"),
  };
}

export function encodePort(p: OfpPort, w: WireWriter): void {
  w.u32(p.portNo)
    .zeros(4)
    .bytes(p.hwAddr.subarray(0, 6))
    .zeros(6 - Math.min(6, p.hwAddr.length) + 2);
  encodeFixedString(w, p.name, OFP_MAX_PORT_NAME_LEN);
  for (const v of [p.config, p.state, p.curr, p.advertised, p.supported, p.peer, p.currSpeed, p.maxSpeed]) w.u32(v);
}

export interface PortStatusMessage {
  kind: "port-status";
  xid: number;
  reason: number;
  desc: OfpPort;
}

export function decodePortStatus(r: WireReader, h: OfpHeader): PortStatusMessage {
  const reason = r.u8("reason");
  r.skip(7);
  const desc = decodePort(r);
  expectEnd(r, "port status");
  return { kind: "port-status", xid: h.xid, reason, desc };
}

export function encodePortStatus(m: PortStatusMessage, w: WireWriter): void {
  w.u8(m.reason).zeros(7);
  encodePort(m.desc, w);
}

export interface PortModMessage {
  kind: "port-mod";
  xid: number;
  portNo: number;
  hwAddr: Uint8Array;
  config: number;
  mask: number;
  advertise: number;
}

export function decodePortMod(r: WireReader, h: OfpHeader): PortModMessage {
  const portNo = r.u32("port_no");
  r.skip(4);
  const hwAddr = r.bytesOf(6, "hw_addr");
  r.skip(2);
  const config = r.u32("config");
  const mask = r.u32("mask");
  const advertise = r.u32("advertise");
  r.skip(4);
  expectEnd(r, "port mod");
  return { kind: "port-mod", xid: h.xid, portNo, hwAddr, config, mask, advertise };
}

export function encodePortMod(m: PortModMessage, w: WireWriter): void {
  w.u32(m.portNo)
    .zeros(4)
    .bytes(m.hwAddr.subarray(0, 6))
    .zeros(6 - Math.min(6, m.hwAddr.length) + 2);
  w.u32(m.config).u32(m.mask).u32(m.advertise).zeros(4);
}

export const PORT_STATUS_CODEC: MessageCodec<PortStatusMessage> = {
  type: OFPT.PORT_STATUS,
  kind: "port-status",
  decode: decodePortStatus,
  encode: encodePortStatus,
};

export const PORT_MOD_CODEC: MessageCodec<PortModMessage> = {
  type: OFPT.PORT_MOD,
  kind: "port-mod",
  decode: decodePortMod,
  encode: encodePortMod,
};
