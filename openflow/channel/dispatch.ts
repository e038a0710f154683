// The one dispatch table: message kind → handler, for every message a channel receives after
// the HELLO exchange.
//
// What: the handler and reply types the switch side (src/ofproto) implements, the channel's own
//   handlers (HELLO, ECHO, ERROR) and the default for kinds nobody handles.
// Design: one Map, built once per channel: the switch's handlers first, then the channel's own
//   on top (echo and negotiation are the channel's job and cannot be overridden). A kind not in
//   the map goes to the default handler: BAD_REQUEST/BAD_TYPE (BAD_EXPERIMENTER for an
//   experimenter message), as OpenFlow 1.3.5 §7.4.4 prescribes for an unsupported request.
// Invariants: a handler answers through `reply` (xid of the request by default) or by throwing
//   / rejecting with an OfpError, which the channel turns into an OFPT_ERROR with the request's
//   first 64 bytes; any other exception is a bug and closes the connection (logged).
// Threading: handlers run on the event loop, one message at a time per channel; a handler that
//   returns a promise holds back the next message of its channel until it settles.

import { BAD_REQUEST, OFPET } from "../errors.ts";
import type { OfpMessage } from "../message.ts";
import type { OfChannel } from "./channel.ts";

export type MessageKind = OfpMessage["kind"];
export type MessageOf<K extends MessageKind> = Extract<OfpMessage, { kind: K }>;
/** A message to send: like OfpMessage, with xid optional (allocated when absent). */
export type Outgoing = OfpMessage extends infer M
  ? M extends { xid: number }
    ? Omit<M, "xid"> & { xid?: number }
    : never
  : never;

/** How a handler answers the request it was given. */
export interface Reply {
  /** Sends a message; its xid defaults to the request's. */
  (message: Outgoing): void;
  /** Answers with OFPT_ERROR type/code, xid and first 64 bytes of the request. */
  error(errType: number, errCode: number): void;
  readonly xid: number;
  /** The request as received (header included). */
  readonly raw: Uint8Array;
}

export type MessageHandler<K extends MessageKind = MessageKind> = (
  message: MessageOf<K>,
  reply: Reply,
  channel: OfChannel,
) => void | Promise<void>;

/** The switch side's half of the dispatch table; the channel's own kinds cannot be overridden. */
export type DispatchTable = { [K in MessageKind]?: MessageHandler<K> };

/** The channel's own kinds: part of the one dispatch table, ahead of the switch's handlers. */
const BUILTIN_HANDLERS: DispatchTable = {
  hello: () => {}, // a HELLO after negotiation is harmless: ignore it (OVS does)
  "echo-request": (m, reply) => reply({ kind: "echo-reply", data: m.data }),
  "echo-reply": () => {}, // any received byte already re-armed the probe
  error: (m, _reply, channel) => {
    channel.emit("peer-error", m);
  },
};

/** Unsupported requests: BAD_TYPE, or BAD_EXPERIMENTER for an experimenter we do not know. */
export function answerUnsupported(message: OfpMessage, reply: Reply): void {
  const code = message.kind === "experimenter" ? BAD_REQUEST.BAD_EXPERIMENTER : BAD_REQUEST.BAD_TYPE;
  reply.error(OFPET.BAD_REQUEST, code);
}

/** The table a channel dispatches through: the switch's handlers under the channel's own. */
export function buildDispatchTable(handlers: DispatchTable = {}): ReadonlyMap<string, MessageHandler> {
  return new Map(Object.entries({ ...handlers, ...BUILTIN_HANDLERS }) as [string, MessageHandler][]);
}
