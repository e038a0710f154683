// The TABLE_FEATURES multipart body (OpenFlow 1.3.5 §7.3.5.5): the same list of ofp_table_features
// in the request (empty = query, non-empty = set) and in the reply.
//
// What: decodeTableFeaturesList / encodeTableFeaturesList; properties are TLVs kept generically
//   with typed arrays, so every property — known, experimenter or unknown — round-trips.
// Design:
//   ofp_table_features (64 + properties):
//   0 length | 2 table_id | 3 pad[5] | 8 name[32] | 40 metadata_match u64 | 48 metadata_write u64
//   | 56 config | 60 max_entries | 64 properties ...                       length = all
//   property: 0 type | 2 length (excludes padding) | 4 body | pad to 8
//     INSTRUCTIONS(_MISS) 0/1, WRITE/APPLY_ACTIONS(_MISS) 4–7: ids, each `type u16 | len u16 |
//       len-4 more bytes` (the experimenter id for experimenter instructions/actions)
//     NEXT_TABLES(_MISS) 2/3: u8 table ids
//     MATCH 8, WILDCARDS 10, WRITE/APPLY_SETFIELD(_MISS) 12–15: OXM headers u32, an experimenter
//       OXM (class 0xffff) followed by its u32 experimenter id
//     EXPERIMENTER(_MISS) 0xfffe/0xffff: experimenter u32 | exp_type u32 | data
//     anything else: kept as opaque bytes (the switch answers TABLE_FEATURES_FAILED/BAD_TYPE)
// Invariants: a property or id that does not frame is TABLE_FEATURES_FAILED/BAD_LEN; an entry
//   shorter than 64 bytes is BAD_REQUEST/BAD_LEN. Pads re-encode as zeros.

import { decodeFixedString, encodeFixedString } from "../codec/fixed-string.ts";
import type { WireReader } from "../codec/wire-reader.ts";
import type { WireWriter } from "../codec/wire-writer.ts";
import { BAD_REQUEST, OFPET, OfpError, TABLE_FEATURES_FAILED } from "../errors.ts";

export const OFP_MAX_TABLE_NAME_LEN = 32;
export const OFP_TABLE_FEATURES_LEN = 64;

export const OFPTFPT = {
  INSTRUCTIONS: 0,
  INSTRUCTIONS_MISS: 1,
  NEXT_TABLES: 2,
  NEXT_TABLES_MISS: 3,
  WRITE_ACTIONS: 4,
  WRITE_ACTIONS_MISS: 5,
  APPLY_ACTIONS: 6,
  APPLY_ACTIONS_MISS: 7,
  MATCH: 8,
  WILDCARDS: 10,
  WRITE_SETFIELD: 12,
  WRITE_SETFIELD_MISS: 13,
  APPLY_SETFIELD: 14,
  APPLY_SETFIELD_MISS: 15,
  EXPERIMENTER: 0xfffe,
  EXPERIMENTER_MISS: 0xffff,
} as const;

/** An instruction or action id: its type and whatever follows its 4-byte header. */
export interface FeatureId {
  type: number;
  data: Uint8Array;
}
export interface OxmId {
  header: number;
  experimenter?: number;
}

export type TableFeatureProp =
  | { prop: "instructions"; type: number; ids: FeatureId[] }
  | { prop: "actions"; type: number; ids: FeatureId[] }
  | { prop: "next-tables"; type: number; tableIds: number[] }
  | { prop: "oxm"; type: number; oxmIds: OxmId[] }
  | { prop: "experimenter"; type: number; experimenter: number; expType: number; data: Uint8Array }
  | { prop: "unknown"; type: number; data: Uint8Array };

export interface TableFeatures {
  tableId: number;
  name: string;
  metadataMatch: bigint;
  metadataWrite: bigint;
  config: number;
  maxEntries: number;
  properties: TableFeatureProp[];
}

const OXM_CLASS_EXPERIMENTER = 0xffff;

/** Which generic shape a property type has. */
export function tableFeaturePropKind(type: number): TableFeatureProp["prop"] {
  if (type === 0 || type === 1) return "instructions";
  if (type === 2 || type === 3) return "next-tables";
  if (type >= 4 && type <= 7) return "actions";
  if (type === 8 || type === 10 || (type >= 12 && type <= 15)) return "oxm";
  if (type === OFPTFPT.EXPERIMENTER || type === OFPTFPT.EXPERIMENTER_MISS) return "experimenter";
  return "unknown";
}

function propBadLen(detail: string): OfpError {
  return new OfpError(OFPET.TABLE_FEATURES_FAILED, TABLE_FEATURES_FAILED.BAD_LEN, `table features: ${detail}`);
}

function decodeIds(b: WireReader): FeatureId[] {
  const ids: FeatureId[] = [];
  while (!b.atEnd) {
    const type = b.u16("id type");
    const len = b.u16("id len");
    if (len < 4) throw propBadLen(`id length ${len}`);
    ids.push({ type, data: b.bytesOf(len - 4, "id body") });
  }
  return ids;
}

function decodeProp(type: number, b: WireReader): TableFeatureProp {
  const prop = tableFeaturePropKind(type);
  switch (prop) {
    case "instructions":
    case "actions":
      return { prop, type, ids: decodeIds(b) };
    case "next-tables":
      return { prop, type, tableIds: [...b.bytesOf(b.remaining)] };
    case "oxm": {
      const oxmIds: OxmId[] = [];
      while (!b.atEnd) {
        const header = b.u32("oxm id");
        oxmIds.push(header >>> 16 === OXM_CLASS_EXPERIMENTER ? { header, experimenter: b.u32("oxm exp") } : { header });
      }
      return { prop, type, oxmIds };
    }
    case "experimenter":
      return {
        prop,
        type,
        experimenter: b.u32("experimenter"),
        expType: b.u32("exp_type"),
        data: b.bytesOf(b.remaining),
      };
    default:
      return { prop: "unknown", type, data: b.bytesOf(b.remaining) };
  }
}

function decodeProps(r: WireReader): TableFeatureProp[] {
  const out: TableFeatureProp[] = [];
  while (!r.atEnd) {
    if (r.remaining < 4) throw propBadLen(`${r.remaining} stray bytes`);
    const type = r.u16();
    const len = r.u16();
    const padded = (len + 7) & ~7;
    if (len < 4 || padded - 4 > r.remaining) throw propBadLen(`property length ${len}`);
    const b = r.sub(len - 4, "property", OFPET.TABLE_FEATURES_FAILED, TABLE_FEATURES_FAILED.BAD_LEN);
    r.skip(padded - len);
    out.push(decodeProp(type, b));
  }
  return out;
}

function encodeProp(p: TableFeatureProp, w: WireWriter): void {
  const start = w.length;
  w.u16(p.type).u16(0);
  switch (p.prop) {
    case "instructions":
    case "actions":
      for (const id of p.ids)
        w.u16(id.type)
          .u16(4 + id.data.length)
          .bytes(id.data);
      break;
    case "next-tables":
      w.bytes(Uint8Array.from(p.tableIds));
      break;
    case "oxm":
      for (const id of p.oxmIds) {
        w.u32(id.header);
        if (id.experimenter !== undefined) w.u32(id.experimenter);
      }
      break;
    case "experimenter":
      w.u32(p.experimenter).u32(p.expType).bytes(p.data);
      break;
    case "unknown":
      w.bytes(p.data);
      break;
  }
  w.u16At(start + 2, w.length - start);
  w.padTo(8, start);
}

export function decodeTableFeaturesList(r: WireReader): TableFeatures[] {
  const out: TableFeatures[] = [];
  while (!r.atEnd) {
    const length = r.u16("table features length");
    if (length < OFP_TABLE_FEATURES_LEN) {
      throw new OfpError(OFPET.BAD_REQUEST, BAD_REQUEST.BAD_LEN, `table features length ${length} < 64`);
    }
    const e = r.sub(length - 2, "table features");
    const tableId = e.u8("table_id");
    e.skip(5);
    out.push({
      tableId,
      name: decodeFixedString(e, OFP_MAX_TABLE_NAME_LEN, "table name"),
      metadataMatch: e.u64("metadata_match"),
      metadataWrite: e.u64("metadata_write"),
      config: e.u32("config"),
      maxEntries: e.u32("max_entries"),
      properties: decodeProps(e),
    });
  }
  return out;
}

export function encodeTableFeaturesList(list: readonly TableFeatures[], w: WireWriter): void {
  for (const t of list) {
    const start = w.length;
    w.u16(0).u8(t.tableId).zeros(5);
    encodeFixedString(w, t.name, OFP_MAX_TABLE_NAME_LEN);
    w.u64(t.metadataMatch).u64(t.metadataWrite).u32(t.config).u32(t.maxEntries);
    for (const p of t.properties) encodeProp(p, w);
    w.u16At(start, w.length - start);
  }
}
