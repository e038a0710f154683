// fast-check arbitraries for MULTIPART_REQUEST / MULTIPART_REPLY: every subtype this family owns
// (FLOW/AGGREGATE bodies are the flow-stats family's), with table-features properties of every
// shape, group buckets (a few simple actions) and meter bands.

import fc from "fast-check";
import type { Action } from "../../../openflow/actions/actions.ts";
import type { Bucket } from "../../../openflow/messages/group-buckets.ts";
import type {
  MultipartReplyBody,
  MultipartReplyMessage,
  MultipartRequestBody,
  MultipartRequestMessage,
} from "../../../openflow/messages/multipart.ts";
import { PORT_COUNTERS, type PortStats } from "../../../openflow/messages/multipart-stats.ts";
import {
  type OxmId,
  type TableFeatureProp,
  type TableFeatures,
  tableFeaturePropKind,
} from "../../../openflow/messages/multipart-table-features.ts";
import { meterBand } from "./meter-bands.ts";
import { ofpPort } from "./port.ts";
import { bytes, fixedString, u8, u16, u32, u64, xid } from "./wire-scalars.ts";

const list = <T>(a: fc.Arbitrary<T>, maxLength = 3) => fc.array(a, { maxLength });

const featureId = fc.record({ type: u16, data: bytes(8) });
const oxmId: fc.Arbitrary<OxmId> = fc.oneof(
  u32.filter((h) => h >>> 16 !== 0xffff).map((header) => ({ header })),
  fc.record({ header: u16.map((lo) => 0xffff0000 + lo), experimenter: u32 }),
);

function propOfType(type: number): fc.Arbitrary<TableFeatureProp> {
  const prop = tableFeaturePropKind(type);
  switch (prop) {
    case "instructions":
    case "actions":
      return list(featureId, 4).map((ids) => ({ prop, type, ids }));
    case "next-tables":
      return list(u8, 12).map((tableIds) => ({ prop, type, tableIds }));
    case "oxm":
      return list(oxmId, 6).map((oxmIds) => ({ prop, type, oxmIds }));
    case "experimenter":
      return fc.record({ experimenter: u32, expType: u32, data: bytes(12) }).map((e) => ({ prop, type, ...e }));
    default:
      return bytes(12).map((data) => ({ prop: "unknown" as const, type, data }));
  }
}

// biased so the spec's property types show up often, not only as 16 in 65536 of all u16 values
const specPropType = fc.constantFrom(0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 13, 14, 15, 0xfffe, 0xffff);
export const tableFeatureProp: fc.Arbitrary<TableFeatureProp> = fc.oneof(specPropType, u16).chain(propOfType);

export const tableFeatures: fc.Arbitrary<TableFeatures> = fc.record({
  tableId: u8,
  name: fixedString(32),
  metadataMatch: u64,
  metadataWrite: u64,
  config: u32,
  maxEntries: u32,
  properties: list(tableFeatureProp, 5),
});

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ type: fc.constant("output" as const), port: u32, maxLen: u16 }),
  fc.record({ type: fc.constant("group" as const), groupId: u32 }),
  fc.constant({ type: "pop_vlan" as const }),
);
const bucket: fc.Arbitrary<Bucket> = fc.record({ weight: u16, watchPort: u32, watchGroup: u32, actions: list(action) });

const portStats: fc.Arbitrary<PortStats> = fc
  .record({
    portNo: u32,
    durationSec: u32,
    durationNsec: u32,
    counters: fc.array(u64, { minLength: 12, maxLength: 12 }),
  })
  .map(
    ({ counters, ...rest }) =>
      ({ ...rest, ...Object.fromEntries(PORT_COUNTERS.map((k, i) => [k, counters[i]])) }) as PortStats,
  );

const quad = fc.tuple(u32, u32, u32, u32);

export const multipartRequestBody: fc.Arbitrary<MultipartRequestBody> = fc.oneof(
  fc
    .constantFrom("desc", "table", "group-desc", "group-features", "meter-features", "port-desc")
    .map((part) => ({ part })),
  u32.map((portNo) => ({ part: "port-stats" as const, portNo })),
  fc.record({ part: fc.constant("queue" as const), portNo: u32, queueId: u32 }),
  u32.map((groupId) => ({ part: "group" as const, groupId })),
  fc.record({ part: fc.constantFrom("meter" as const, "meter-config" as const), meterId: u32 }),
  list(tableFeatures, 2).map((tables) => ({ part: "table-features" as const, tables })),
  fc.record({ part: fc.constant("experimenter" as const), experimenter: u32, expType: u32, data: bytes(24) }),
);

export const multipartReplyBody: fc.Arbitrary<MultipartReplyBody> = fc.oneof(
  fc.record({
    part: fc.constant("desc" as const),
    mfrDesc: fixedString(256),
    hwDesc: fixedString(256),
    swDesc: fixedString(256),
    serialNum: fixedString(32),
    dpDesc: fixedString(256),
  }),
  list(fc.record({ tableId: u8, activeCount: u32, lookupCount: u64, matchedCount: u64 }), 5).map((stats) => ({
    part: "table" as const,
    stats,
  })),
  list(portStats).map((stats) => ({ part: "port-stats" as const, stats })),
  list(
    fc.record({
      portNo: u32,
      queueId: u32,
      txBytes: u64,
      txPackets: u64,
      txErrors: u64,
      durationSec: u32,
      durationNsec: u32,
    }),
  ).map((stats) => ({ part: "queue" as const, stats })),
  list(
    fc.record({
      groupId: u32,
      refCount: u32,
      packetCount: u64,
      byteCount: u64,
      durationSec: u32,
      durationNsec: u32,
      bucketStats: list(fc.record({ packetCount: u64, byteCount: u64 })),
    }),
  ).map((stats) => ({ part: "group" as const, stats })),
  list(fc.record({ groupType: u8, groupId: u32, buckets: list(bucket) })).map((groups) => ({
    part: "group-desc" as const,
    groups,
  })),
  fc.record({
    part: fc.constant("group-features" as const),
    types: u32,
    capabilities: u32,
    maxGroups: quad,
    actions: quad,
  }),
  list(
    fc.record({
      meterId: u32,
      flowCount: u32,
      packetInCount: u64,
      byteInCount: u64,
      durationSec: u32,
      durationNsec: u32,
      bandStats: list(fc.record({ packetBandCount: u64, byteBandCount: u64 })),
    }),
  ).map((stats) => ({ part: "meter" as const, stats })),
  list(fc.record({ flags: u16, meterId: u32, bands: list(meterBand) })).map((configs) => ({
    part: "meter-config" as const,
    configs,
  })),
  fc.record({
    part: fc.constant("meter-features" as const),
    maxMeter: u32,
    bandTypes: u32,
    capabilities: u32,
    maxBands: u8,
    maxColor: u8,
  }),
  list(tableFeatures, 2).map((tables) => ({ part: "table-features" as const, tables })),
  list(ofpPort, 4).map((ports) => ({ part: "port-desc" as const, ports })),
  fc.record({ part: fc.constant("experimenter" as const), experimenter: u32, expType: u32, data: bytes(24) }),
);

export const multipartRequest: fc.Arbitrary<MultipartRequestMessage> = fc.record({
  kind: fc.constant("multipart-request" as const),
  xid,
  flags: u16,
  body: multipartRequestBody,
});

export const multipartReply: fc.Arbitrary<MultipartReplyMessage> = fc.record({
  kind: fc.constant("multipart-reply" as const),
  xid,
  flags: u16,
  body: multipartReplyBody,
});
