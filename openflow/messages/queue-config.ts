// OFPT_QUEUE_GET_CONFIG_REQUEST / _REPLY (OpenFlow 1.3.5 §7.3.6): a port's queues.
//
// What: paired decode/encode for the request (a port number) and the reply (a list of queues,
//   each with properties). wasmvs has no QoS, so it answers with no queues; the codec still reads
//   any reply so tests and tools can use it.
// Design: queue properties are kept generically (type + body after the 8-byte property header):
//   MIN_RATE/MAX_RATE bodies are `rate u16, pad[6]`, EXPERIMENTER is `experimenter u32, pad[4],
//   data`; none needs interpreting here, and all round-trip.
//
//   request body:  0 port | 4 pad[4]                                        = 8
//   reply body:    0 port | 4 pad[4] | 8 ofp_packet_queue[]
//   ofp_packet_queue: 0 queue_id | 4 port | 8 len | 10 pad[6] | 16 properties[]   (len = all)
//   property:         0 property | 2 len | 4 pad[4] | 8 body                      (len = all)
//
// Invariants: lengths that do not frame are BAD_REQUEST/BAD_LEN; a queue length below 16 or a
//   property length below 8 is a length lie.

import { expectEnd } from "../codec/fixed-string.ts";
import type { WireReader } from "../codec/wire-reader.ts";
import type { WireWriter } from "../codec/wire-writer.ts";
import { OFPT } from "../constants.ts";
import { BAD_REQUEST, OFPET, OfpError } from "../errors.ts";
import type { MessageCodec, OfpHeader } from "../message.ts";

export const OFPQT = { MIN_RATE: 1, MAX_RATE: 2, EXPERIMENTER: 0xffff } as const;

export interface QueueProperty {
  property: number;
  body: Uint8Array;
}
export interface PacketQueue {
  queueId: number;
  port: number;
  properties: QueueProperty[];
}
export interface QueueGetConfigRequestMessage {
  kind: "queue-get-config-request";
  xid: number;
  port: number;
}
export interface QueueGetConfigReplyMessage {
  kind: "queue-get-config-reply";
  xid: number;
  port: number;
  queues: PacketQueue[];
}

function badLen(detail: string): OfpError {
  return new OfpError(OFPET.BAD_REQUEST, BAD_REQUEST.BAD_LEN, detail);
}

export function decodeQueueGetConfigRequest(r: WireReader, h: OfpHeader): QueueGetConfigRequestMessage {
  const port = r.u32("port");
  r.skip(4);
  expectEnd(r, "queue get config request");
  return { kind: "queue-get-config-request", xid: h.xid, port };
}

export function encodeQueueGetConfigRequest(m: QueueGetConfigRequestMessage, w: WireWriter): void {
  w.u32(m.port).zeros(4);
}

function decodeQueue(r: WireReader): PacketQueue {
  const queueId = r.u32("queue_id");
  const port = r.u32("queue port");
  const len = r.u16("queue len");
  r.skip(6);
  if (len < 16) throw badLen(`queue length ${len} < 16`);
  const props = r.sub(len - 16, "queue properties");
  const properties: QueueProperty[] = [];
  while (!props.atEnd) {
    const property = props.u16("property");
    const plen = props.u16("property len");
    props.skip(4);
    if (plen < 8) throw badLen(`queue property length ${plen} < 8`);
    properties.push({ property, body: props.bytesOf(plen - 8, "property body") });
  }
  return { queueId, port, properties };
}

export function decodeQueueGetConfigReply(r: WireReader, h: OfpHeader): QueueGetConfigReplyMessage {
  const port = r.u32("port");
  r.skip(4);
  const queues: PacketQueue[] = [];
  while (!r.atEnd) queues.push(decodeQueue(r));
  return { kind: "queue-get-config-reply", xid: h.xid, port, queues };
}

export function encodeQueueGetConfigReply(m: QueueGetConfigReplyMessage, w: WireWriter): void {
  w.u32(m.port).zeros(4);
  for (const q of m.queues) {
    const start = w.length;
    w.u32(q.queueId).u32(q.port).u16(0).zeros(6);
    for (const p of q.properties)
      w.u16(p.property)
        .u16(8 + p.body.length)
        .zeros(4)
        .bytes(p.body);
    w.u16At(start + 8, w.length - start);
  }
}

export const QUEUE_GET_CONFIG_REQUEST_CODEC: MessageCodec<QueueGetConfigRequestMessage> = {
  type: OFPT.QUEUE_GET_CONFIG_REQUEST,
  kind: "queue-get-config-request",
  decode: decodeQueueGetConfigRequest,
  encode: encodeQueueGetConfigRequest,
};

export const QUEUE_GET_CONFIG_REPLY_CODEC: MessageCodec<QueueGetConfigReplyMessage> = {
  type: OFPT.QUEUE_GET_CONFIG_REPLY,
  kind: "queue-get-config-reply",
  decode: decodeQueueGetConfigReply,
  encode: encodeQueueGetConfigReply,
};
