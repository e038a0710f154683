// OpenFlow handlers for groups: GROUP_MOD, and the GROUP, GROUP_DESC and GROUP_FEATURES
// multipart parts (multipart-handlers.ts routes those here).
//
// What: groupHandlers(bridge) → the "group-mod" dispatch entry;
//   groupStatsReplies / groupDescReplies / groupFeaturesReply build the multipart bodies.
// Design: GROUP_MOD goes through the bridge's groupMod (group-table.ts checks and applies,
//   Ofproto removes the rules of deleted groups and revalidates the bridge's megaflows, so the
//   next BARRIER_REPLY — which waits for the datapath's fence — is sent only once no megaflow
//   translated from the old groups can handle a packet). Refusals are OfpErrors the channel
//   answers with OFPT_ERROR. Rules removed with a deleted group that asked for it
//   (SEND_FLOW_REM) are reported with FLOW_REMOVED reason GROUP_DELETE through Ofproto.subscribeFlowRemoved.
//   A bridge without a group table (no groupMod/groups) gets no entry: the channel answers
//   GROUP_MOD with BAD_REQUEST/BAD_TYPE, the multipart parts BAD_MULTIPART.
//   Replies too big for one message are split, OFPMPF_REPLY_MORE on all but the last.
// Invariants: one error, or the change, per GROUP_MOD.
// Threading: main thread.

import type { DispatchTable, Reply } from "../../../openflow/channel/dispatch.ts";
import { encodeMessage } from "../../../openflow/message.ts";
import {
  type MultipartReplyBody,
  type MultipartRequestBody,
  OFPMPF_REPLY_MORE,
} from "../../../openflow/messages/multipart.ts";
import type {
  GroupDesc,
  GroupFeaturesReply,
  GroupStats,
  GroupStatsRequest,
} from "../../../openflow/messages/multipart-group.ts";
import { groupDescs, groupFeatures, groupStats } from "../group-stats.ts";
import type { GroupTable } from "../group-table.ts";
import type { OfBridge } from "./handler-context.ts";

/** Bytes of a multipart reply's own headers (ofp_header + ofp_multipart_reply). */
const MULTIPART_HEADER = 16;
/** Largest body per reply message (the length field is 16 bits). */
const MAX_BODY = 0xffff - MULTIPART_HEADER;

export function groupHandlers(bridge: OfBridge): DispatchTable {
  const groupMod = bridge.groupMod?.bind(bridge);
  if (!groupMod) return {};
  return {
    "group-mod": (m) => {
      groupMod(m);
    },
  };
}

/** Splits entries into reply bodies of at most MAX_BODY bytes (never an empty one but the only). */
export function splitReplies<T>(entries: readonly T[], size: (e: T) => number, max = MAX_BODY): T[][] {
  const parts: T[][] = [[]];
  let used = 0;
  for (const e of entries) {
    const n = size(e);
    if (used + n > max && parts[parts.length - 1].length > 0) {
      parts.push([]);
      used = 0;
    }
    parts[parts.length - 1].push(e);
    used += n;
  }
  return parts;
}

function groupsOf(bridge: OfBridge): GroupTable | undefined {
  return bridge.groups?.();
}

/** OFPMP_GROUP bodies (undefined: the bridge has no group table). */
export function groupStatsReplies(bridge: OfBridge, req: GroupStatsRequest): GroupStats[][] | undefined {
  const groups = groupsOf(bridge);
  if (!groups) return undefined;
  const stats = groupStats(groups, bridge.tables(), req.groupId, bridge.now());
  return splitReplies(stats, (s) => 40 + 16 * s.bucketStats.length);
}

function descSize(g: GroupDesc): number {
  const whole = encodeMessage({ kind: "multipart-reply", xid: 0, flags: 0, body: { part: "group-desc", groups: [g] } });
  return whole.length - MULTIPART_HEADER;
}

/** OFPMP_GROUP_DESC bodies (undefined: the bridge has no group table). */
export function groupDescReplies(bridge: OfBridge): GroupDesc[][] | undefined {
  const groups = groupsOf(bridge);
  return groups ? splitReplies(groupDescs(groups), descSize) : undefined;
}

/** OFPMP_GROUP_FEATURES body (undefined: the bridge has no group table). */
export function groupFeaturesReply(bridge: OfBridge): GroupFeaturesReply | undefined {
  const groups = groupsOf(bridge);
  return groups ? groupFeatures(groups) : undefined;
}

/**
 * Answers a GROUP, GROUP_DESC or GROUP_FEATURES request (several replies with REPLY_MORE when
 * needed); false, sending nothing, for another part or when the bridge has no group table (the
 * caller answers BAD_MULTIPART).
 */
export function replyGroupPart(bridge: OfBridge, body: MultipartRequestBody, reply: Reply): boolean {
  let bodies: MultipartReplyBody[] | undefined;
  if (body.part === "group") {
    bodies = groupStatsReplies(bridge, body)?.map((stats) => ({ part: "group", stats }));
  } else if (body.part === "group-desc") {
    bodies = groupDescReplies(bridge)?.map((groups) => ({ part: "group-desc", groups }));
  } else if (body.part === "group-features") {
    const features = groupFeaturesReply(bridge);
    bodies = features && [features];
  }
  if (!bodies) return false;
  const last = bodies.length - 1;
  bodies.forEach((b, i) => {
    reply({ kind: "multipart-reply", flags: i < last ? OFPMPF_REPLY_MORE : 0, body: b });
  });
  return true;
}
