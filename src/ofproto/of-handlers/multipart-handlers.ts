// The MULTIPART_REQUEST handler: one entry in the dispatch table, routing each part to the
// module that builds its reply.
//
// What: multipartHandlers(bridge) → { "multipart-request" }. Parts answered: DESC, PORT_DESC
//   (switch-handlers.ts), FLOW, AGGREGATE, TABLE (flow-handlers.ts), PORT_STATS
//   (port-handlers.ts; asynchronous: the handler returns a promise), TABLE_FEATURES
//   (table-features.ts; a request with a body, which would set features, is refused
//   TABLE_FEATURES_FAILED/EPERM), METER, METER_CONFIG, METER_FEATURES (meter-handlers.ts),
//   GROUP, GROUP_DESC, GROUP_FEATURES (group-handlers.ts), QUEUE (queue-handlers.ts: no queues).
//   EXPERIMENTER gets BAD_REQUEST/BAD_EXPERIMENTER (we know no experimenter, §7.4.4); every
//   other part BAD_REQUEST/BAD_MULTIPART, as OpenFlow 1.3.5 §7.4.4 prescribes for an
//   unsupported one.
// Design: a request sent as several messages (OFPMPF_REQ_MORE on all but the last) is
//   reassembled per connection by multipart-assembly.ts and answered once, after its last part
//   (errors: MULTIPART_BUFFER_OVERFLOW past the size limit, BAD_MULTIPART for a part of another
//   type). A reply too big for one message (FLOW, PORT_DESC, PORT_STATS, TABLE_FEATURES, GROUP*)
//   goes out as several with OFPMPF_REPLY_MORE on all but the last.
// Invariants: exactly one reply sequence or one error per request (per last part).
// Threading: main thread.

import type { OfChannel } from "../../../openflow/channel/channel.ts";
import type { DispatchTable } from "../../../openflow/channel/dispatch.ts";
import { BAD_REQUEST, OFPET, TABLE_FEATURES_FAILED } from "../../../openflow/errors.ts";
import { OFPMPF_REPLY_MORE } from "../../../openflow/messages/multipart.ts";
import { aggregateReply, flowStatsReplies, tableStatsReply } from "./flow-handlers.ts";
import { replyGroupPart } from "./group-handlers.ts";
import type { OfBridge } from "./handler-context.ts";
import { meterMultipart } from "./meter-handlers.ts";
import { MultipartAssembler } from "./multipart-assembly.ts";
import { portStatsReplies } from "./port-handlers.ts";
import { queueStatsReply } from "./queue-handlers.ts";
import { descReply, portDescReplies } from "./switch-handlers.ts";
import { tableFeaturesReplies } from "./table-features.ts";

export function multipartHandlers(bridge: OfBridge): DispatchTable {
  const assemblers = new WeakMap<OfChannel, MultipartAssembler>();
  const assemblerOf = (ch: OfChannel): MultipartAssembler => {
    let a = assemblers.get(ch);
    if (!a) {
      a = new MultipartAssembler();
      assemblers.set(ch, a);
    }
    return a;
  };
  return {
    "multipart-request": async (m, reply, ch) => {
      const body = assemblerOf(ch).add(m.xid, m.flags, m.body, reply.raw.length);
      if (!body) return; // more parts to come
      switch (body.part) {
        case "desc":
          reply({ kind: "multipart-reply", flags: 0, body: descReply(bridge) });
          return;
        case "port-desc": {
          const parts = portDescReplies(bridge);
          parts.forEach((ports, i) => {
            const flags = i < parts.length - 1 ? OFPMPF_REPLY_MORE : 0;
            reply({ kind: "multipart-reply", flags, body: { part: "port-desc", ports } });
          });
          return;
        }
        case "queue":
          reply({ kind: "multipart-reply", flags: 0, body: queueStatsReply(bridge, body) });
          return;
        case "experimenter":
          reply.error(OFPET.BAD_REQUEST, BAD_REQUEST.BAD_EXPERIMENTER);
          return;
        case "table":
          reply({ kind: "multipart-reply", flags: 0, body: tableStatsReply(bridge) });
          return;
        case "aggregate":
          reply({ kind: "multipart-reply", flags: 0, body: aggregateReply(bridge, body) });
          return;
        case "flow": {
          const parts = flowStatsReplies(bridge, body);
          parts.forEach((flows, i) => {
            const flags = i < parts.length - 1 ? OFPMPF_REPLY_MORE : 0;
            reply({ kind: "multipart-reply", flags, body: { part: "flow", flows } });
          });
          return;
        }
        case "port-stats":
          return portStatsReplies(bridge, body).then((parts) => {
            if (!parts) reply.error(OFPET.BAD_REQUEST, BAD_REQUEST.BAD_MULTIPART);
            parts?.forEach((stats, i) => {
              const flags = i < parts.length - 1 ? OFPMPF_REPLY_MORE : 0;
              reply({ kind: "multipart-reply", flags, body: { part: "port-stats", stats } });
            });
          });
        case "table-features": {
          if (body.tables.length > 0) {
            reply.error(OFPET.TABLE_FEATURES_FAILED, TABLE_FEATURES_FAILED.EPERM);
            return;
          }
          const parts = tableFeaturesReplies(bridge.tables().maxRulesPerTable);
          parts.forEach((tables, i) => {
            const flags = i < parts.length - 1 ? OFPMPF_REPLY_MORE : 0;
            reply({ kind: "multipart-reply", flags, body: { part: "table-features", tables } });
          });
          return;
        }
        case "meter":
        case "meter-config":
        case "meter-features":
          await meterMultipart(bridge, body, reply);
          return;
        case "group":
        case "group-desc":
        case "group-features":
          if (!replyGroupPart(bridge, body, reply)) reply.error(OFPET.BAD_REQUEST, BAD_REQUEST.BAD_MULTIPART);
          return;
        default:
          reply.error(OFPET.BAD_REQUEST, BAD_REQUEST.BAD_MULTIPART);
      }
    },
  };
}
