// Multipart bodies with fixed-size records (OpenFlow 1.3.5 §7.3.5.1–§7.3.5.6, §7.3.5.7 PORT_DESC):
// DESC, TABLE, PORT_STATS, QUEUE, PORT_DESC. The multipart header and the subtype table are in
// multipart.ts; this file holds only these bodies' paired decode/encode.
//
//   DESC reply (1056):  mfr_desc[256] | hw_desc[256] | sw_desc[256] | serial_num[32] | dp_desc[256]
//   TABLE reply:        ofp_table_stats × n, 24 each:
//                       0 table_id | 1 pad[3] | 4 active_count | 8 lookup_count u64 | 16 matched_count u64
//   PORT_STATS request: 0 port_no | 4 pad[4]                                              = 8
//   PORT_STATS reply:   ofp_port_stats × n, 112 each:
//                       0 port_no | 4 pad[4] | 8 rx_packets tx_packets rx_bytes tx_bytes rx_dropped
//                       tx_dropped rx_errors tx_errors rx_frame_err rx_over_err rx_crc_err collisions
//                       (12 × u64) | 104 duration_sec | 108 duration_nsec
//   QUEUE request:      0 port_no | 4 queue_id                                              = 8
//   QUEUE reply:        ofp_queue_stats × n, 40 each: 0 port_no | 4 queue_id | 8 tx_bytes u64 |
//                       16 tx_packets u64 | 24 tx_errors u64 | 32 duration_sec | 36 duration_nsec
//   PORT_DESC reply:    ofp_port × n (port.ts), 64 each
//
// Invariants: a record list whose size is not a whole number of records, or a fixed body of the
//   wrong size, is BAD_REQUEST/BAD_LEN. Strings decode up to their first NUL.

import { decodeFixedString, encodeFixedString, expectEnd } from "../codec/fixed-string.ts";
import type { WireReader } from "../codec/wire-reader.ts";
import type { WireWriter } from "../codec/wire-writer.ts";
import { decodePort, encodePort, type OfpPort } from "./port.ts";

export const DESC_STR_LEN = 256;
export const SERIAL_NUM_LEN = 32;

export interface DescReply {
  part: "desc";
  mfrDesc: string;
  hwDesc: string;
  swDesc: string;
  serialNum: string;
  dpDesc: string;
}

export function decodeDescReply(r: WireReader): DescReply {
  const m: DescReply = {
    part: "desc",
    mfrDesc: decodeFixedString(r, DESC_STR_LEN, "mfr_desc"),
    hwDesc: decodeFixedString(r, DESC_STR_LEN, "hw_desc"),
    swDesc: decodeFixedString(r, DESC_STR_LEN, "sw_desc"),
    serialNum: decodeFixedString(r, SERIAL_NUM_LEN, "serial_num"),
    dpDesc: decodeFixedString(r, DESC_STR_LEN, "dp_desc"),
  };
  expectEnd(r, "desc reply");
  return m;
}

export function encodeDescReply(m: DescReply, w: WireWriter): void {
  encodeFixedString(w, m.mfrDesc, DESC_STR_LEN);
  encodeFixedString(w, m.hwDesc, DESC_STR_LEN);
  encodeFixedString(w, m.swDesc, DESC_STR_LEN);
  encodeFixedString(w, m.serialNum, SERIAL_NUM_LEN);
  encodeFixedString(w, m.dpDesc, DESC_STR_LEN);
}

export interface TableStats {
  tableId: number;
  activeCount: number;
  lookupCount: bigint;
  matchedCount: bigint;
}
export interface TableStatsReply {
  part: "table";
  stats: TableStats[];
}

export function decodeTableStatsReply(r: WireReader): TableStatsReply {
  const stats: TableStats[] = [];
  while (!r.atEnd) {
    const tableId = r.u8("table_id");
    r.skip(3);
    stats.push({ tableId, activeCount: r.u32("active_count"), lookupCount: r.u64(), matchedCount: r.u64() });
  }
  return { part: "table", stats };
}

export function encodeTableStatsReply(m: TableStatsReply, w: WireWriter): void {
  for (const s of m.stats) w.u8(s.tableId).zeros(3).u32(s.activeCount).u64(s.lookupCount).u64(s.matchedCount);
}

export interface PortStatsRequest {
  part: "port-stats";
  portNo: number;
}

export function decodePortStatsRequest(r: WireReader): PortStatsRequest {
  const portNo = r.u32("port_no");
  r.skip(4);
  expectEnd(r, "port stats request");
  return { part: "port-stats", portNo };
}

export function encodePortStatsRequest(m: PortStatsRequest, w: WireWriter): void {
  w.u32(m.portNo).zeros(4);
}

/** The twelve u64 counters of ofp_port_stats, in wire order. */
export const PORT_COUNTERS = [
  "rxPackets",
  "txPackets",
  "rxBytes",
  "txBytes",
  "rxDropped",
  "txDropped",
  "rxErrors",
  "txErrors",
  "rxFrameErr",
  "rxOverErr",
  "rxCrcErr",
  "collisions",
] as const;

export type PortStats = { portNo: number; durationSec: number; durationNsec: number } & Record<
  (typeof PORT_COUNTERS)[number],
  bigint
>;
export interface PortStatsReply {
  part: "port-stats";
  stats: PortStats[];
}

export function decodePortStatsReply(r: WireReader): PortStatsReply {
  const stats: PortStats[] = [];
  while (!r.atEnd) {
    const portNo = r.u32("port_no");
    r.skip(4);
    const counters = Object.fromEntries(PORT_COUNTERS.map((k) => [k, r.u64(k)]));
    const durationSec = r.u32("duration_sec");
    const durationNsec = r.u32("duration_nsec");
    stats.push({ portNo, ...counters, durationSec, durationNsec } as PortStats);
  }
  return { part: "port-stats", stats };
}

export function encodePortStatsReply(m: PortStatsReply, w: WireWriter): void {
  for (const s of m.stats) {
    w.u32(s.portNo).zeros(4);
    for (const k of PORT_COUNTERS) w.u64(s[k]);
    w.u32(s.durationSec).u32(s.durationNsec);
  }
}

export interface QueueStatsRequest {
  part: "queue";
  portNo: number;
  queueId: number;
}

export function decodeQueueStatsRequest(r: WireReader): QueueStatsRequest {
  const m: QueueStatsRequest = { part: "queue", portNo: r.u32("port_no"), queueId: r.u32("queue_id") };
  expectEnd(r, "queue stats request");
  return m;
}

export function encodeQueueStatsRequest(m: QueueStatsRequest, w: WireWriter): void {
  w.u32(m.portNo).u32(m.queueId);
}

export interface QueueStats {
  portNo: number;
  queueId: number;
  txBytes: bigint;
  txPackets: bigint;
  txErrors: bigint;
  durationSec: number;
  durationNsec: number;
}
export interface QueueStatsReply {
  part: "queue";
  stats: QueueStats[];
}

export function decodeQueueStatsReply(r: WireReader): QueueStatsReply {
  const stats: QueueStats[] = [];
  while (!r.atEnd) {
    stats.push({
      portNo: r.u32("port_no"),
      queueId: r.u32("queue_id"),
      txBytes: r.u64("tx_bytes"),
      txPackets: r.u64("tx_packets"),
      txErrors: r.u64("tx_errors"),
      durationSec: r.u32("duration_sec"),
      durationNsec: r.u32("duration_nsec"),
    });
  }
  return { part: "queue", stats };
}

export function encodeQueueStatsReply(m: QueueStatsReply, w: WireWriter): void {
  for (const s of m.stats) {
    w.u32(s.portNo).u32(s.queueId).u64(s.txBytes).u64(s.txPackets).u64(s.txErrors);
    w.u32(s.durationSec).u32(s.durationNsec);
  }
}

export interface PortDescReply {
  part: "port-desc";
  ports: OfpPort[];
}

export function decodePortDescReply(r: WireReader): PortDescReply {
  const ports: OfpPort[] = [];
  while (!r.atEnd) ports.push(decodePort(r));
  return { part: "port-desc", ports };
}

export function encodePortDescReply(m: PortDescReply, w: WireWriter): void {
  for (const p of m.ports) encodePort(p, w);
}
