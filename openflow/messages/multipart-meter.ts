// Multipart bodies for meters (OpenFlow 1.3.5 §7.3.5.12–§7.3.5.14): METER, METER_CONFIG,
// METER_FEATURES. The multipart header and subtype table are in multipart.ts.
//
//   METER / METER_CONFIG request: 0 meter_id | 4 pad[4]                                  = 8
//   METER reply: ofp_meter_stats × n:
//     0 meter_id | 4 len | 6 pad[6] | 12 flow_count | 16 packet_in_count u64
//     | 24 byte_in_count u64 | 32 duration_sec | 36 duration_nsec | 40 band_stats × k (16 each:
//     packet_band_count u64, byte_band_count u64)                          len = 40 + 16k
//   METER_CONFIG reply: ofp_meter_config × n:
//     0 length | 2 flags | 4 meter_id | 8 bands (meter-bands.ts)            length = all
//   METER_FEATURES reply (16): 0 max_meter | 4 band_types | 8 capabilities | 12 max_bands u8
//     | 13 max_color u8 | 14 pad[2]
//
// Invariants: entry lengths that do not frame are BAD_REQUEST/BAD_LEN; band errors come from
//   meter-bands.ts; pads re-encode as zeros.

import { expectEnd } from "../codec/fixed-string.ts";
import type { WireReader } from "../codec/wire-reader.ts";
import type { WireWriter } from "../codec/wire-writer.ts";
import { BAD_REQUEST, OFPET, OfpError } from "../errors.ts";
import { decodeMeterBands, encodeMeterBands, type MeterBand } from "./meter-bands.ts";

function badLen(detail: string): OfpError {
  return new OfpError(OFPET.BAD_REQUEST, BAD_REQUEST.BAD_LEN, detail);
}

export interface MeterStatsRequest {
  part: "meter" | "meter-config";
  meterId: number;
}

export function decodeMeterRequest(part: "meter" | "meter-config", r: WireReader): MeterStatsRequest {
  const meterId = r.u32("meter_id");
  r.skip(4);
  expectEnd(r, `${part} request`);
  return { part, meterId };
}

export function encodeMeterRequest(m: MeterStatsRequest, w: WireWriter): void {
  w.u32(m.meterId).zeros(4);
}

export interface MeterBandStats {
  packetBandCount: bigint;
  byteBandCount: bigint;
}
export interface MeterStats {
  meterId: number;
  flowCount: number;
  packetInCount: bigint;
  byteInCount: bigint;
  durationSec: number;
  durationNsec: number;
  bandStats: MeterBandStats[];
}
export interface MeterStatsReply {
  part: "meter";
  stats: MeterStats[];
}

export function decodeMeterStatsReply(r: WireReader): MeterStatsReply {
  const stats: MeterStats[] = [];
  while (!r.atEnd) {
    const meterId = r.u32("meter_id");
    const len = r.u16("meter stats len");
    if (len < 40 || (len - 40) % 16 !== 0) throw badLen(`meter stats length ${len}`);
    const e = r.sub(len - 6, "meter stats");
    e.skip(6);
    const flowCount = e.u32("flow_count");
    const packetInCount = e.u64("packet_in_count");
    const byteInCount = e.u64("byte_in_count");
    const durationSec = e.u32("duration_sec");
    const durationNsec = e.u32("duration_nsec");
    const bandStats: MeterBandStats[] = [];
    while (!e.atEnd) bandStats.push({ packetBandCount: e.u64(), byteBandCount: e.u64() });
    stats.push({ meterId, flowCount, packetInCount, byteInCount, durationSec, durationNsec, bandStats });
  }
  return { part: "meter", stats };
}

export function encodeMeterStatsReply(m: MeterStatsReply, w: WireWriter): void {
  for (const s of m.stats) {
    w.u32(s.meterId)
      .u16(40 + 16 * s.bandStats.length)
      .zeros(6)
      .u32(s.flowCount);
    w.u64(s.packetInCount).u64(s.byteInCount).u32(s.durationSec).u32(s.durationNsec);
    for (const b of s.bandStats) w.u64(b.packetBandCount).u64(b.byteBandCount);
  }
}

export interface MeterConfig {
  flags: number;
  meterId: number;
  bands: MeterBand[];
}
export interface MeterConfigReply {
  part: "meter-config";
  configs: MeterConfig[];
}

export function decodeMeterConfigReply(r: WireReader): MeterConfigReply {
  const configs: MeterConfig[] = [];
  while (!r.atEnd) {
    const length = r.u16("meter config length");
    if (length < 8) throw badLen(`meter config length ${length}`);
    const e = r.sub(length - 2, "meter config");
    const flags = e.u16("flags");
    const meterId = e.u32("meter_id");
    configs.push({ flags, meterId, bands: decodeMeterBands(e) });
  }
  return { part: "meter-config", configs };
}

export function encodeMeterConfigReply(m: MeterConfigReply, w: WireWriter): void {
  for (const c of m.configs) {
    const start = w.length;
    w.u16(0).u16(c.flags).u32(c.meterId);
    encodeMeterBands(c.bands, w);
    w.u16At(start, w.length - start);
  }
}

export interface MeterFeaturesReply {
  part: "meter-features";
  maxMeter: number;
  bandTypes: number;
  capabilities: number;
  maxBands: number;
  maxColor: number;
}

export function decodeMeterFeaturesReply(r: WireReader): MeterFeaturesReply {
  const maxMeter = r.u32("max_meter");
  const bandTypes = r.u32("band_types");
  const capabilities = r.u32("capabilities");
  const maxBands = r.u8("max_bands");
  const maxColor = r.u8("max_color");
  r.skip(2);
  expectEnd(r, "meter features reply");
  return { part: "meter-features", maxMeter, bandTypes, capabilities, maxBands, maxColor };
}

export function encodeMeterFeaturesReply(m: MeterFeaturesReply, w: WireWriter): void {
  w.u32(m.maxMeter).u32(m.bandTypes).u32(m.capabilities).u8(m.maxBands).u8(m.maxColor).zeros(2);
}
