// OpenFlow handlers for queues: QUEUE_GET_CONFIG_REQUEST and the OFPMP_QUEUE multipart part.
//
// What: queueHandlers(bridge) → the "queue-get-config-request" dispatch entry;
//   queueStatsReply(bridge, request) builds the OFPMP_QUEUE body multipart-handlers.ts sends.
// Design: wasmvs has no QoS, so no port has a queue. Both answers follow Open vSwitch on a
//   port without queues (ofproto.c handle_queue_get_config_request / handle_queue_stats_request):
//     QUEUE_GET_CONFIG  port of the bridge or OFPP_ANY → a reply listing no queues;
//                       another port → QUEUE_OP_FAILED/BAD_PORT.
//     OFPMP_QUEUE       port of the bridge, or OFPP_ANY with at least one port, and queue_id
//                       OFPQ_ALL → an empty reply; a specific queue_id (none exists) →
//                       QUEUE_OP_FAILED/BAD_QUEUE, as is OFPP_ANY on a bridge without ports (OVS
//                       answers BAD_QUEUE when no port answered); another port →
//                       QUEUE_OP_FAILED/BAD_PORT.
//   The OpenFlow 1.3.5 spec names these codes (§7.4.4 ofp_queue_op_failed_code) but not when a
//   switch without queues uses which; OVS's choices are what controllers already see.
// Invariants: one reply or one error per request.
// Threading: main thread.

import type { DispatchTable } from "../../../openflow/channel/dispatch.ts";
import { OFPP, OFPQ_ALL } from "../../../openflow/constants.ts";
import { OFPET, OfpError, QUEUE_OP_FAILED } from "../../../openflow/errors.ts";
import type { QueueStatsReply, QueueStatsRequest } from "../../../openflow/messages/multipart-stats.ts";
import type { OfBridge } from "./handler-context.ts";

function hasPort(bridge: OfBridge, portNo: number): boolean {
  return bridge.ports().some((p) => p.ofPort === portNo);
}

function badPort(what: string, portNo: number, bridge: OfBridge): OfpError {
  return new OfpError(
    OFPET.QUEUE_OP_FAILED,
    QUEUE_OP_FAILED.BAD_PORT,
    `${what}: port ${portNo} is not a port of ${bridge.name}`,
  );
}

export function queueHandlers(bridge: OfBridge): DispatchTable {
  return {
    "queue-get-config-request": (m, reply) => {
      if (m.port !== OFPP.ANY && !hasPort(bridge, m.port)) throw badPort("queue get config", m.port, bridge);
      reply({ kind: "queue-get-config-reply", port: m.port, queues: [] });
    },
  };
}

/** The OFPMP_QUEUE reply: always empty (no queues), or an OfpError thrown as OVS would answer. */
export function queueStatsReply(bridge: OfBridge, req: QueueStatsRequest): QueueStatsReply {
  if (req.portNo !== OFPP.ANY && !hasPort(bridge, req.portNo)) throw badPort("queue stats", req.portNo, bridge);
  const noPorts = req.portNo === OFPP.ANY && bridge.ports().length === 0;
  if (req.queueId !== OFPQ_ALL || noPorts) {
    const q = req.queueId === OFPQ_ALL ? "any queue" : `queue ${req.queueId}`;
    throw new OfpError(OFPET.QUEUE_OP_FAILED, QUEUE_OP_FAILED.BAD_QUEUE, `queue stats: ${q}: no port has queues`);
  }
  return { part: "queue", stats: [] };
}
