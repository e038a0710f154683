// OFPT_ERROR (OpenFlow 1.3.5 §7.4.4): an error report, in its standard and experimenter forms.
//
// What: decodeError / encodeError over the body. The type and code numbers are the catalog's
//   (openflow/errors.ts); this file only carries them.
// Design: one message kind for both forms; `experimenter` is present exactly when errType is
//   OFPET_EXPERIMENTER (0xffff), and then `code` holds the experimenter's exp_type, which sits
//   where the code sits in the standard form.
//
//   standard:      0       2       4 ...........
//                  | type  | code  | data (the offending request's first bytes, or text)
//   experimenter:  0       2          4              8 ...........
//                  |0xffff | exp_type | experimenter | data
//
// Invariants: data is kept verbatim (no padding in this message).

import type { WireReader } from "../codec/wire-reader.ts";
import type { WireWriter } from "../codec/wire-writer.ts";
import { OFPT } from "../constants.ts";
import { OFPET } from "../errors.ts";
import type { MessageCodec, OfpHeader } from "../message.ts";

export interface ErrorMessage {
  kind: "error";
  xid: number;
  errType: number;
  /** The error code; for OFPET_EXPERIMENTER, the experimenter's exp_type. */
  code: number;
  /** Only for OFPET_EXPERIMENTER. */
  experimenter?: number;
  data: Uint8Array;
}

export function decodeError(r: WireReader, h: OfpHeader): ErrorMessage {
  const errType = r.u16("error type");
  const code = r.u16("error code");
  if (errType === OFPET.EXPERIMENTER) {
    const experimenter = r.u32("error experimenter");
    return { kind: "error", xid: h.xid, errType, code, experimenter, data: r.bytesOf(r.remaining) };
  }
  return { kind: "error", xid: h.xid, errType, code, data: r.bytesOf(r.remaining) };
}

export function encodeError(m: ErrorMessage, w: WireWriter): void {
  w.u16(m.errType).u16(m.code);
  if (m.errType === OFPET.EXPERIMENTER) w.u32(m.experimenter ?? 0);
  w.bytes(m.data);
}

export const ERROR_CODEC: MessageCodec<ErrorMessage> = {
  type: OFPT.ERROR,
  kind: "error",
  decode: decodeError,
  encode: encodeError,
};
