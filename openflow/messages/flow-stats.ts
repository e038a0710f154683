// FLOW and AGGREGATE multipart bodies (OpenFlow 1.3.5 §7.3.5.2, §7.3.5.3). The multipart header
// and subtype table are multipart.ts's; this file holds only these bodies' paired decode/encode.
//
// What: decode/encodeFlowStatsRequest, decode/encodeFlowStatsReply, decode/encodeAggregateRequest,
//   decode/encodeAggregateReply, each over the multipart body (after the 16-byte header).
// Design: FLOW and AGGREGATE requests share one layout (ofp_flow_stats_request); the reply is a
//   list of variable-length ofp_flow_stats entries, each framed by its length field. Lengths that
//   do not frame are BAD_REQUEST/BAD_LEN; match and instruction errors are theirs.
// Invariants: encode(decode(b)) = b for zero pads; an entry's length is recomputed on encode.
//
//   request (FLOW and AGGREGATE):
//     0 table_id u8 | 1 pad[3] | 4 out_port u32 | 8 out_group u32 | 12 pad[4] | 16 cookie u64
//     24 cookie_mask u64 | 32 ofp_match (padded)
//   FLOW reply, ofp_flow_stats × n:
//     0 length u16 | 2 table_id u8 | 3 pad | 4 duration_sec u32 | 8 duration_nsec u32
//     12 priority u16 | 14 idle_timeout u16 | 16 hard_timeout u16 | 18 flags u16 | 20 pad[4]
//     24 cookie u64 | 32 packet_count u64 | 40 byte_count u64 | 48 ofp_match | instructions
//   AGGREGATE reply (24): 0 packet_count u64 | 8 byte_count u64 | 16 flow_count u32 | 20 pad[4]

import { expectEnd } from "../codec/fixed-string.ts";
import type { WireReader } from "../codec/wire-reader.ts";
import type { WireWriter } from "../codec/wire-writer.ts";
import { BAD_REQUEST, OFPET, OfpError } from "../errors.ts";
import { decodeInstructions, encodeInstructions, type Instruction } from "../instructions.ts";
import { decodeMatch, encodeMatch, type Match } from "../match/match.ts";

export const OFP_FLOW_STATS_LEN = 56;

interface FlowFilter {
  tableId: number;
  outPort: number;
  outGroup: number;
  cookie: bigint;
  cookieMask: bigint;
  match: Match;
}

export interface FlowStatsRequest extends FlowFilter {
  part: "flow";
}
export interface AggregateRequest extends FlowFilter {
  part: "aggregate";
}

export interface FlowStats {
  tableId: number;
  durationSec: number;
  durationNsec: number;
  priority: number;
  idleTimeout: number;
  hardTimeout: number;
  flags: number;
  cookie: bigint;
  packetCount: bigint;
  byteCount: bigint;
  match: Match;
  instructions: Instruction[];
}

export interface FlowStatsReply {
  part: "flow";
  flows: FlowStats[];
}

export interface AggregateReply {
  part: "aggregate";
  packetCount: bigint;
  byteCount: bigint;
  flowCount: number;
}

function decodeFilter(r: WireReader): FlowFilter {
  const tableId = r.u8("table_id");
  r.skip(3);
  const outPort = r.u32("out_port");
  const outGroup = r.u32("out_group");
  r.skip(4);
  const cookie = r.u64("cookie");
  const cookieMask = r.u64("cookie_mask");
  const match = decodeMatch(r);
  expectEnd(r, "flow stats request");
  return { tableId, outPort, outGroup, cookie, cookieMask, match };
}

function encodeFilter(m: FlowFilter, w: WireWriter): void {
  w.u8(m.tableId).zeros(3).u32(m.outPort).u32(m.outGroup).zeros(4).u64(m.cookie).u64(m.cookieMask);
  encodeMatch(m.match, w);
}

export function decodeFlowStatsRequest(r: WireReader): FlowStatsRequest {
  return { part: "flow", ...decodeFilter(r) };
}
export function encodeFlowStatsRequest(m: FlowStatsRequest, w: WireWriter): void {
  encodeFilter(m, w);
}
export function decodeAggregateRequest(r: WireReader): AggregateRequest {
  return { part: "aggregate", ...decodeFilter(r) };
}
export function encodeAggregateRequest(m: AggregateRequest, w: WireWriter): void {
  encodeFilter(m, w);
}

function decodeFlowStats(r: WireReader): FlowStats {
  if (r.remaining < OFP_FLOW_STATS_LEN) {
    throw new OfpError(OFPET.BAD_REQUEST, BAD_REQUEST.BAD_LEN, `flow stats entry: ${r.remaining} bytes left`);
  }
  const length = r.u16("length");
  if (length < OFP_FLOW_STATS_LEN || length - 2 > r.remaining) {
    throw new OfpError(OFPET.BAD_REQUEST, BAD_REQUEST.BAD_LEN, `flow stats length ${length}`);
  }
  const b = r.sub(length - 2, "flow stats");
  const tableId = b.u8("table_id");
  b.skip(1);
  const durationSec = b.u32("duration_sec");
  const durationNsec = b.u32("duration_nsec");
  const priority = b.u16("priority");
  const idleTimeout = b.u16("idle_timeout");
  const hardTimeout = b.u16("hard_timeout");
  const flags = b.u16("flags");
  b.skip(4);
  const cookie = b.u64("cookie");
  const packetCount = b.u64("packet_count");
  const byteCount = b.u64("byte_count");
  const match = decodeMatch(b);
  const instructions = decodeInstructions(b);
  return {
    tableId,
    durationSec,
    durationNsec,
    priority,
    idleTimeout,
    hardTimeout,
    flags,
    cookie,
    packetCount,
    byteCount,
    match,
    instructions,
  };
}

export function decodeFlowStatsReply(r: WireReader): FlowStatsReply {
  const flows: FlowStats[] = [];
  while (!r.atEnd) flows.push(decodeFlowStats(r));
  return { part: "flow", flows };
}

export function encodeFlowStatsReply(m: FlowStatsReply, w: WireWriter): void {
  for (const f of m.flows) {
    const start = w.length;
    w.u16(0).u8(f.tableId).zeros(1).u32(f.durationSec).u32(f.durationNsec);
    w.u16(f.priority).u16(f.idleTimeout).u16(f.hardTimeout).u16(f.flags).zeros(4);
    w.u64(f.cookie).u64(f.packetCount).u64(f.byteCount);
    encodeMatch(f.match, w);
    encodeInstructions(f.instructions, w);
    w.u16At(start, w.length - start);
  }
}

export function decodeAggregateReply(r: WireReader): AggregateReply {
  const packetCount = r.u64("packet_count");
  const byteCount = r.u64("byte_count");
  const flowCount = r.u32("flow_count");
  r.skip(4);
  expectEnd(r, "aggregate reply");
  return { part: "aggregate", packetCount, byteCount, flowCount };
}

export function encodeAggregateReply(m: AggregateReply, w: WireWriter): void {
  w.u64(m.packetCount).u64(m.byteCount).u32(m.flowCount).zeros(4);
}
