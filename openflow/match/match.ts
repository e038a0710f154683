// ofp_match (OFPMT_OXM) and OXM TLVs: decode, encode, validate (OpenFlow 1.3.5 §7.2.3).
//
// What: decodeMatch(r) / encodeMatch(match, w) for the padded ofp_match structure; decodeOxm /
//   encodeOxm for one TLV (also used inside OFPAT_SET_FIELD); validateMatch(match) for the
//   rules a switch enforces on a match it is asked to install (errors in OFPET_BAD_MATCH).
// Design: a Match is an array of OXMs in wire order. A basic-class OXM the table knows becomes
//   `{ name, value, mask? }` with a typed value (see oxm-fields.ts); anything else (another
//   class, an experimenter OXM, a basic field number the table lacks) is kept opaque —
//   `{ name: "opaque", oxmClass, field, hasMask, payload }` — so it round-trips and
//   validateMatch can answer BAD_FIELD. The decoder rejects only malformed bytes (BAD_LEN,
//   BAD_TYPE); duplicate fields, bad values, masks and prerequisites are validateMatch's job.
//   Prerequisite *order* (§7.2.3.6 "must appear after") is not enforced, as Open vSwitch does
//   not: controllers that emit fields in another order keep working.
// Invariants: encodeMatch(decodeMatch(b)) = b (padding written as zeros); a decoded OXM of a
//   known field always has a value of the field's wire size.
//
// ofp_match:
//  0      2        4                          4+len-4 ... padded to a multiple of 8
//  +------+--------+-----------------------------+---------+
//  | type | length |  OXM TLVs (length-4 bytes)  |  zeros  |   type = OFPMT_OXM (1)
//  +------+--------+-----------------------------+---------+   length excludes the padding

import type { WireReader } from "../codec/wire-reader.ts";
import type { WireWriter } from "../codec/wire-writer.ts";
import { BAD_MATCH, OFPET, OfpError } from "../errors.ts";
import {
  OFPVID_PRESENT,
  OFPXMC_EXPERIMENTER,
  OFPXMC_OPENFLOW_BASIC,
  type OxmFieldInfo,
  type OxmName,
  type OxmValue,
  oxmFieldByName,
  oxmFieldByNumber,
  oxmValueKind,
} from "./oxm-fields.ts";

export const OFPMT_STANDARD = 0;
export const OFPMT_OXM = 1;

export interface OxmBasic {
  name: OxmName;
  value: OxmValue;
  mask?: OxmValue;
}

/** An OXM this codec does not interpret: kept as bytes (payload = everything after the header). */
export interface OxmOpaque {
  name: "opaque";
  oxmClass: number;
  field: number;
  hasMask: boolean;
  payload: Uint8Array;
}

export type Oxm = OxmBasic | OxmOpaque;
export type Match = Oxm[];

/** Where a malformed OXM is reported: BAD_MATCH/BAD_LEN in a match, BAD_ACTION/BAD_SET_LEN in set-field. */
export interface OxmLenError {
  type: number;
  code: number;
}
const MATCH_LEN_ERROR: OxmLenError = { type: OFPET.BAD_MATCH, code: BAD_MATCH.BAD_LEN };

function matchError(code: number, detail: string): OfpError {
  return new OfpError(OFPET.BAD_MATCH, code, detail);
}

function readValue(r: WireReader, info: OxmFieldInfo): OxmValue {
  switch (info.bytes) {
    case 1:
      return r.u8();
    case 2:
      return r.u16();
    case 3:
      return (r.u8() << 16) | r.u16();
    case 4:
      return r.u32();
    case 8:
      return r.u64();
    default:
      return r.bytesOf(info.bytes);
  }
}

function writeValue(w: WireWriter, info: OxmFieldInfo, v: OxmValue): void {
  const kind = oxmValueKind(info);
  if (kind === "bytes") {
    if (!(v instanceof Uint8Array) || v.length !== info.bytes)
      throw new Error(`${info.name}: needs ${info.bytes} bytes`);
    w.bytes(v);
  } else if (kind === "bigint") {
    if (typeof v !== "bigint") throw new Error(`${info.name}: needs a bigint`);
    w.u64(v);
  } else {
    if (typeof v !== "number") throw new Error(`${info.name}: needs a number`);
    if (info.bytes === 1) w.u8(v & 0xff);
    else if (info.bytes === 2) w.u16(v & 0xffff);
    else if (info.bytes === 3) w.u8((v >>> 16) & 0xff).u16(v & 0xffff);
    else w.u32(v);
  }
}

/** Decodes one OXM TLV; a TLV that overruns `r` or has the wrong size for its field is `lenErr`. */
export function decodeOxm(r: WireReader, lenErr: OxmLenError = MATCH_LEN_ERROR): Oxm {
  if (r.remaining < 4) throw new OfpError(lenErr.type, lenErr.code, `OXM header needs 4 bytes, ${r.remaining} left`);
  const header = r.u32();
  const oxmClass = header >>> 16;
  const field = (header >>> 9) & 0x7f;
  const hasMask = (header & 0x100) !== 0;
  const len = header & 0xff;
  if (len > r.remaining)
    throw new OfpError(lenErr.type, lenErr.code, `OXM length ${len} overruns ${r.remaining} bytes`);
  const body = r.sub(len, "OXM"); // in bounds: checked above
  const info = oxmClass === OFPXMC_OPENFLOW_BASIC ? oxmFieldByNumber(field) : undefined;
  if (!info) {
    if (oxmClass === OFPXMC_EXPERIMENTER && len < 4) {
      throw new OfpError(lenErr.type, lenErr.code, `experimenter OXM of ${len} bytes has no experimenter id`);
    }
    return { name: "opaque", oxmClass, field, hasMask, payload: body.bytesOf(len) };
  }
  if (len !== info.bytes * (hasMask ? 2 : 1)) {
    throw new OfpError(
      lenErr.type,
      lenErr.code,
      `${info.name}: oxm_length ${len}, expected ${info.bytes * (hasMask ? 2 : 1)}`,
    );
  }
  const value = readValue(body, info);
  return hasMask ? { name: info.name, value, mask: readValue(body, info) } : { name: info.name, value };
}

export function encodeOxm(oxm: Oxm, w: WireWriter): void {
  if (oxm.name === "opaque") {
    const hdr = (oxm.oxmClass << 16) | (oxm.field << 9) | (oxm.hasMask ? 0x100 : 0) | oxm.payload.length;
    w.u32(hdr >>> 0).bytes(oxm.payload);
    return;
  }
  const info = oxmFieldByName(oxm.name);
  const hasMask = oxm.mask !== undefined;
  const len = info.bytes * (hasMask ? 2 : 1);
  w.u32(((OFPXMC_OPENFLOW_BASIC << 16) | (info.field << 9) | (hasMask ? 0x100 : 0) | len) >>> 0);
  writeValue(w, info, oxm.value);
  if (oxm.mask !== undefined) writeValue(w, info, oxm.mask);
}

/** Wire size of one OXM TLV, header included. */
export function oxmWireLength(oxm: Oxm): number {
  if (oxm.name === "opaque") return 4 + oxm.payload.length;
  return 4 + oxmFieldByName(oxm.name).bytes * (oxm.mask === undefined ? 1 : 2);
}

/** The experimenter id of an experimenter-class OXM (first 4 payload bytes). */
export function oxmExperimenterId(oxm: OxmOpaque): number | undefined {
  if (oxm.oxmClass !== OFPXMC_EXPERIMENTER || oxm.payload.length < 4) return undefined;
  return new DataView(oxm.payload.buffer, oxm.payload.byteOffset, 4).getUint32(0);
}

/** Decodes an ofp_match and its padding. */
export function decodeMatch(r: WireReader): Match {
  if (r.remaining < 4) throw matchError(BAD_MATCH.BAD_LEN, `ofp_match needs 4 bytes, ${r.remaining} left`);
  const type = r.u16();
  const length = r.u16();
  if (type !== OFPMT_OXM) throw matchError(BAD_MATCH.BAD_TYPE, `match type ${type} is not OFPMT_OXM`);
  const padded = (length + 7) & ~7;
  if (length < 4 || padded - 4 > r.remaining) {
    throw matchError(BAD_MATCH.BAD_LEN, `match length ${length} (padded ${padded}) with ${r.remaining + 4} bytes left`);
  }
  const body = r.sub(length - 4, "match"); // in bounds: checked above
  r.skip(padded - length);
  const match: Match = [];
  while (!body.atEnd) match.push(decodeOxm(body));
  return match;
}

export function encodeMatch(match: Match, w: WireWriter): void {
  const start = w.length;
  w.u16(OFPMT_OXM).u16(0);
  for (const oxm of match) encodeOxm(oxm, w);
  w.u16At(start + 2, w.length - start);
  w.padTo(8, start);
}

/** Wire size of an ofp_match with its padding. */
export function matchWireLength(match: Match): number {
  const len = 4 + match.reduce((n, o) => n + oxmWireLength(o), 0);
  return (len + 7) & ~7;
}

// --- validation (the switch's checks before installing a match) -------------------------------

function bitsOf(v: OxmValue): bigint {
  if (typeof v === "number") return BigInt(v >>> 0);
  if (typeof v === "bigint") return v;
  let n = 0n;
  for (const b of v) n = (n << 8n) | BigInt(b);
  return n;
}

function fitsBits(v: OxmValue, bits: number): boolean {
  return bitsOf(v) >> BigInt(bits) === 0n;
}

/** The value of `name` in `match` (first occurrence), or undefined. */
export function matchGet(match: Match, name: OxmName): OxmBasic | undefined {
  for (const o of match) if (o.name === name) return o as OxmBasic;
  return undefined;
}

/** Checks one OXM on its own: value in range, mask allowed and consistent (BAD_MATCH codes). */
export function validateOxmValue(oxm: OxmBasic): void {
  const info = oxmFieldByName(oxm.name);
  const kind = oxmValueKind(info);
  const typeOk = (v: OxmValue) =>
    kind === "bytes" ? v instanceof Uint8Array && v.length === info.bytes : typeof v === kind;
  if (!typeOk(oxm.value)) throw matchError(BAD_MATCH.BAD_VALUE, `${oxm.name}: value is not a ${kind}`);
  if (!fitsBits(oxm.value, info.bits)) {
    throw matchError(BAD_MATCH.BAD_VALUE, `${oxm.name}: value has bits beyond its ${info.bits}-bit range`);
  }
  if (oxm.mask !== undefined) {
    if (!info.maskable) throw matchError(BAD_MATCH.BAD_MASK, `${oxm.name} cannot be masked`);
    if (!typeOk(oxm.mask) || !fitsBits(oxm.mask, info.bits)) {
      throw matchError(BAD_MATCH.BAD_MASK, `${oxm.name}: mask has bits beyond the ${info.bits}-bit field`);
    }
    // §7.2.3.5: "it is an error for a 0-bit in oxm_mask to have a corresponding 1-bit in oxm_value".
    if ((bitsOf(oxm.value) & ~bitsOf(oxm.mask)) !== 0n) {
      throw matchError(BAD_MATCH.BAD_WILDCARDS, `${oxm.name}: value has 1-bits where the mask has 0-bits`);
    }
  } else if (oxm.name === "vlan_vid" && oxm.value !== 0 && ((oxm.value as number) & OFPVID_PRESENT) === 0) {
    // Table 13: without a mask, a value lacking OFPVID_PRESENT can only be OFPVID_NONE (0).
    throw matchError(BAD_MATCH.BAD_VALUE, `vlan_vid 0x${(oxm.value as number).toString(16)} lacks OFPVID_PRESENT`);
  }
}

function prereqMet(match: Match, info: OxmFieldInfo): boolean {
  const p = info.prereq;
  if (!p) return true;
  const dep = matchGet(match, p.field);
  if (!dep) return false;
  if (p.vidPresent) {
    const v = dep.value as number;
    return (v & OFPVID_PRESENT) !== 0 && (dep.mask === undefined || ((dep.mask as number) & OFPVID_PRESENT) !== 0);
  }
  if (!p.anyOf) return true;
  return dep.mask === undefined && p.anyOf.includes(dep.value as number);
}

/**
 * Throws the OFPET_BAD_MATCH error the spec prescribes for the first problem found:
 * BAD_FIELD (unknown or non-basic OXM), DUP_FIELD, BAD_VALUE, BAD_MASK, BAD_WILDCARDS (value
 * 1-bits under mask 0-bits), BAD_PREREQ. (BAD_TYPE and BAD_LEN are raised by decodeMatch.)
 */
export function validateMatch(match: Match): void {
  const seen = new Set<string>();
  for (const oxm of match) {
    if (oxm.name === "opaque") {
      throw matchError(BAD_MATCH.BAD_FIELD, `OXM class 0x${oxm.oxmClass.toString(16)} field ${oxm.field} unsupported`);
    }
    if (seen.has(oxm.name)) throw matchError(BAD_MATCH.DUP_FIELD, `${oxm.name} appears twice`);
    seen.add(oxm.name);
    validateOxmValue(oxm);
  }
  for (const oxm of match) {
    const info = oxmFieldByName((oxm as OxmBasic).name);
    if (!prereqMet(match, info)) {
      const p = info.prereq;
      const want = p?.vidPresent ? "vlan_vid with OFPVID_PRESENT" : `${p?.field}${p?.anyOf ? ` in [${p.anyOf}]` : ""}`;
      throw matchError(BAD_MATCH.BAD_PREREQ, `${info.name} requires ${want}`);
    }
  }
}
