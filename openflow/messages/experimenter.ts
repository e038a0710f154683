// OFPT_EXPERIMENTER (OpenFlow 1.3.5 §7.5.4): a vendor extension message.
//
// What: decodeExperimenter / encodeExperimenter over the body. Which experimenters the switch
//   understands (none: it answers BAD_REQUEST/BAD_EXPERIMENTER) is the switch's business.
//
//   0              4          8 .........
//   | experimenter | exp_type | data
//
// Invariants: a body shorter than 8 bytes is BAD_REQUEST/BAD_LEN; data is kept verbatim.

import type { WireReader } from "../codec/wire-reader.ts";
import type { WireWriter } from "../codec/wire-writer.ts";
import { OFPT } from "../constants.ts";
import type { MessageCodec, OfpHeader } from "../message.ts";

export interface ExperimenterMessage {
  kind: "experimenter";
  xid: number;
  experimenter: number;
  expType: number;
  data: Uint8Array;
}

export function decodeExperimenter(r: WireReader, h: OfpHeader): ExperimenterMessage {
  const experimenter = r.u32("experimenter");
  const expType = r.u32("exp_type");
  return { kind: "experimenter", xid: h.xid, experimenter, expType, data: r.bytesOf(r.remaining) };
}

export function encodeExperimenter(m: ExperimenterMessage, w: WireWriter): void {
  w.u32(m.experimenter).u32(m.expType).bytes(m.data);
}

export const EXPERIMENTER_CODEC: MessageCodec<ExperimenterMessage> = {
  type: OFPT.EXPERIMENTER,
  kind: "experimenter",
  decode: decodeExperimenter,
  encode: encodeExperimenter,
};
