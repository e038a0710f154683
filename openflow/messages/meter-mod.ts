// OFPT_METER_MOD (OpenFlow 1.3.5 §7.3.4.4): add, modify or delete a meter.
//
// What: METER_MOD_CODEC decodes and encodes the body; bands are meter-bands.ts's (shared with
//   the METER_CONFIG multipart reply).
// Design: command, flags and meter id are kept as numbers: their meaning (BAD_COMMAND,
//   BAD_FLAGS, INVALID_METER) is the switch's. Band errors come from meter-bands.ts.
// Invariants: encode(decode(b)) = b; bands run to the end of the message.
//
//   0 (after the 8-byte header)
//   0 command u16 | 2 flags u16 | 4 meter_id u32 | 8 ofp_meter_band_*...

import type { WireReader } from "../codec/wire-reader.ts";
import type { WireWriter } from "../codec/wire-writer.ts";
import { OFPT } from "../constants.ts";
import type { MessageCodec } from "../message.ts";
import { decodeMeterBands, encodeMeterBands, type MeterBand } from "./meter-bands.ts";

export const OFPMC = { ADD: 0, MODIFY: 1, DELETE: 2 } as const;
export const OFPMF = { KBPS: 1 << 0, PKTPS: 1 << 1, BURST: 1 << 2, STATS: 1 << 3 } as const;

export interface MeterModMessage {
  kind: "meter-mod";
  xid: number;
  command: number;
  flags: number;
  meterId: number;
  bands: MeterBand[];
}

function decodeMeterMod(r: WireReader, h: { xid: number }): MeterModMessage {
  const command = r.u16("command");
  const flags = r.u16("flags");
  const meterId = r.u32("meter_id");
  return { kind: "meter-mod", xid: h.xid, command, flags, meterId, bands: decodeMeterBands(r) };
}

function encodeMeterMod(m: MeterModMessage, w: WireWriter): void {
  w.u16(m.command).u16(m.flags).u32(m.meterId);
  encodeMeterBands(m.bands, w);
}

export const METER_MOD_CODEC: MessageCodec<MeterModMessage> = {
  type: OFPT.METER_MOD,
  kind: "meter-mod",
  decode: decodeMeterMod,
  encode: encodeMeterMod,
};
