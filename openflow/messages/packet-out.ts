// OFPT_PACKET_OUT (OpenFlow 1.3.5 §7.3.7): the controller sends a packet through actions.
//
// What: PACKET_OUT_CODEC decodes and encodes the body.
// Design: actions_len frames the action list; an actions_len running past the message is
//   BAD_REQUEST/BAD_LEN, errors inside the list are actions.ts's (BAD_ACTION/...). in_port may
//   be a reserved port (CONTROLLER, ANY...); whether it is valid, and whether buffer_id names a
//   buffer, is the switch's question. `data` is the rest of the message (empty when buffered).
// Invariants: encode(decode(b)) = b for zero pads; actions_len is recomputed on encode.
//
//   0 (after the 8-byte header)
//   0 buffer_id u32 | 4 in_port u32 | 8 actions_len u16 | 10 pad[6] | 16 actions | data...

import { type Action, actionsWireLength, decodeActions, encodeActions } from "../actions/actions.ts";
import type { WireReader } from "../codec/wire-reader.ts";
import type { WireWriter } from "../codec/wire-writer.ts";
import { OFPT } from "../constants.ts";
import { BAD_REQUEST, OFPET, OfpError } from "../errors.ts";
import type { MessageCodec } from "../message.ts";

export interface PacketOutMessage {
  kind: "packet-out";
  xid: number;
  bufferId: number;
  inPort: number;
  actions: Action[];
  data: Uint8Array;
}

function decodePacketOut(r: WireReader, h: { xid: number }): PacketOutMessage {
  const bufferId = r.u32("buffer_id");
  const inPort = r.u32("in_port");
  const actionsLen = r.u16("actions_len");
  r.skip(6);
  if (actionsLen > r.remaining) {
    throw new OfpError(
      OFPET.BAD_REQUEST,
      BAD_REQUEST.BAD_LEN,
      `actions_len ${actionsLen} with ${r.remaining} bytes left`,
    );
  }
  const actions = decodeActions(r.sub(actionsLen, "actions"));
  return { kind: "packet-out", xid: h.xid, bufferId, inPort, actions, data: r.bytesOf(r.remaining) };
}

function encodePacketOut(m: PacketOutMessage, w: WireWriter): void {
  w.u32(m.bufferId).u32(m.inPort).u16(actionsWireLength(m.actions)).zeros(6);
  encodeActions(m.actions, w);
  w.bytes(m.data);
}

export const PACKET_OUT_CODEC: MessageCodec<PacketOutMessage> = {
  type: OFPT.PACKET_OUT,
  kind: "packet-out",
  decode: decodePacketOut,
  encode: encodePacketOut,
};
