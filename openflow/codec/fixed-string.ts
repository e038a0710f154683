// Fixed-width, NUL-padded ASCII strings (port names, table names, DESC strings) and the
// "body must end here" check that fixed-size message bodies share.
//
// What: decodeFixedString reads an n-byte field and returns the text up to the first NUL;
//   encodeFixedString writes the text and pads it with NULs to n bytes.
// Design: the spec says these fields are NUL-terminated ("null-terminated string"); bytes after
//   the first NUL carry no meaning. They are normalized to zero on re-encode: every peer we
//   have seen (os-ken, OVS) writes zeros there, so fixtures round-trip byte for byte, and a
//   message with garbage after the NUL re-encodes to its canonical form.
// Invariants: encode writes exactly n bytes; a text of exactly n characters fills the field
//   without a NUL (decode accepts that too, so such a field round-trips); longer texts are cut.
//   Characters are Latin-1 (one byte each).

import { BAD_REQUEST, OFPET, OfpError } from "../errors.ts";
import type { WireReader } from "./wire-reader.ts";
import type { WireWriter } from "./wire-writer.ts";

const latin1 = new TextDecoder("latin1");

export function decodeFixedString(r: WireReader, n: number, what: string): string {
  const b = r.bytesOf(n, what);
  const nul = b.indexOf(0);
  return latin1.decode(nul < 0 ? b : b.subarray(0, nul));
}

export function encodeFixedString(w: WireWriter, text: string, n: number): void {
  const out = new Uint8Array(n);
  const len = Math.min(text.length, n);
  for (let i = 0; i < len; i++) out[i] = text.charCodeAt(i) & 0xff;
  w.bytes(out);
}

/** Throws BAD_REQUEST/BAD_LEN unless the reader is exactly at its end (fixed-size bodies). */
export function expectEnd(r: WireReader, what: string): void {
  if (!r.atEnd) {
    throw new OfpError(OFPET.BAD_REQUEST, BAD_REQUEST.BAD_LEN, `${what}: ${r.remaining} unexpected trailing bytes`);
  }
}
