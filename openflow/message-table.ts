// The table of message families: OFPT number → codec, and the union of every message type.
// Each family file under openflow/messages/ exports its codecs and its message types; add a
// family by importing it here, adding its codecs to FAMILIES and its types to OfpMessage.

import type { MessageCodec } from "./message.ts";

import {
  GET_ASYNC_REPLY_CODEC,
  GET_ASYNC_REQUEST_CODEC,
  type GetAsyncReplyMessage,
  type GetAsyncRequestMessage,
  SET_ASYNC_CODEC,
  type SetAsyncMessage,
} from "./messages/async-config.ts";
import {
  BARRIER_REPLY_CODEC,
  BARRIER_REQUEST_CODEC,
  type BarrierReplyMessage,
  type BarrierRequestMessage,
} from "./messages/barrier.ts";
import {
  ECHO_REPLY_CODEC,
  ECHO_REQUEST_CODEC,
  type EchoReplyMessage,
  type EchoRequestMessage,
} from "./messages/echo.ts";
import { ERROR_CODEC, type ErrorMessage } from "./messages/error.ts";
import { EXPERIMENTER_CODEC, type ExperimenterMessage } from "./messages/experimenter.ts";
import {
  FEATURES_REPLY_CODEC,
  FEATURES_REQUEST_CODEC,
  type FeaturesReplyMessage,
  type FeaturesRequestMessage,
} from "./messages/features.ts";
// flow-related families (flow-mod … flow-removed)
import { FLOW_MOD_CODEC, type FlowModMessage } from "./messages/flow-mod.ts";
import { FLOW_REMOVED_CODEC, type FlowRemovedMessage } from "./messages/flow-removed.ts";
import { GROUP_MOD_CODEC, type GroupModMessage } from "./messages/group-mod.ts";
import { HELLO_CODEC, type HelloMessage } from "./messages/hello.ts";
import { METER_MOD_CODEC, type MeterModMessage } from "./messages/meter-mod.ts";
import {
  MULTIPART_REPLY_CODEC,
  MULTIPART_REQUEST_CODEC,
  type MultipartReplyMessage,
  type MultipartRequestMessage,
} from "./messages/multipart.ts";
import { PACKET_IN_CODEC, type PacketInMessage } from "./messages/packet-in.ts";
import { PACKET_OUT_CODEC, type PacketOutMessage } from "./messages/packet-out.ts";
import { PORT_MOD_CODEC, PORT_STATUS_CODEC, type PortModMessage, type PortStatusMessage } from "./messages/port.ts";
import {
  QUEUE_GET_CONFIG_REPLY_CODEC,
  QUEUE_GET_CONFIG_REQUEST_CODEC,
  type QueueGetConfigReplyMessage,
  type QueueGetConfigRequestMessage,
} from "./messages/queue-config.ts";
import {
  ROLE_REPLY_CODEC,
  ROLE_REQUEST_CODEC,
  type RoleReplyMessage,
  type RoleRequestMessage,
} from "./messages/role.ts";
import {
  GET_CONFIG_REPLY_CODEC,
  GET_CONFIG_REQUEST_CODEC,
  type GetConfigReplyMessage,
  type GetConfigRequestMessage,
  SET_CONFIG_CODEC,
  type SetConfigMessage,
} from "./messages/switch-config.ts";
import { TABLE_MOD_CODEC, type TableModMessage } from "./messages/table-mod.ts";

export type OfpMessage =
  // session-protocol families (hello … multipart)
  | HelloMessage
  | ErrorMessage
  | EchoRequestMessage
  | EchoReplyMessage
  | ExperimenterMessage
  | FeaturesRequestMessage
  | FeaturesReplyMessage
  | GetConfigRequestMessage
  | GetConfigReplyMessage
  | SetConfigMessage
  | PortStatusMessage
  | PortModMessage
  | TableModMessage
  | MultipartRequestMessage
  | MultipartReplyMessage
  | BarrierRequestMessage
  | BarrierReplyMessage
  | QueueGetConfigRequestMessage
  | QueueGetConfigReplyMessage
  | RoleRequestMessage
  | RoleReplyMessage
  | GetAsyncRequestMessage
  | GetAsyncReplyMessage
  | SetAsyncMessage
  // flow-related families (flow-mod … flow-removed)
  | FlowModMessage
  | GroupModMessage
  | MeterModMessage
  | PacketInMessage
  | PacketOutMessage
  | FlowRemovedMessage;

const FAMILIES: Array<MessageCodec<OfpMessage>> = [
  // session-protocol families (hello … multipart)
  HELLO_CODEC,
  ERROR_CODEC,
  ECHO_REQUEST_CODEC,
  ECHO_REPLY_CODEC,
  EXPERIMENTER_CODEC,
  FEATURES_REQUEST_CODEC,
  FEATURES_REPLY_CODEC,
  GET_CONFIG_REQUEST_CODEC,
  GET_CONFIG_REPLY_CODEC,
  SET_CONFIG_CODEC,
  PORT_STATUS_CODEC,
  PORT_MOD_CODEC,
  TABLE_MOD_CODEC,
  MULTIPART_REQUEST_CODEC,
  MULTIPART_REPLY_CODEC,
  BARRIER_REQUEST_CODEC,
  BARRIER_REPLY_CODEC,
  QUEUE_GET_CONFIG_REQUEST_CODEC,
  QUEUE_GET_CONFIG_REPLY_CODEC,
  ROLE_REQUEST_CODEC,
  ROLE_REPLY_CODEC,
  GET_ASYNC_REQUEST_CODEC,
  GET_ASYNC_REPLY_CODEC,
  SET_ASYNC_CODEC,
  // flow-related families (flow-mod … flow-removed)
  FLOW_MOD_CODEC,
  GROUP_MOD_CODEC,
  METER_MOD_CODEC,
  PACKET_IN_CODEC,
  PACKET_OUT_CODEC,
  FLOW_REMOVED_CODEC,
] as Array<MessageCodec<OfpMessage>>;

export const MESSAGE_TABLE: ReadonlyMap<number, MessageCodec<OfpMessage>> = new Map(FAMILIES.map((c) => [c.type, c]));
