// OFPT_HELLO (OpenFlow 1.3.5 §7.5.1): the first message on a connection, with hello elements.
//
// What: decodeHello / encodeHello over the body; the header's version is kept in the message
//   (a peer may say hello with any version, and negotiation needs it).
// Design: the body is a list of TLV elements, each padded to 8 bytes (length excludes padding).
//   VERSIONBITMAP (type 1) is decoded into its 32-bit bitmap words; every other element type is
//   kept as opaque bytes, so an unknown element is skipped by readers (as the spec requires)
//   yet survives a re-encode.
//
//   element:  0      2      4 ........ length  ..pad to 8..
//             | type | len  |  body         |  0 0 0 |
//   bitmap body: u32 bitmaps[(len-4)/4]; bit v of word w set = version 32*w + v supported
//
// Invariants: a hello whose elements do not frame (length < 4, past the end, bitmap not a whole
//   number of words) is HELLO_FAILED/INCOMPATIBLE: the peer's versions cannot be read, so no
//   common version can be established. Padding bytes are read as zero-normalized.

import type { WireReader } from "../codec/wire-reader.ts";
import type { WireWriter } from "../codec/wire-writer.ts";
import { OFPT } from "../constants.ts";
import { HELLO_FAILED, OFPET, OfpError } from "../errors.ts";
import type { MessageCodec, OfpHeader } from "../message.ts";

export const OFPHET_VERSIONBITMAP = 1;

export type HelloElement =
  | { elem: "version-bitmap"; bitmaps: number[] }
  | { elem: "unknown"; type: number; data: Uint8Array };

export interface HelloMessage {
  kind: "hello";
  xid: number;
  version: number;
  elements: HelloElement[];
}

function helloFailed(detail: string): OfpError {
  return new OfpError(OFPET.HELLO_FAILED, HELLO_FAILED.INCOMPATIBLE, `hello: ${detail}`);
}

export function decodeHello(r: WireReader, h: OfpHeader): HelloMessage {
  const elements: HelloElement[] = [];
  while (!r.atEnd) {
    if (r.remaining < 4) throw helloFailed(`${r.remaining} stray bytes after the elements`);
    const type = r.u16();
    const len = r.u16();
    const padded = (len + 7) & ~7;
    if (len < 4 || padded - 4 > r.remaining) throw helloFailed(`element length ${len} does not fit`);
    const body = r.sub(len - 4, "hello element");
    r.skip(padded - len);
    if (type === OFPHET_VERSIONBITMAP) {
      if ((len - 4) % 4 !== 0) throw helloFailed(`version bitmap of ${len - 4} bytes is not whole words`);
      const bitmaps: number[] = [];
      while (!body.atEnd) bitmaps.push(body.u32());
      elements.push({ elem: "version-bitmap", bitmaps });
    } else {
      elements.push({ elem: "unknown", type, data: body.bytesOf(len - 4) });
    }
  }
  return { kind: "hello", xid: h.xid, version: h.version, elements };
}

export function encodeHello(m: HelloMessage, w: WireWriter): void {
  for (const e of m.elements) {
    const start = w.length;
    if (e.elem === "version-bitmap") {
      w.u16(OFPHET_VERSIONBITMAP).u16(4 + 4 * e.bitmaps.length);
      for (const b of e.bitmaps) w.u32(b);
    } else {
      w.u16(e.type)
        .u16(4 + e.data.length)
        .bytes(e.data);
    }
    w.padTo(8, start);
  }
}

export const HELLO_CODEC: MessageCodec<HelloMessage> = {
  type: OFPT.HELLO,
  kind: "hello",
  decode: decodeHello,
  encode: encodeHello,
};
