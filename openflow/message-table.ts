// The table of message families: OFPT number → codec, and the union of every message type.
// Each family file under openflow/messages/ exports its codecs and its message types; add a
// family by importing it here, adding its codecs to FAMILIES and its types to OfpMessage.

import type { MessageCodec } from "./message.ts";

// Families register below (import their codecs and message types).

export type OfpMessage = { kind: "placeholder-never"; xid: number };

const FAMILIES: Array<MessageCodec<OfpMessage>> = [];

export const MESSAGE_TABLE: ReadonlyMap<number, MessageCodec<OfpMessage>> = new Map(FAMILIES.map((c) => [c.type, c]));
