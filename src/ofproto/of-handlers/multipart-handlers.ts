// The MULTIPART_REQUEST handler: one entry in the dispatch table, routing each part to the
// module that builds its reply.
//
// What: multipartHandlers(bridge) → { "multipart-request" }. Parts answered: DESC, PORT_DESC
//   (switch-handlers.ts), FLOW, AGGREGATE, TABLE (flow-handlers.ts), PORT_STATS
//   (port-handlers.ts; asynchronous: the handler returns a promise), TABLE_FEATURES
//   (table-features.ts; a request with a body, which would set features, is refused
//   TABLE_FEATURES_FAILED/EPERM), METER, METER_CONFIG, METER_FEATURES (meter-handlers.ts),
//   GROUP, GROUP_DESC, GROUP_FEATURES (group-handlers.ts).
//   Every other part gets
//   BAD_REQUEST/BAD_MULTIPART, as OpenFlow 1.3.5 §7.4.4 prescribes for an unsupported one.
// Design: a request with OFPMPF_REQ_MORE set is a multi-message request none of our parts
//   needs; it is refused with BAD_MULTIPART rather than half-answered. A reply too big for one
//   message (FLOW, TABLE_FEATURES) goes out as several with OFPMPF_REPLY_MORE on all but the last.
// Invariants: exactly one reply sequence or one error per request.
// Threading: main thread.

import type { DispatchTable } from "../../../openflow/channel/dispatch.ts";
import { BAD_REQUEST, OFPET, TABLE_FEATURES_FAILED } from "../../../openflow/errors.ts";
import { OFPMPF_REPLY_MORE, OFPMPF_REQ_MORE } from "../../../openflow/messages/multipart.ts";
import { aggregateReply, flowStatsReplies, tableStatsReply } from "./flow-handlers.ts";
import { replyGroupPart } from "./group-handlers.ts";
import type { OfBridge } from "./handler-context.ts";
import { meterMultipart } from "./meter-handlers.ts";
import { portStatsReplies } from "./port-handlers.ts";
import { descReply, portDescReply } from "./switch-handlers.ts";
import { tableFeaturesReplies } from "./table-features.ts";

export function multipartHandlers(bridge: OfBridge): DispatchTable {
  return {
    "multipart-request": async (m, reply) => {
      if (m.flags & OFPMPF_REQ_MORE) {
        reply.error(OFPET.BAD_REQUEST, BAD_REQUEST.BAD_MULTIPART);
        return;
      }
      const body = m.body;
      switch (body.part) {
        case "desc":
          reply({ kind: "multipart-reply", flags: 0, body: descReply(bridge) });
          return;
        case "port-desc":
          reply({ kind: "multipart-reply", flags: 0, body: portDescReply(bridge) });
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
