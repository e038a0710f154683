// OFPT_MULTIPART_REQUEST / OFPT_MULTIPART_REPLY (OpenFlow 1.3.5 §7.3.5): the multipart header and
// the subtype table that routes each OFPMP_* body to its paired decode/encode.
//
// What: one message kind per direction; `body.part` names the subtype ("desc", "port-stats",
//   "table-features", ...). The bodies live in multipart-stats.ts, multipart-group.ts,
//   multipart-meter.ts, multipart-table-features.ts and (FLOW, AGGREGATE: match-bearing, the
//   match engineer's) flow-stats.ts.
// Design: PARTS is data — one row per subtype with its four functions — in the style of the
//   message table; adding a subtype is adding a row. Splitting a long reply with REPLY_MORE is
//   the sender's business; this codec only carries `flags`.
//
//   0      2       4      8 .............
//   | type | flags | pad4 | body (by type)
//
// Invariants: an unknown subtype is BAD_REQUEST/BAD_MULTIPART (as the spec says for
//   ofp_multipart_request.type); a body that does not frame is BAD_REQUEST/BAD_LEN (or the
//   body's own error, e.g. TABLE_FEATURES_FAILED/BAD_LEN inside properties).

import { expectEnd } from "../codec/fixed-string.ts";
import type { WireReader } from "../codec/wire-reader.ts";
import type { WireWriter } from "../codec/wire-writer.ts";
import { OFPT } from "../constants.ts";
import { BAD_REQUEST, OFPET, OfpError } from "../errors.ts";
import type { MessageCodec, OfpHeader } from "../message.ts";
import * as F from "./flow-stats.ts";
import * as G from "./multipart-group.ts";
import * as M from "./multipart-meter.ts";
import * as S from "./multipart-stats.ts";
import { decodeTableFeaturesList, encodeTableFeaturesList, type TableFeatures } from "./multipart-table-features.ts";

export const OFPMP = {
  DESC: 0,
  FLOW: 1,
  AGGREGATE: 2,
  TABLE: 3,
  PORT_STATS: 4,
  QUEUE: 5,
  GROUP: 6,
  GROUP_DESC: 7,
  GROUP_FEATURES: 8,
  METER: 9,
  METER_CONFIG: 10,
  METER_FEATURES: 11,
  TABLE_FEATURES: 12,
  PORT_DESC: 13,
  EXPERIMENTER: 0xffff,
} as const;

export const OFPMPF_REQ_MORE = 1;
export const OFPMPF_REPLY_MORE = 1;

export interface ExperimenterPart {
  part: "experimenter";
  experimenter: number;
  expType: number;
  data: Uint8Array;
}
export interface TableFeaturesPart {
  part: "table-features";
  tables: TableFeatures[];
}
export type MultipartRequestBody =
  | { part: "desc" | "table" | "group-desc" | "group-features" | "meter-features" | "port-desc" }
  | F.FlowStatsRequest
  | F.AggregateRequest
  | S.PortStatsRequest
  | S.QueueStatsRequest
  | G.GroupStatsRequest
  | M.MeterStatsRequest
  | TableFeaturesPart
  | ExperimenterPart;

export type MultipartReplyBody =
  | S.DescReply
  | F.FlowStatsReply
  | F.AggregateReply
  | S.TableStatsReply
  | S.PortStatsReply
  | S.QueueStatsReply
  | G.GroupStatsReply
  | G.GroupDescReply
  | G.GroupFeaturesReply
  | M.MeterStatsReply
  | M.MeterConfigReply
  | M.MeterFeaturesReply
  | TableFeaturesPart
  | S.PortDescReply
  | ExperimenterPart;

export type MultipartPart = MultipartRequestBody["part"];

export interface MultipartRequestMessage {
  kind: "multipart-request";
  xid: number;
  flags: number;
  body: MultipartRequestBody;
}
export interface MultipartReplyMessage {
  kind: "multipart-reply";
  xid: number;
  flags: number;
  body: MultipartReplyBody;
}

interface PartCodec {
  type: number;
  part: MultipartPart;
  decodeRequest(r: WireReader): MultipartRequestBody;
  encodeRequest(b: MultipartRequestBody, w: WireWriter): void;
  decodeReply(r: WireReader): MultipartReplyBody;
  encodeReply(b: MultipartReplyBody, w: WireWriter): void;
}

function row<Q extends MultipartRequestBody, P extends MultipartReplyBody>(
  type: number,
  part: MultipartPart,
  decodeRequest: (r: WireReader) => Q,
  encodeRequest: (b: Q, w: WireWriter) => void,
  decodeReply: (r: WireReader) => P,
  encodeReply: (b: P, w: WireWriter) => void,
): PartCodec {
  return {
    type,
    part,
    decodeRequest,
    encodeRequest: encodeRequest as (b: MultipartRequestBody, w: WireWriter) => void,
    decodeReply,
    encodeReply: encodeReply as (b: MultipartReplyBody, w: WireWriter) => void,
  };
}

/** A request with an empty body. */
function empty<K extends MultipartPart>(part: K) {
  return (r: WireReader) => {
    expectEnd(r, `${part} request`);
    return { part } as { part: K } & MultipartRequestBody;
  };
}
function writeNothing(): void {}

function decodeExperimenterPart(r: WireReader): ExperimenterPart {
  const experimenter = r.u32("experimenter");
  const expType = r.u32("exp_type");
  return { part: "experimenter", experimenter, expType, data: r.bytesOf(r.remaining) };
}
function encodeExperimenterPart(b: ExperimenterPart, w: WireWriter): void {
  w.u32(b.experimenter).u32(b.expType).bytes(b.data);
}

function decodeTableFeaturesPart(r: WireReader): TableFeaturesPart {
  return { part: "table-features", tables: decodeTableFeaturesList(r) };
}
function encodeTableFeaturesPart(b: TableFeaturesPart, w: WireWriter): void {
  encodeTableFeaturesList(b.tables, w);
}

const PARTS: readonly PartCodec[] = [
  row(OFPMP.DESC, "desc", empty("desc"), writeNothing, S.decodeDescReply, S.encodeDescReply),
  row(
    OFPMP.FLOW,
    "flow",
    F.decodeFlowStatsRequest,
    F.encodeFlowStatsRequest,
    F.decodeFlowStatsReply,
    F.encodeFlowStatsReply,
  ),
  row(
    OFPMP.AGGREGATE,
    "aggregate",
    F.decodeAggregateRequest,
    F.encodeAggregateRequest,
    F.decodeAggregateReply,
    F.encodeAggregateReply,
  ),
  row(OFPMP.TABLE, "table", empty("table"), writeNothing, S.decodeTableStatsReply, S.encodeTableStatsReply),
  row(
    OFPMP.PORT_STATS,
    "port-stats",
    S.decodePortStatsRequest,
    S.encodePortStatsRequest,
    S.decodePortStatsReply,
    S.encodePortStatsReply,
  ),
  row(
    OFPMP.QUEUE,
    "queue",
    S.decodeQueueStatsRequest,
    S.encodeQueueStatsRequest,
    S.decodeQueueStatsReply,
    S.encodeQueueStatsReply,
  ),
  row(
    OFPMP.GROUP,
    "group",
    G.decodeGroupStatsRequest,
    G.encodeGroupStatsRequest,
    G.decodeGroupStatsReply,
    G.encodeGroupStatsReply,
  ),
  row(
    OFPMP.GROUP_DESC,
    "group-desc",
    empty("group-desc"),
    writeNothing,
    G.decodeGroupDescReply,
    G.encodeGroupDescReply,
  ),
  row(
    OFPMP.GROUP_FEATURES,
    "group-features",
    empty("group-features"),
    writeNothing,
    G.decodeGroupFeaturesReply,
    G.encodeGroupFeaturesReply,
  ),
  row(
    OFPMP.METER,
    "meter",
    (r) => M.decodeMeterRequest("meter", r),
    M.encodeMeterRequest,
    M.decodeMeterStatsReply,
    M.encodeMeterStatsReply,
  ),
  row(
    OFPMP.METER_CONFIG,
    "meter-config",
    (r) => M.decodeMeterRequest("meter-config", r),
    M.encodeMeterRequest,
    M.decodeMeterConfigReply,
    M.encodeMeterConfigReply,
  ),
  row(
    OFPMP.METER_FEATURES,
    "meter-features",
    empty("meter-features"),
    writeNothing,
    M.decodeMeterFeaturesReply,
    M.encodeMeterFeaturesReply,
  ),
  row(
    OFPMP.TABLE_FEATURES,
    "table-features",
    decodeTableFeaturesPart,
    encodeTableFeaturesPart,
    decodeTableFeaturesPart,
    encodeTableFeaturesPart,
  ),
  row(OFPMP.PORT_DESC, "port-desc", empty("port-desc"), writeNothing, S.decodePortDescReply, S.encodePortDescReply),
  row(
    OFPMP.EXPERIMENTER,
    "experimenter",
    decodeExperimenterPart,
    encodeExperimenterPart,
    decodeExperimenterPart,
    encodeExperimenterPart,
  ),
];

const BY_TYPE = new Map(PARTS.map((p) => [p.type, p]));
const BY_PART = new Map(PARTS.map((p) => [p.part, p]));

function partOf(type: number): PartCodec {
  const p = BY_TYPE.get(type);
  if (!p) throw new OfpError(OFPET.BAD_REQUEST, BAD_REQUEST.BAD_MULTIPART, `multipart type ${type} is not supported`);
  return p;
}

function codecFor(part: MultipartPart): PartCodec {
  const p = BY_PART.get(part);
  if (!p) throw new Error(`no multipart codec for part "${part}"`);
  return p;
}

/** The OFPMP_* number of a body part. */
export function multipartType(part: MultipartPart): number {
  return codecFor(part).type;
}

export function decodeMultipartRequest(r: WireReader, h: OfpHeader): MultipartRequestMessage {
  const p = partOf(r.u16("multipart type"));
  const flags = r.u16("multipart flags");
  r.skip(4);
  return { kind: "multipart-request", xid: h.xid, flags, body: p.decodeRequest(r) };
}

export function encodeMultipartRequest(m: MultipartRequestMessage, w: WireWriter): void {
  const p = codecFor(m.body.part);
  w.u16(p.type).u16(m.flags).zeros(4);
  p.encodeRequest(m.body, w);
}

export function decodeMultipartReply(r: WireReader, h: OfpHeader): MultipartReplyMessage {
  const p = partOf(r.u16("multipart type"));
  const flags = r.u16("multipart flags");
  r.skip(4);
  return { kind: "multipart-reply", xid: h.xid, flags, body: p.decodeReply(r) };
}

export function encodeMultipartReply(m: MultipartReplyMessage, w: WireWriter): void {
  const p = codecFor(m.body.part);
  w.u16(p.type).u16(m.flags).zeros(4);
  p.encodeReply(m.body, w);
}

export const MULTIPART_REQUEST_CODEC: MessageCodec<MultipartRequestMessage> = {
  type: OFPT.MULTIPART_REQUEST,
  kind: "multipart-request",
  decode: decodeMultipartRequest,
  encode: encodeMultipartRequest,
};

export const MULTIPART_REPLY_CODEC: MessageCodec<MultipartReplyMessage> = {
  type: OFPT.MULTIPART_REPLY,
  kind: "multipart-reply",
  decode: decodeMultipartReply,
  encode: encodeMultipartReply,
};
