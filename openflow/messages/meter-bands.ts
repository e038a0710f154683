// Meter bands (ofp_meter_band_*, OpenFlow 1.3.5 §7.3.4.5): the band list shared by METER_MOD
// (openflow/messages/meter-mod.ts imports it) and the METER_CONFIG multipart reply.
//
// What: decodeMeterBands(r) reads bands until the reader ends; encodeMeterBands(list, w).
// Design: every band starts with the same 12-byte header; the type picks the tail.
//
//   0      2     4      8            12 ................ 16
//   | type | len | rate | burst_size | tail            |
//   DROP (1):         tail = pad[4]                            len 16
//   DSCP_REMARK (2):  tail = prec_level u8, pad[3]             len 16
//   EXPERIMENTER:     tail = experimenter u32, data            len 16 + data (multiple of 8)
//
// Invariants: an unknown band type is METER_MOD_FAILED/BAD_BAND; a length that does not match
//   the type, or runs past the list, is BAD_REQUEST/BAD_LEN. Pads re-encode as zeros.

import type { WireReader } from "../codec/wire-reader.ts";
import type { WireWriter } from "../codec/wire-writer.ts";
import { BAD_REQUEST, METER_MOD_FAILED, OFPET, OfpError } from "../errors.ts";

export const OFPMBT = { DROP: 1, DSCP_REMARK: 2, EXPERIMENTER: 0xffff } as const;

export type MeterBand =
  | { type: "drop"; rate: number; burstSize: number }
  | { type: "dscp-remark"; rate: number; burstSize: number; precLevel: number }
  | { type: "experimenter"; rate: number; burstSize: number; experimenter: number; data: Uint8Array };

function badLen(detail: string): OfpError {
  return new OfpError(OFPET.BAD_REQUEST, BAD_REQUEST.BAD_LEN, `meter band: ${detail}`);
}

export function decodeMeterBand(r: WireReader): MeterBand {
  const type = r.u16("band type");
  const len = r.u16("band len");
  if (len < 16 || len % 8 !== 0) throw badLen(`length ${len}`);
  const b = r.sub(len - 4, "band");
  const rate = b.u32("rate");
  const burstSize = b.u32("burst_size");
  switch (type) {
    case OFPMBT.DROP:
      if (len !== 16) throw badLen(`DROP band of ${len} bytes`);
      return { type: "drop", rate, burstSize };
    case OFPMBT.DSCP_REMARK: {
      if (len !== 16) throw badLen(`DSCP_REMARK band of ${len} bytes`);
      return { type: "dscp-remark", rate, burstSize, precLevel: b.u8("prec_level") };
    }
    case OFPMBT.EXPERIMENTER: {
      const experimenter = b.u32("experimenter");
      return { type: "experimenter", rate, burstSize, experimenter, data: b.bytesOf(b.remaining) };
    }
    default:
      throw new OfpError(OFPET.METER_MOD_FAILED, METER_MOD_FAILED.BAD_BAND, `unknown meter band type ${type}`);
  }
}

export function decodeMeterBands(r: WireReader): MeterBand[] {
  const out: MeterBand[] = [];
  while (!r.atEnd) out.push(decodeMeterBand(r));
  return out;
}

export function encodeMeterBand(band: MeterBand, w: WireWriter): void {
  switch (band.type) {
    case "drop":
      w.u16(OFPMBT.DROP).u16(16).u32(band.rate).u32(band.burstSize).zeros(4);
      return;
    case "dscp-remark":
      w.u16(OFPMBT.DSCP_REMARK).u16(16).u32(band.rate).u32(band.burstSize).u8(band.precLevel).zeros(3);
      return;
    case "experimenter":
      w.u16(OFPMBT.EXPERIMENTER)
        .u16(16 + band.data.length)
        .u32(band.rate)
        .u32(band.burstSize);
      w.u32(band.experimenter).bytes(band.data);
      return;
  }
}

export function encodeMeterBands(bands: readonly MeterBand[], w: WireWriter): void {
  for (const band of bands) encodeMeterBand(band, w);
}
