// OFPAT_SET_FIELD (OpenFlow 1.3.5 §7.2.5): one OXM TLV inside an action, padded to 8 bytes.
//
// What: decodeSetField / encodeSetField handle the action body (after type and len);
//   validateSetField applies the spec's set-field rules with OFPET_BAD_ACTION codes.
// Design: the OXM is the match codec's (decodeOxm), with length errors reported as
//   BAD_ACTION/BAD_SET_LEN instead of BAD_MATCH/BAD_LEN. In 1.3 a set-field carries no mask
//   (oxm_hasmask = 0), so a mask is BAD_SET_ARGUMENT, as is a value outside the field's range;
//   an unknown, experimenter or read-only field (in_port, in_phy_port, ipv6_exthdr) is
//   BAD_SET_TYPE.
// Invariants: the action's len = 4 + 4 + oxm_length rounded up to 8; fewer than 8 bytes of
//   padding follow the OXM.
//
//   0      2     4            8           8+oxm_length    len
//   | type | len | oxm header | oxm value | zero padding |

import type { WireReader } from "../codec/wire-reader.ts";
import type { WireWriter } from "../codec/wire-writer.ts";
import { BAD_ACTION, OFPET, OfpError } from "../errors.ts";
import { decodeOxm, encodeOxm, type Oxm, validateOxmValue } from "../match/match.ts";
import { oxmFieldByName } from "../match/oxm-fields.ts";

/** Decodes the body of a set-field action (a reader over len-4 bytes). */
export function decodeSetField(body: WireReader): Oxm {
  const oxm = decodeOxm(body, { type: OFPET.BAD_ACTION, code: BAD_ACTION.BAD_SET_LEN });
  if (body.remaining >= 8) {
    throw new OfpError(OFPET.BAD_ACTION, BAD_ACTION.BAD_SET_LEN, `set_field has ${body.remaining} bytes after its OXM`);
  }
  body.skip(body.remaining);
  return oxm;
}

/** Writes the OXM; the caller (encodeAction) pads to 8 and patches the length. */
export function encodeSetField(oxm: Oxm, w: WireWriter): void {
  encodeOxm(oxm, w);
}

export function validateSetField(oxm: Oxm): void {
  if (oxm.name === "opaque") {
    throw new OfpError(
      OFPET.BAD_ACTION,
      BAD_ACTION.BAD_SET_TYPE,
      `set_field of OXM class 0x${oxm.oxmClass.toString(16)} field ${oxm.field}`,
    );
  }
  if (!oxmFieldByName(oxm.name).settable) {
    throw new OfpError(OFPET.BAD_ACTION, BAD_ACTION.BAD_SET_TYPE, `${oxm.name} is read-only`);
  }
  if (oxm.mask !== undefined) {
    throw new OfpError(OFPET.BAD_ACTION, BAD_ACTION.BAD_SET_ARGUMENT, `set_field ${oxm.name} carries a mask`);
  }
  try {
    validateOxmValue(oxm);
  } catch (e) {
    if (!(e instanceof OfpError)) throw e;
    throw new OfpError(OFPET.BAD_ACTION, BAD_ACTION.BAD_SET_ARGUMENT, `set_field ${e.message}`);
  }
}
