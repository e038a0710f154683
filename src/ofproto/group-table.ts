// A bridge's group table: GROUP_MOD applied as OpenFlow 1.3.5 §6.5 and §7.3.4.2 prescribe, and
// the groups the translator runs (GroupSource).
//
// What: GroupTable.apply(gm, now) validates a decoded GROUP_MOD, changes the table and returns
//   what changed (the group added or modified, the groups deleted) so the switch can remove the
//   flows that used a deleted group and revalidate. get(id) is the translator's lookup;
//   checkFlowGroups(instructions) is the FLOW_MOD reference check (an unknown group is
//   BAD_ACTION/BAD_OUT_GROUP, as Open vSwitch answers); references(id) counts what forwards to
//   a group (ref_count). Errors are OfpErrors with the spec's type and code.
// Design: everything is checked before anything changes. Order of checks: command
//   (GROUP_MOD_FAILED/BAD_COMMAND), type (BAD_TYPE, every command, as OVS), then
//   - DELETE: OFPG_ALL removes every group; another id removes that group if it exists (an
//     absent or reserved id is no error and removes nothing, as OVS); a group that another
//     group forwards to or watches is refused with CHAINED_GROUP (so bucket references never
//     dangle).
//   - ADD / MODIFY: id > OFPG_MAX → INVALID_GROUP; ADD of an existing id → GROUP_EXISTS; MODIFY
//     of an absent one → UNKNOWN_GROUP; capacity → OUT_OF_GROUPS / OUT_OF_BUCKETS; then the
//     buckets (group-buckets-check.ts: INVALID_GROUP for weights outside SELECT and for an
//     INDIRECT group without exactly one bucket — as OVS and the OF 1.3 conformance tests —,
//     WATCH_UNSUPPORTED, BAD_WATCH, the actions as a FLOW_MOD's, LOOP for a self reference,
//     BAD_OUT_GROUP for a group action to a group that does not exist); finally MODIFY is
//     refused with LOOP when the new buckets reach the group again through other groups.
//   MODIFY replaces type and buckets, keeps the group's age (duration) and zeroes its counters:
//   bucket counters would not line up with the new buckets. Counters live on the GroupEntry
//   object; the object is replaced on MODIFY, so late credits of megaflows translated from the
//   old group land on the retired object, not on the new one.
// Invariants: on throw, the table is unchanged; every group action and watch_group in a bucket
//   names a group in the table (ADD/MODIFY check it, DELETE refuses to break it); the reference
//   graph between groups has no cycle.
// Threading: main thread.

import { OFPG_ALL, OFPG_MAX } from "../../openflow/constants.ts";
import { BAD_ACTION, GROUP_MOD_FAILED, OFPET, OfpError } from "../../openflow/errors.ts";
import type { Instruction } from "../../openflow/instructions.ts";
import type { Bucket } from "../../openflow/messages/group-buckets.ts";
import { type GroupModMessage, OFPGC } from "../../openflow/messages/group-mod.ts";
import type { BucketCounter } from "../../openflow/messages/multipart-group.ts";
import { bucketGroupRefs, checkBuckets } from "./group-buckets-check.ts";
import type { GroupSource, XlateGroup } from "./xlate/xlate-context.ts";

/** The fields of a GROUP_MOD that matter here (a decoded GroupModMessage fits). */
export type GroupModRequest = Omit<GroupModMessage, "kind" | "xid">;

export interface GroupEntry extends XlateGroup {
  /** The table's clock (ms) when the group was added (MODIFY keeps it). */
  readonly created: number;
  packetCount: bigint;
  byteCount: bigint;
  /** One per bucket, in bucket order. */
  readonly bucketCounts: BucketCounter[];
}

export interface GroupModOutcome {
  /** The new entry (ADD or MODIFY). */
  installed?: GroupEntry;
  /** The entry a MODIFY replaced. */
  replaced?: GroupEntry;
  /** Groups removed by DELETE; flows that use them must go too. */
  deleted: GroupEntry[];
}

export interface GroupLimits {
  /** Groups of each type (GROUP_FEATURES max_groups). */
  maxGroupsPerType: number;
  maxBuckets: number;
}

export const DEFAULT_GROUP_LIMITS: GroupLimits = { maxGroupsPerType: 65536, maxBuckets: 1024 };

const N_TYPES = 4;

function groupError(code: number, detail: string): OfpError {
  return new OfpError(OFPET.GROUP_MOD_FAILED, code, detail);
}

function newEntry(groupId: number, groupType: number, buckets: Bucket[], created: number): GroupEntry {
  return {
    groupId,
    groupType,
    buckets,
    created,
    packetCount: 0n,
    byteCount: 0n,
    bucketCounts: buckets.map(() => ({ packetCount: 0n, byteCount: 0n })),
  };
}

export class GroupTable implements GroupSource {
  private readonly byId = new Map<number, GroupEntry>();
  /** Changes with every applied GROUP_MOD that changed something. */
  generation = 0;

  constructor(readonly limits: GroupLimits = DEFAULT_GROUP_LIMITS) {}

  get size(): number {
    return this.byId.size;
  }

  get(groupId: number): GroupEntry | undefined {
    return this.byId.get(groupId >>> 0);
  }

  has(groupId: number): boolean {
    return this.byId.has(groupId >>> 0);
  }

  /** Every group, in id order. */
  entries(): GroupEntry[] {
    return [...this.byId.values()].sort((a, b) => a.groupId - b.groupId);
  }

  countOfType(groupType: number): number {
    let n = 0;
    for (const g of this.byId.values()) if (g.groupType === groupType) n++;
    return n;
  }

  /** Groups whose buckets forward to `groupId` (group action), each counted once per action. */
  groupReferences(groupId: number): number {
    let n = 0;
    for (const g of this.byId.values()) {
      for (const b of g.buckets) for (const a of b.actions) if (a.type === "group" && a.groupId === groupId) n++;
    }
    return n;
  }

  /** FLOW_MOD reference check: a group action to a group not in this table is BAD_OUT_GROUP. */
  checkFlowGroups(instructions: readonly Instruction[]): void {
    for (const ins of instructions) {
      if (ins.type !== "apply_actions" && ins.type !== "write_actions") continue;
      for (const a of ins.actions) {
        if (a.type === "group" && !this.has(a.groupId)) {
          throw new OfpError(OFPET.BAD_ACTION, BAD_ACTION.BAD_OUT_GROUP, `group ${a.groupId >>> 0} does not exist`);
        }
      }
    }
  }

  /** Applies one GROUP_MOD at `now` (ms). Throws OfpError, changing nothing, on refusal. */
  apply(gm: GroupModRequest, now: number): GroupModOutcome {
    const { command, groupType } = gm;
    const groupId = gm.groupId >>> 0;
    if (command !== OFPGC.ADD && command !== OFPGC.MODIFY && command !== OFPGC.DELETE) {
      throw groupError(GROUP_MOD_FAILED.BAD_COMMAND, `command ${command}`);
    }
    if (!Number.isInteger(groupType) || groupType < 0 || groupType >= N_TYPES) {
      throw groupError(GROUP_MOD_FAILED.BAD_TYPE, `group type ${groupType}`);
    }
    if (command === OFPGC.DELETE) return this.delete(groupId);
    if (groupId > OFPG_MAX) {
      throw groupError(GROUP_MOD_FAILED.INVALID_GROUP, `group id 0x${groupId.toString(16)} is reserved`);
    }
    const old = this.byId.get(groupId);
    if (command === OFPGC.ADD && old) throw groupError(GROUP_MOD_FAILED.GROUP_EXISTS, `group ${groupId} exists`);
    if (command === OFPGC.MODIFY && !old) throw groupError(GROUP_MOD_FAILED.UNKNOWN_GROUP, `no group ${groupId}`);
    if (old?.groupType !== groupType && this.countOfType(groupType) >= this.limits.maxGroupsPerType) {
      throw groupError(GROUP_MOD_FAILED.OUT_OF_GROUPS, `${this.limits.maxGroupsPerType} groups of type ${groupType}`);
    }
    if (gm.buckets.length > this.limits.maxBuckets) {
      throw groupError(
        GROUP_MOD_FAILED.OUT_OF_BUCKETS,
        `${gm.buckets.length} buckets (at most ${this.limits.maxBuckets})`,
      );
    }
    checkBuckets(groupId, groupType, gm.buckets, (id) => this.has(id));
    if (old && this.reaches(bucketGroupRefs(gm.buckets), groupId)) {
      throw groupError(GROUP_MOD_FAILED.LOOP, `group ${groupId} would reach itself through its buckets`);
    }
    const entry = newEntry(groupId, groupType, gm.buckets, old?.created ?? now);
    this.byId.set(groupId, entry);
    this.generation++;
    return { installed: entry, replaced: old, deleted: [] };
  }

  private delete(groupId: number): GroupModOutcome {
    if (groupId === OFPG_ALL) {
      const deleted = this.entries();
      this.byId.clear();
      if (deleted.length > 0) this.generation++;
      return { deleted };
    }
    const g = this.byId.get(groupId);
    if (!g) return { deleted: [] };
    for (const other of this.byId.values()) {
      if (other !== g && bucketGroupRefs(other.buckets).includes(groupId)) {
        throw groupError(
          GROUP_MOD_FAILED.CHAINED_GROUP,
          `group ${other.groupId} forwards to or watches group ${groupId}`,
        );
      }
    }
    this.byId.delete(groupId);
    this.generation++;
    return { deleted: [g] };
  }

  /** Does following group references (actions and watches) from `starts` reach `target`? */
  private reaches(starts: readonly number[], target: number): boolean {
    const seen = new Set<number>();
    const stack = [...starts];
    while (stack.length > 0) {
      const id = stack.pop() as number;
      if (id === target) return true;
      if (seen.has(id)) continue;
      seen.add(id);
      const g = this.byId.get(id);
      if (g) stack.push(...bucketGroupRefs(g.buckets));
    }
    return false;
  }
}
