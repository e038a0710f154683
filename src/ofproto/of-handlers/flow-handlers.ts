// OpenFlow handlers that program and read the flow tables: FLOW_MOD, BARRIER, PACKET_OUT, and
// the FLOW, AGGREGATE and TABLE multipart parts.
//
// What: flowHandlers(bridge) → dispatch-table entries for flow-mod,
//   barrier-request and packet-out; flowStatsReplies / aggregateReply / tableStatsReply build
//   the multipart bodies multipart-handlers.ts sends.
// Design: FLOW_MOD goes through the bridge's flowMod (applyFlowMod, then revalidation by
//   removal of the bridge's megaflows); its refusals are OfpErrors, which the channel answers
//   with OFPT_ERROR. A buffer_id other than NO_BUFFER is answered BUFFER_UNKNOWN after the
//   flow is applied (we keep no buffers; OVS does the same). BARRIER waits for the datapath's
//   fence: the channel holds every later message of this connection until the reply is sent,
//   and when it is sent no megaflow translated from the old tables can handle a packet. When
//   the datapath is already settled (nothing written to it since its last fence echoed) the
//   reply is sent at once.
//   FLOW stats replies are split with OFPMPF_REPLY_MORE so no message exceeds 64 KB.
// Invariants: a BARRIER_REPLY is sent only after fence() resolved, or while settled() is true. FLOW_REMOVED (DELETE) is not
//   sent here: the bridge announces removed rules that asked for it through
//   subscribeFlowRemoved, the one path timeouts take too (of-connections.ts sends them).
// Threading: main thread.

import type { DispatchTable } from "../../../openflow/channel/dispatch.ts";
import { OFP_NO_BUFFER } from "../../../openflow/constants.ts";
import { BAD_REQUEST, OFPET } from "../../../openflow/errors.ts";
import { encodeMessage } from "../../../openflow/message.ts";
import type {
  AggregateReply,
  AggregateRequest,
  FlowStats,
  FlowStatsRequest,
} from "../../../openflow/messages/flow-stats.ts";
import type { TableStatsReply } from "../../../openflow/messages/multipart-stats.ts";
import { aggregateStats, flowStats, tableStats } from "../rule-stats.ts";
import type { OfBridge } from "./handler-context.ts";

/** Bytes of a multipart reply's own headers (ofp_header + ofp_multipart_reply). */
const MULTIPART_HEADER = 16;
/** Largest body per reply message (the length field is 16 bits). */
const MAX_BODY = 0xffff - MULTIPART_HEADER;

export function flowHandlers(bridge: OfBridge): DispatchTable {
  return {
    "flow-mod": (m, reply) => {
      bridge.flowMod(m);
      if (m.bufferId !== OFP_NO_BUFFER) reply.error(OFPET.BAD_REQUEST, BAD_REQUEST.BUFFER_UNKNOWN);
    },
    "barrier-request": (_m, reply) => {
      // Nothing queued for the datapath since its last fence echoed (a FLOW_MOD that had no
      // megaflow to revalidate writes nothing): no megaflow can be stale, so the reply goes now,
      // without a promise, and leaves in the same socket write as the replies before it.
      if (bridge.settled?.()) {
        reply({ kind: "barrier-reply" });
        return;
      }
      return bridge.fence().then(() => reply({ kind: "barrier-reply" }));
    },
    "packet-out": async (m, reply) => {
      if (m.bufferId !== OFP_NO_BUFFER) {
        reply.error(OFPET.BAD_REQUEST, BAD_REQUEST.BUFFER_UNKNOWN);
        return;
      }
      await bridge.packetOut(m.inPort, m.actions, m.data);
    },
  };
}

/** Encoded size of one flow-stats entry. */
function flowEntrySize(f: FlowStats): number {
  return (
    encodeMessage({ kind: "multipart-reply", xid: 0, flags: 0, body: { part: "flow", flows: [f] } }).length -
    MULTIPART_HEADER
  );
}

/** FLOW stats as one or more reply bodies, each under 64 KB (all but the last: REPLY_MORE). */
export function flowStatsReplies(bridge: OfBridge, req: FlowStatsRequest): FlowStats[][] {
  const all = flowStats(bridge.tables(), req, bridge.now());
  const parts: FlowStats[][] = [[]];
  let size = 0;
  for (const f of all) {
    const n = flowEntrySize(f);
    if (size + n > MAX_BODY && parts[parts.length - 1].length > 0) {
      parts.push([]);
      size = 0;
    }
    parts[parts.length - 1].push(f);
    size += n;
  }
  return parts;
}

export function aggregateReply(bridge: OfBridge, req: AggregateRequest): AggregateReply {
  return aggregateStats(bridge.tables(), req);
}

export function tableStatsReply(bridge: OfBridge): TableStatsReply {
  return { part: "table", stats: tableStats(bridge.tables()) };
}
