// The TABLE_FEATURES multipart reply: what each of our 254 flow tables can match, set and do.
//
// What: tableFeaturesReplies(maxEntries) → the reply bodies (each under 64 KB; all but the
//   last go out with OFPMPF_REPLY_MORE); TABLE_FEATURES_SETTABLE lists the set_field OXMs.
// Design: every table is the same — name "table N", metadata match/write all ones, config 0,
//   max_entries from the rule tables (0xffffffff when unbounded), and the properties:
//     INSTRUCTIONS   goto_table write_metadata write_actions apply_actions clear_actions meter
//     NEXT_TABLES    every greater table id (goto_table only goes forward)
//     WRITE/APPLY_ACTIONS  the actions FLOW_MOD accepts (action-checks.ts
//                    SUPPORTED_ACTION_TYPES: every OpenFlow 1.3 action but PBB and experimenter)
//     MATCH          the OXMs the flow key carries (action-checks.ts SUPPORTED_MATCH_FIELDS,
//                    derived from oxm-key-map.ts; FLOW_MOD refuses the others BAD_FIELD),
//                    has_mask set for the maskable ones
//     WILDCARDS      the same fields
//     WRITE/APPLY_SETFIELD  the fields set_field writes (action-checks.ts SUPPORTED_SET_FIELDS,
//                    the translator's own list)
//   So what TABLE_FEATURES lists and what FLOW_MOD accepts come from one place.
//   The _MISS properties are left out: by §7.3.5.5.2 they then equal the non-miss ones.
//   Setting features (a request with a body) is refused TABLE_FEATURES_FAILED/EPERM: our
//   tables are fixed.
// Invariants: every body encodes to at most 0xffff - 16 bytes.
// Threading: pure; main thread (the reply is built once and cached per max_entries).

import { ACTION_CODES, type ActionType } from "../../../openflow/actions/actions.ts";
import { INSTRUCTION_CODES } from "../../../openflow/instructions.ts";
import type { OxmName } from "../../../openflow/match/oxm-fields.ts";
import { OFPXMC_OPENFLOW_BASIC, oxmFieldByName } from "../../../openflow/match/oxm-fields.ts";
import {
  type FeatureId,
  OFPTFPT,
  type OxmId,
  type TableFeatures,
} from "../../../openflow/messages/multipart-table-features.ts";
import { SUPPORTED_ACTION_TYPES, SUPPORTED_MATCH_FIELDS, SUPPORTED_SET_FIELDS } from "../action-checks.ts";
import { N_TABLES } from "../rule-table.ts";

const INSTRUCTIONS = [
  "goto_table",
  "write_metadata",
  "write_actions",
  "apply_actions",
  "clear_actions",
  "meter",
] as const;

const ACTIONS: readonly ActionType[] = SUPPORTED_ACTION_TYPES;

/** The actions FLOW_MOD accepts (GROUP_FEATURES reports the same set per group type). */
export const TABLE_FEATURES_ACTIONS: readonly ActionType[] = ACTIONS;

/** Fields set_field can write: the translator's own list, so the two cannot drift apart. */
export const TABLE_FEATURES_SETTABLE: readonly OxmName[] = SUPPORTED_SET_FIELDS;

const MATCH_FIELDS = SUPPORTED_MATCH_FIELDS.map(oxmFieldByName);

/** Bytes of a multipart reply's own headers (ofp_header + ofp_multipart_reply). */
const MULTIPART_HEADER = 16;
const MAX_BODY = 0xffff - MULTIPART_HEADER;

function oxmId(field: number, bytes: number, hasMask: boolean): OxmId {
  const len = hasMask ? bytes * 2 : bytes;
  return { header: ((OFPXMC_OPENFLOW_BASIC << 16) | (field << 9) | (hasMask ? 1 << 8 : 0) | len) >>> 0 };
}

const id = (type: number): FeatureId => ({ type, data: new Uint8Array(0) });

function tableFeatures(tableId: number, maxEntries: number): TableFeatures {
  const actionIds = ACTIONS.map((a) => id(ACTION_CODES[a]));
  const setfield = TABLE_FEATURES_SETTABLE.map((n) => {
    const f = oxmFieldByName(n);
    return oxmId(f.field, f.bytes, false);
  });
  const next: number[] = [];
  for (let t = tableId + 1; t < N_TABLES; t++) next.push(t);
  return {
    tableId,
    name: `table ${tableId}`,
    metadataMatch: 0xffffffffffffffffn,
    metadataWrite: 0xffffffffffffffffn,
    config: 0,
    maxEntries,
    properties: [
      { prop: "instructions", type: OFPTFPT.INSTRUCTIONS, ids: INSTRUCTIONS.map((i) => id(INSTRUCTION_CODES[i])) },
      { prop: "next-tables", type: OFPTFPT.NEXT_TABLES, tableIds: next },
      { prop: "actions", type: OFPTFPT.WRITE_ACTIONS, ids: actionIds },
      { prop: "actions", type: OFPTFPT.APPLY_ACTIONS, ids: actionIds },
      {
        prop: "oxm",
        type: OFPTFPT.MATCH,
        oxmIds: MATCH_FIELDS.map((f) => oxmId(f.field, f.bytes, f.maskable)),
      },
      { prop: "oxm", type: OFPTFPT.WILDCARDS, oxmIds: MATCH_FIELDS.map((f) => oxmId(f.field, f.bytes, false)) },
      { prop: "oxm", type: OFPTFPT.WRITE_SETFIELD, oxmIds: setfield },
      { prop: "oxm", type: OFPTFPT.APPLY_SETFIELD, oxmIds: setfield },
    ],
  };
}

/** Encoded size of one ofp_table_features (64 + properties, each padded to 8). */
function encodedSize(t: TableFeatures): number {
  let n = 64;
  for (const p of t.properties) {
    let body = 0;
    if (p.prop === "instructions" || p.prop === "actions") body = p.ids.reduce((s, i) => s + 4 + i.data.length, 0);
    else if (p.prop === "next-tables") body = p.tableIds.length;
    else if (p.prop === "oxm") body = p.oxmIds.reduce((s, o) => s + (o.experimenter === undefined ? 4 : 8), 0);
    n += (4 + body + 7) & ~7;
  }
  return n;
}

const cache = new Map<number, TableFeatures[][]>();

/** The reply bodies, each under 64 KB; `maxEntries` is the per-table rule limit. */
export function tableFeaturesReplies(maxEntries: number): TableFeatures[][] {
  const max = Number.isFinite(maxEntries) ? Math.min(maxEntries, 0xffffffff) : 0xffffffff;
  const hit = cache.get(max);
  if (hit) return hit;
  const parts: TableFeatures[][] = [[]];
  let size = 0;
  for (let t = 0; t < N_TABLES; t++) {
    const f = tableFeatures(t, max);
    const n = encodedSize(f);
    if (size + n > MAX_BODY && parts[parts.length - 1].length > 0) {
      parts.push([]);
      size = 0;
    }
    parts[parts.length - 1].push(f);
    size += n;
  }
  cache.set(max, parts);
  return parts;
}
