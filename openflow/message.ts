// OpenFlow 1.3 messages: the header, the message union, and decode/encode through one table.
//
// What: decodeMessage(bytes) → OfpMessage (or throws OfpError, which the channel answers with
//   an OFPT_ERROR), encodeMessage(message) → bytes.
// Design: each message family lives in openflow/messages/<family>.ts with a paired
//   `decode…(body, header)` / `encode…(message, writer)` over the BODY (the 8-byte header is
//   handled here), and registers them in MESSAGE_TABLE (openflow/message-table.ts) by OFPT
//   number. A message object is plain data: `{ kind, xid, ...fields }`, `kind` naming the
//   family member ("hello", "flow-mod", "multipart-request", ...). This module knows nothing of
//   switches: openflow/ is wire protocol only.
// Invariants: encodeMessage(decodeMessage(b)) reproduces b byte for byte for every message
//   whose padding is zero, as every peer sends it; non-zero pad bytes (and bytes after a
//   string's NUL) are accepted, as OVS accepts them, and re-encoded as zeros, so
//   decode(encode(decode(b))) = decode(b) always holds. Decoders never read outside the message.

import { WireReader } from "./codec/wire-reader.ts";
import { WireWriter } from "./codec/wire-writer.ts";
import { OFP_HEADER_LEN, OFP_MAX_MESSAGE, OFP_VERSION } from "./constants.ts";
import { BAD_REQUEST, OFPET, OfpError } from "./errors.ts";
import { MESSAGE_TABLE, type OfpMessage } from "./message-table.ts";

export type { OfpMessage } from "./message-table.ts";

export interface OfpHeader {
  version: number;
  type: number;
  length: number;
  xid: number;
}

/** One family member's codec, as registered in MESSAGE_TABLE. */
export interface MessageCodec<M extends { kind: string; xid: number }> {
  type: number;
  kind: M["kind"];
  decode(body: WireReader, header: OfpHeader): M;
  encode(message: M, w: WireWriter): void;
}

/** Reads the 8-byte header (no checks beyond its size). */
export function decodeHeader(bytes: Uint8Array, offset = 0): OfpHeader {
  if (bytes.length - offset < OFP_HEADER_LEN) {
    throw new OfpError(
      OFPET.BAD_REQUEST,
      BAD_REQUEST.BAD_LEN,
      `message shorter than the ${OFP_HEADER_LEN}-byte header`,
    );
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset + offset, OFP_HEADER_LEN);
  return { version: v.getUint8(0), type: v.getUint8(1), length: v.getUint16(2), xid: v.getUint32(4) };
}

/** Decodes one whole message (bytes.length must equal its length field). */
export function decodeMessage(bytes: Uint8Array): OfpMessage {
  const h = decodeHeader(bytes);
  if (h.length !== bytes.length || h.length < OFP_HEADER_LEN) {
    throw new OfpError(
      OFPET.BAD_REQUEST,
      BAD_REQUEST.BAD_LEN,
      `length field ${h.length}, message is ${bytes.length} bytes`,
    );
  }
  if (h.version !== OFP_VERSION && h.type !== 0) {
    throw new OfpError(OFPET.BAD_REQUEST, BAD_REQUEST.BAD_VERSION, `version 0x${h.version.toString(16)} is not 1.3`);
  }
  const codec = MESSAGE_TABLE.get(h.type);
  if (!codec) throw new OfpError(OFPET.BAD_REQUEST, BAD_REQUEST.BAD_TYPE, `message type ${h.type} is not supported`);
  const body = new WireReader(bytes, OFP_HEADER_LEN, bytes.length);
  return codec.decode(body, h) as OfpMessage;
}

const CODEC_BY_KIND = new Map<string, MessageCodec<OfpMessage>>();

function codecForKind(kind: string): MessageCodec<OfpMessage> | undefined {
  if (CODEC_BY_KIND.size === 0) for (const c of MESSAGE_TABLE.values()) CODEC_BY_KIND.set(c.kind, c);
  return CODEC_BY_KIND.get(kind);
}

/** Encodes a message with its header (version 1.3 unless the message says otherwise). */
export function encodeMessage(m: OfpMessage): Uint8Array {
  const codec = codecForKind(m.kind);
  if (!codec) throw new Error(`no encoder for message kind "${m.kind}"`);
  const w = new WireWriter();
  const version = "version" in m && typeof m.version === "number" ? m.version : OFP_VERSION;
  w.u8(version).u8(codec.type).u16(0).u32(m.xid);
  (codec.encode as (m: OfpMessage, w: WireWriter) => void)(m, w);
  if (w.length > OFP_MAX_MESSAGE) throw new Error(`${m.kind} message of ${w.length} bytes exceeds 65535`);
  w.u16At(2, w.length);
  return w.bytesOut();
}
