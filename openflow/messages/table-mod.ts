// OFPT_TABLE_MOD (OpenFlow 1.3.5 §7.3.3): table configuration (deprecated bits only in 1.3).
//
// What: decodeTableMod / encodeTableMod over the body.
//
//   0          1     4        8
//   | table_id | pad | config |
//
// Invariants: the body is exactly 8 bytes, else BAD_REQUEST/BAD_LEN.

import { expectEnd } from "../codec/fixed-string.ts";
import type { WireReader } from "../codec/wire-reader.ts";
import type { WireWriter } from "../codec/wire-writer.ts";
import { OFPT } from "../constants.ts";
import type { MessageCodec, OfpHeader } from "../message.ts";

/** ofp_table_config: in 1.3 only the deprecated-bits mask is defined. */
export const OFPTC_DEPRECATED_MASK = 3;

export interface TableModMessage {
  kind: "table-mod";
  xid: number;
  tableId: number;
  config: number;
}

export function decodeTableMod(r: WireReader, h: OfpHeader): TableModMessage {
  const tableId = r.u8("table_id");
  r.skip(3);
  const config = r.u32("config");
  expectEnd(r, "table mod");
  return { kind: "table-mod", xid: h.xid, tableId, config };
}

export function encodeTableMod(m: TableModMessage, w: WireWriter): void {
  w.u8(m.tableId).zeros(3).u32(m.config);
}

export const TABLE_MOD_CODEC: MessageCodec<TableModMessage> = {
  type: OFPT.TABLE_MOD,
  kind: "table-mod",
  decode: decodeTableMod,
  encode: encodeTableMod,
};
