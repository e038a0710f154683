// The bucket checks of a GROUP_MOD ADD or MODIFY (OpenFlow 1.3.5 §5.6.1, §7.3.4.2): what a
// bucket may carry for its group's type, and what its references may name.
//
// What: checkBuckets(groupId, type, buckets, exists) throws the OfpError the first bad bucket
//   earns; bucketGroupRefs(buckets) lists the groups buckets forward to or watch.
// Design: the spec names the codes but not which applies where; where it leaves room we answer
//   as Open vSwitch (lib/ofp-group.c) and the OpenFlow 1.3 conformance tests do:
//     INDIRECT without exactly one bucket          GROUP_MOD_FAILED/INVALID_GROUP
//     weight ≠ 0 outside SELECT                    GROUP_MOD_FAILED/INVALID_GROUP
//     watch_port/watch_group on ALL or INDIRECT    GROUP_MOD_FAILED/WATCH_UNSUPPORTED
//     FAST_FAILOVER bucket watching nothing        GROUP_MOD_FAILED/BAD_WATCH (OVS says
//                                                  INVALID_GROUP; the error is in the watch)
//     watch_port 0 or a reserved port but LOCAL    GROUP_MOD_FAILED/BAD_WATCH
//     watch_group reserved or not in the table     GROUP_MOD_FAILED/BAD_WATCH
//     watch_group or group action = the group      GROUP_MOD_FAILED/LOOP
//     group action to a group not in the table     BAD_ACTION/BAD_OUT_GROUP (as a FLOW_MOD)
//     any other bad action                         as a FLOW_MOD's (flow-mod.ts checkActionList)
//   SELECT buckets may watch (liveness: a dead bucket is not picked); weight 0 is allowed and
//   never picked. A watch_port that names no port today is allowed: ports come and go.
// Invariants: pure; checks run in bucket order, and within a bucket: weight, watch, actions.
// Threading: main thread.

import { OFPG_ANY, OFPG_MAX, OFPP } from "../../openflow/constants.ts";
import { BAD_ACTION, GROUP_MOD_FAILED, OFPET, OfpError } from "../../openflow/errors.ts";
import type { Bucket } from "../../openflow/messages/group-buckets.ts";
import { OFPGT_TYPES } from "../../openflow/messages/group-mod.ts";
import { checkActionList } from "./flow-mod.ts";

function groupError(code: number, detail: string): OfpError {
  return new OfpError(OFPET.GROUP_MOD_FAILED, code, detail);
}

/** The groups the buckets forward to (group actions) or watch (watch_group), with repeats. */
export function bucketGroupRefs(buckets: readonly Bucket[]): number[] {
  const out: number[] = [];
  for (const b of buckets) {
    if (b.watchGroup >>> 0 !== OFPG_ANY) out.push(b.watchGroup >>> 0);
    for (const a of b.actions) if (a.type === "group") out.push(a.groupId >>> 0);
  }
  return out;
}

function validWatchPort(port: number): boolean {
  return port !== 0 && (port <= OFPP.MAX || port === OFPP.LOCAL);
}

export function checkBuckets(
  groupId: number,
  groupType: number,
  buckets: readonly Bucket[],
  exists: (groupId: number) => boolean,
): void {
  if (groupType === OFPGT_TYPES.INDIRECT && buckets.length !== 1) {
    throw groupError(GROUP_MOD_FAILED.INVALID_GROUP, `an indirect group has one bucket, not ${buckets.length}`);
  }
  buckets.forEach((b, i) => {
    const at = `bucket ${i}`;
    if (b.weight !== 0 && groupType !== OFPGT_TYPES.SELECT) {
      throw groupError(GROUP_MOD_FAILED.INVALID_GROUP, `${at}: weight ${b.weight} outside a select group`);
    }
    const watchPort = b.watchPort >>> 0;
    const watchGroup = b.watchGroup >>> 0;
    const watches = watchPort !== OFPP.ANY || watchGroup !== OFPG_ANY;
    if (watches && (groupType === OFPGT_TYPES.ALL || groupType === OFPGT_TYPES.INDIRECT)) {
      throw groupError(GROUP_MOD_FAILED.WATCH_UNSUPPORTED, `${at}: only select and fast failover buckets watch`);
    }
    if (!watches && groupType === OFPGT_TYPES.FF) {
      throw groupError(GROUP_MOD_FAILED.BAD_WATCH, `${at}: a fast failover bucket must watch a port or a group`);
    }
    if (watchPort !== OFPP.ANY && !validWatchPort(watchPort)) {
      throw groupError(GROUP_MOD_FAILED.BAD_WATCH, `${at}: watch_port 0x${watchPort.toString(16)}`);
    }
    if (watchGroup !== OFPG_ANY) {
      if (watchGroup === groupId) throw groupError(GROUP_MOD_FAILED.LOOP, `${at}: group ${groupId} watches itself`);
      if (watchGroup > OFPG_MAX || !exists(watchGroup)) {
        throw groupError(GROUP_MOD_FAILED.BAD_WATCH, `${at}: watch_group ${watchGroup} does not exist`);
      }
    }
    checkActionList(b.actions);
    for (const a of b.actions) {
      if (a.type !== "group") continue;
      const target = a.groupId >>> 0;
      if (target === groupId) throw groupError(GROUP_MOD_FAILED.LOOP, `${at}: group ${groupId} forwards to itself`);
      if (!exists(target)) {
        throw new OfpError(OFPET.BAD_ACTION, BAD_ACTION.BAD_OUT_GROUP, `${at}: group ${target} does not exist`);
      }
    }
  });
}
