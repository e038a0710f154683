// OpenFlow version negotiation: the two messages exchanged before a version is agreed.
//
// What: our HELLO (version 0x04 with a version-bitmap element offering only 1.3), the peer's
//   offered versions read from its HELLO, the negotiation rule, and the HELLO_FAILED error sent
//   when there is no common version (OpenFlow 1.3.5 §6.3.1, §7.5.1).
//
// Design: the peer's HELLO is decoded by the hello family (openflow/messages/hello.ts, called
//   directly: before negotiation the peer may speak any version, and decodeMessage's 1.3 table is
//   not the right gate); what its elements MEAN for negotiation is decided here. The refusal is
//   encoded on raw bytes in the PEER's highest version so it can read it — as OVS's vconn does;
//   the ERROR layout (header, u16 type, u16 code, data) is the same in every OpenFlow version.
//
//   element VERSIONBITMAP: | type=1 (u16) | length=4+4n (u16) | bitmap u32 × n | pad to 8 |
//   bit v of word w set ⇔ wire version 32w+v supported.
//
// Invariants: with a bitmap, the peer supports exactly its bits; without one, every version from
//   0x01 to its header's version (the spec's "smaller of the two versions" rule written as a
//   bitmap, and OVS's version_bitmap_from_version) — so a bitmap-less 1.4 HELLO still agrees on
//   1.3. A HELLO whose elements do not parse is refused as INCOMPATIBLE (hello.ts's rule).
// Threading: pure functions.

import { WireWriter } from "../codec/wire-writer.ts";
import { OFP_HEADER_LEN, OFP_VERSION, OFPT } from "../constants.ts";
import { HELLO_FAILED, OFPET } from "../errors.ts";
import { encodeHello, type HelloMessage } from "../messages/hello.ts";

/** Versions this switch speaks: only 1.3. */
export const OUR_VERSION_BITMAP = 1n << BigInt(OFP_VERSION);

/** Our HELLO: version 1.3 with a version bitmap element {1.3}. */
export function encodeOurHello(xid: number): Uint8Array {
  const hello: HelloMessage = {
    kind: "hello",
    xid,
    version: OFP_VERSION,
    elements: [{ elem: "version-bitmap", bitmaps: [Number(OUR_VERSION_BITMAP)] }],
  };
  const w = new WireWriter(16);
  w.u8(OFP_VERSION).u8(OFPT.HELLO).u16(0).u32(xid);
  encodeHello(hello, w);
  w.u16At(2, w.length);
  return w.bytesOut();
}

/** The versions a peer's HELLO offers, as a bitmap over wire versions (bit v = version v). */
export function peerVersionBitmap(hello: Pick<HelloMessage, "version" | "elements">): bigint {
  const bitmap = hello.elements.find((e) => e.elem === "version-bitmap");
  if (bitmap && bitmap.elem === "version-bitmap") {
    let out = 0n;
    bitmap.bitmaps.forEach((word, i) => {
      out |= BigInt(word >>> 0) << BigInt(32 * i);
    });
    return out;
  }
  return hello.version === 0 ? 0n : ((1n << BigInt(hello.version + 1)) - 1n) & ~1n;
}

/** The version to speak with this peer, or null if there is none in common. */
export function negotiateVersion(peerVersions: bigint): number | null {
  return (peerVersions & OUR_VERSION_BITMAP) !== 0n ? OFP_VERSION : null;
}

/** Highest version set in a bitmap (the version the peer reads best), or null when empty. */
export function highestVersion(bitmap: bigint): number | null {
  if (bitmap === 0n) return null;
  return bitmap.toString(2).length - 1;
}

function versionList(bitmap: bigint): string {
  const vs: string[] = [];
  for (let i = 0; i < 64; i++) if ((bitmap >> BigInt(i)) & 1n) vs.push(`0x${i.toString(16).padStart(2, "0")}`);
  if (vs.length === 0) return "no versions";
  return vs.length === 1 ? `version ${vs[0]}` : `versions ${vs.join(", ")}`;
}

/** The ASCII text OVS puts in a HELLO_FAILED error. */
export function incompatibleText(peerVersions: bigint): string {
  return `We support ${versionList(OUR_VERSION_BITMAP)}, you support ${versionList(peerVersions)}, no common versions.`;
}

/**
 * OFPT_ERROR HELLO_FAILED/INCOMPATIBLE in the peer's own (highest) version, with the xid of its
 * HELLO and `text` in data (OVS sends "We support …, you support …, no common versions.").
 */
export function encodeHelloFailed(peerVersion: number, xid: number, text: string): Uint8Array {
  const data = new TextEncoder().encode(text);
  const b = new Uint8Array(OFP_HEADER_LEN + 4 + data.length);
  const v = new DataView(b.buffer);
  v.setUint8(0, peerVersion & 0xff);
  v.setUint8(1, OFPT.ERROR);
  v.setUint16(2, b.length);
  v.setUint32(4, xid >>> 0);
  v.setUint16(8, OFPET.HELLO_FAILED);
  v.setUint16(10, HELLO_FAILED.INCOMPATIBLE);
  b.set(data, 12);
  return b;
}
