// fast-check arbitraries for the fixed-layout session families: error, echo, experimenter,
// features, switch-config, barrier, role, async-config, table-mod, queue-config.

import fc from "fast-check";
import { OFPET } from "../../../openflow/errors.ts";
import type { OfpMessage } from "../../../openflow/message-table.ts";
import type {
  AsyncConfigFields,
  GetAsyncReplyMessage,
  SetAsyncMessage,
} from "../../../openflow/messages/async-config.ts";
import type { ErrorMessage } from "../../../openflow/messages/error.ts";
import type { FeaturesReplyMessage } from "../../../openflow/messages/features.ts";
import type {
  QueueGetConfigReplyMessage,
  QueueGetConfigRequestMessage,
} from "../../../openflow/messages/queue-config.ts";
import type { RoleReplyMessage, RoleRequestMessage } from "../../../openflow/messages/role.ts";
import type { GetConfigReplyMessage, SetConfigMessage } from "../../../openflow/messages/switch-config.ts";
import type { TableModMessage } from "../../../openflow/messages/table-mod.ts";
import { bytes, u8, u16, u32, u64, xid } from "./wire-scalars.ts";

export const errorMessage: fc.Arbitrary<ErrorMessage> = fc.oneof(
  fc.record({
    kind: fc.constant("error" as const),
    xid,
    errType: u16.filter((t) => t !== OFPET.EXPERIMENTER),
    code: u16,
    data: bytes(80),
  }),
  fc.record({
    kind: fc.constant("error" as const),
    xid,
    errType: fc.constant(OFPET.EXPERIMENTER),
    code: u16,
    experimenter: u32,
    data: bytes(80),
  }),
);

export const echoMessage = fc.record({
  kind: fc.constantFrom("echo-request" as const, "echo-reply" as const),
  xid,
  data: bytes(64),
});

export const experimenterMessage = fc.record({
  kind: fc.constant("experimenter" as const),
  xid,
  experimenter: u32,
  expType: u32,
  data: bytes(64),
});

export const featuresReply: fc.Arbitrary<FeaturesReplyMessage> = fc.record({
  kind: fc.constant("features-reply" as const),
  xid,
  datapathId: u64,
  nBuffers: u32,
  nTables: u8,
  auxiliaryId: u8,
  capabilities: u32,
  reserved: u32,
});

export const switchConfig: fc.Arbitrary<GetConfigReplyMessage | SetConfigMessage> = fc.record({
  kind: fc.constantFrom("get-config-reply" as const, "set-config" as const),
  xid,
  flags: u16,
  missSendLen: u16,
});

export const roleMessage: fc.Arbitrary<RoleRequestMessage | RoleReplyMessage> = fc.record({
  kind: fc.constantFrom("role-request" as const, "role-reply" as const),
  xid,
  role: u32,
  generationId: u64,
});

const maskPair = fc.tuple(u32, u32) as fc.Arbitrary<AsyncConfigFields["packetInMask"]>;
export const asyncConfig: fc.Arbitrary<GetAsyncReplyMessage | SetAsyncMessage> = fc.record({
  kind: fc.constantFrom("get-async-reply" as const, "set-async" as const),
  xid,
  packetInMask: maskPair,
  portStatusMask: maskPair,
  flowRemovedMask: maskPair,
});

export const tableMod: fc.Arbitrary<TableModMessage> = fc.record({
  kind: fc.constant("table-mod" as const),
  xid,
  tableId: u8,
  config: u32,
});

export const emptyBodyMessage = fc.record({
  kind: fc.constantFrom(
    "features-request" as const,
    "get-config-request" as const,
    "barrier-request" as const,
    "barrier-reply" as const,
    "get-async-request" as const,
  ),
  xid,
});

export const queueGetConfigRequest: fc.Arbitrary<QueueGetConfigRequestMessage> = fc.record({
  kind: fc.constant("queue-get-config-request" as const),
  xid,
  port: u32,
});

export const queueGetConfigReply: fc.Arbitrary<QueueGetConfigReplyMessage> = fc.record({
  kind: fc.constant("queue-get-config-reply" as const),
  xid,
  port: u32,
  queues: fc.array(
    fc.record({
      queueId: u32,
      port: u32,
      properties: fc.array(fc.record({ property: u16, body: bytes(24) }), { maxLength: 3 }),
    }),
    { maxLength: 3 },
  ),
});

export const simpleMessage: fc.Arbitrary<OfpMessage> = fc.oneof(
  errorMessage,
  echoMessage,
  experimenterMessage,
  featuresReply,
  switchConfig,
  roleMessage,
  asyncConfig,
  tableMod,
  emptyBodyMessage,
  queueGetConfigRequest,
  queueGetConfigReply,
);
