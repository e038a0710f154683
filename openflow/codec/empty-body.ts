// The codec of a message that is only a header (FEATURES_REQUEST, GET_CONFIG_REQUEST,
// BARRIER_REQUEST/REPLY, GET_ASYNC_REQUEST).
//
// What: emptyBodyCodec(type, kind) builds the MessageCodec; any body byte is
//   BAD_REQUEST/BAD_LEN ("wrong request length for type"), so what decodes re-encodes exactly.

import type { MessageCodec } from "../message.ts";
import { expectEnd } from "./fixed-string.ts";

export function emptyBodyCodec<K extends string>(type: number, kind: K): MessageCodec<{ kind: K; xid: number }> {
  return {
    type,
    kind,
    decode(r, h) {
      expectEnd(r, kind);
      return { kind, xid: h.xid };
    },
    encode() {},
  };
}
