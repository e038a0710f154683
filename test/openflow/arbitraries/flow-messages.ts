// fast-check arbitraries for the flow-related messages (FLOW_MOD ... FLOW_REMOVED) and the
// FLOW / AGGREGATE multipart bodies.

import fc from "fast-check";
import type { FlowModMessage } from "../../../openflow/messages/flow-mod.ts";
import type { FlowRemovedMessage } from "../../../openflow/messages/flow-removed.ts";
import type {
  AggregateReply,
  AggregateRequest,
  FlowStats,
  FlowStatsReply,
  FlowStatsRequest,
} from "../../../openflow/messages/flow-stats.ts";
import type { GroupModMessage } from "../../../openflow/messages/group-mod.ts";
import type { MeterBand } from "../../../openflow/messages/meter-bands.ts";
import type { MeterModMessage } from "../../../openflow/messages/meter-mod.ts";
import type { PacketInMessage } from "../../../openflow/messages/packet-in.ts";
import type { PacketOutMessage } from "../../../openflow/messages/packet-out.ts";
import { actionsArb, anyMatch, bucketArb, instructionsArb, ints } from "./flow.ts";

const { u8, u16, u32, u64 } = ints;
const data = fc.uint8Array({ maxLength: 100 });

export const flowModArb: fc.Arbitrary<FlowModMessage> = fc.record({
  kind: fc.constant("flow-mod" as const),
  xid: u32,
  cookie: u64,
  cookieMask: u64,
  tableId: u8,
  command: fc.integer({ min: 0, max: 4 }),
  idleTimeout: u16,
  hardTimeout: u16,
  priority: u16,
  bufferId: u32,
  outPort: u32,
  outGroup: u32,
  flags: fc.integer({ min: 0, max: 31 }),
  match: anyMatch,
  instructions: instructionsArb,
});

export const groupModArb: fc.Arbitrary<GroupModMessage> = fc.record({
  kind: fc.constant("group-mod" as const),
  xid: u32,
  command: fc.integer({ min: 0, max: 2 }),
  groupType: fc.integer({ min: 0, max: 3 }),
  groupId: u32,
  buckets: fc.array(bucketArb, { maxLength: 4 }),
});

const bandArb: fc.Arbitrary<MeterBand> = fc.oneof(
  fc.record({ type: fc.constant("drop" as const), rate: u32, burstSize: u32 }),
  fc.record({ type: fc.constant("dscp-remark" as const), rate: u32, burstSize: u32, precLevel: u8 }),
);

export const meterModArb: fc.Arbitrary<MeterModMessage> = fc.record({
  kind: fc.constant("meter-mod" as const),
  xid: u32,
  command: fc.integer({ min: 0, max: 2 }),
  flags: fc.integer({ min: 0, max: 15 }),
  meterId: u32,
  bands: fc.array(bandArb, { maxLength: 4 }),
});

export const packetInArb: fc.Arbitrary<PacketInMessage> = fc.record({
  kind: fc.constant("packet-in" as const),
  xid: u32,
  bufferId: u32,
  totalLen: u16,
  reason: fc.integer({ min: 0, max: 2 }),
  tableId: u8,
  cookie: u64,
  match: anyMatch,
  data,
});

export const packetOutArb: fc.Arbitrary<PacketOutMessage> = fc.record({
  kind: fc.constant("packet-out" as const),
  xid: u32,
  bufferId: u32,
  inPort: u32,
  actions: actionsArb,
  data,
});

export const flowRemovedArb: fc.Arbitrary<FlowRemovedMessage> = fc.record({
  kind: fc.constant("flow-removed" as const),
  xid: u32,
  cookie: u64,
  priority: u16,
  reason: fc.integer({ min: 0, max: 3 }),
  tableId: u8,
  durationSec: u32,
  durationNsec: u32,
  idleTimeout: u16,
  hardTimeout: u16,
  packetCount: u64,
  byteCount: u64,
  match: anyMatch,
});

const filter = { tableId: u8, outPort: u32, outGroup: u32, cookie: u64, cookieMask: u64, match: anyMatch };
export const flowStatsRequestArb: fc.Arbitrary<FlowStatsRequest> = fc.record({
  part: fc.constant("flow" as const),
  ...filter,
});
export const aggregateRequestArb: fc.Arbitrary<AggregateRequest> = fc.record({
  part: fc.constant("aggregate" as const),
  ...filter,
});

const flowStatsArb: fc.Arbitrary<FlowStats> = fc.record({
  tableId: u8,
  durationSec: u32,
  durationNsec: u32,
  priority: u16,
  idleTimeout: u16,
  hardTimeout: u16,
  flags: u16,
  cookie: u64,
  packetCount: u64,
  byteCount: u64,
  match: anyMatch,
  instructions: instructionsArb,
});
export const flowStatsReplyArb: fc.Arbitrary<FlowStatsReply> = fc.record({
  part: fc.constant("flow" as const),
  flows: fc.array(flowStatsArb, { maxLength: 3 }),
});
export const aggregateReplyArb: fc.Arbitrary<AggregateReply> = fc.record({
  part: fc.constant("aggregate" as const),
  packetCount: u64,
  byteCount: u64,
  flowCount: u32,
});
