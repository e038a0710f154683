// OFPT_PACKET_IN from a datapath upcall: what ofproto reports (PacketInEvent) and the message
// each OpenFlow connection of the bridge receives.
//
// What: PacketInEvent is a packet ofproto decided to send to the controllers of a bridge —
//   from a CONTROLLER output (reason ACTION, or NO_MATCH for a table-miss rule; table id,
//   cookie and max_len from the action's userdata, xlate/controller-userdata.ts) or from a
//   datapath TTL upcall (reason INVALID_TTL). packetInMessage(event, missSendLen) builds the
//   OFPT_PACKET_IN for one connection.
// Design: we keep no buffers: buffer_id is always NO_BUFFER and `data` is the frame cut to
//   max_len (OFPCML_NO_BUFFER 0xffff: the whole frame). For packet-ins not produced by an
//   output:CONTROLLER action — NO_MATCH and INVALID_TTL — the connection's miss_send_len
//   (SET_CONFIG; 128 by default) caps it too, as OpenFlow 1.3.5 §7.3.2 says. (A table-miss
//   rule's CONTROLLER output reports NO_MATCH and is capped as well, as before.)
//   total_len is the untruncated frame length. The match carries in_port (the OpenFlow port:
//   the configured ofport, OFPP_LOCAL for the internal port), then metadata and tunnel_id when
//   non-zero — the pipeline fields OpenFlow 1.3.5 §7.4.1 says the match carries, and what Open
//   vSwitch sends; their values come from the CONTROLLER action's userdata.
// Invariants: data.length ≤ min(max_len, miss_send_len unless ACTION); an INVALID_TTL event
//   carries the table and cookie of the rule whose dec TTL action expired the packet (§7.4.1;
//   xlate/controller-userdata.ts), table 0 and cookie all ones when that is unknown.
// Threading: pure functions; main thread.

import { OFP_NO_BUFFER } from "../../../openflow/constants.ts";
import type { Match } from "../../../openflow/match/match.ts";
import { OFPR, type PacketInMessage } from "../../../openflow/messages/packet-in.ts";

/** OFPCML_NO_BUFFER: send the whole packet. */
export const OFPCML_NO_BUFFER = 0xffff;

export interface PacketInEvent {
  /** OFPR_NO_MATCH, OFPR_ACTION or OFPR_INVALID_TTL. */
  reason: number;
  tableId: number;
  cookie: bigint;
  /** Bytes the action asked for (OFPCML_NO_BUFFER: all). */
  maxLen: number;
  /** OpenFlow in_port of the packet. */
  inPort: number;
  /** Pipeline fields where the packet was sent up (absent or 0: not in the match). */
  metadata?: bigint;
  tunnelId?: bigint;
  /** The whole frame. */
  data: Uint8Array;
}

export type PacketInListener = (ev: PacketInEvent) => void;

/** How many bytes of the frame one connection receives. */
export function packetInLength(ev: PacketInEvent, missSendLen: number): number {
  let n = ev.data.length;
  if (ev.maxLen !== OFPCML_NO_BUFFER) n = Math.min(n, ev.maxLen);
  if (ev.reason !== OFPR.ACTION && missSendLen !== OFPCML_NO_BUFFER) n = Math.min(n, missSendLen);
  return n;
}

/** in_port, then metadata and tunnel_id when non-zero. */
export function packetInMatch(ev: PacketInEvent): Match {
  const match: Match = [{ name: "in_port", value: ev.inPort }];
  if (ev.metadata) match.push({ name: "metadata", value: ev.metadata });
  if (ev.tunnelId) match.push({ name: "tunnel_id", value: ev.tunnelId });
  return match;
}

export function packetInMessage(ev: PacketInEvent, missSendLen: number): Omit<PacketInMessage, "xid"> {
  return {
    kind: "packet-in",
    bufferId: OFP_NO_BUFFER,
    totalLen: Math.min(ev.data.length, 0xffff),
    reason: ev.reason,
    tableId: ev.tableId,
    cookie: ev.cookie,
    match: packetInMatch(ev),
    data: ev.data.subarray(0, packetInLength(ev, missSendLen)),
  };
}
