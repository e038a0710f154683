// The OFPT_TABLE_MOD handler: table configuration, which OpenFlow 1.3 reduced to deprecated bits.
//
// What: tableModHandlers() → the "table-mod" dispatch entry.
// Design: in OpenFlow 1.3 ofp_table_config defines only OFPTC_DEPRECATED_MASK (3), the 1.1/1.2
//   table-miss bits, whose behaviour 1.3 replaced by table-miss flow entries; Open vSwitch
//   ignores them for 1.3 (ofputil_decode_table_miss). So a TABLE_MOD naming one of our tables
//   (0..N_TABLES-1) or OFPTT_ALL with only those bits is accepted and changes nothing. A table
//   id we do not have is TABLE_MOD_FAILED/BAD_TABLE (OVS: check_table_id), and bits the 1.3
//   spec does not define are TABLE_MOD_FAILED/BAD_CONFIG ("specified config is invalid"; OVS
//   would ignore them, but a 1.3 switch cannot honour a flag it does not know).
// Invariants: never changes switch state.
// Threading: main thread.

import type { DispatchTable } from "../../../openflow/channel/dispatch.ts";
import { OFPTT_ALL } from "../../../openflow/constants.ts";
import { OFPET, OfpError, TABLE_MOD_FAILED } from "../../../openflow/errors.ts";
import { OFPTC_DEPRECATED_MASK } from "../../../openflow/messages/table-mod.ts";
import { isValidTableId, N_TABLES } from "../rule-table.ts";

export function tableModHandlers(): DispatchTable {
  return {
    "table-mod": (m) => {
      if (m.tableId !== OFPTT_ALL && !isValidTableId(m.tableId)) {
        throw new OfpError(
          OFPET.TABLE_MOD_FAILED,
          TABLE_MOD_FAILED.BAD_TABLE,
          `table ${m.tableId}: tables are 0..${N_TABLES - 1} (or 255 for all)`,
        );
      }
      if ((m.config & ~OFPTC_DEPRECATED_MASK) !== 0) {
        throw new OfpError(
          OFPET.TABLE_MOD_FAILED,
          TABLE_MOD_FAILED.BAD_CONFIG,
          `config 0x${m.config.toString(16)}: OpenFlow 1.3 defines only the deprecated bits 0x${OFPTC_DEPRECATED_MASK.toString(16)}`,
        );
      }
    },
  };
}
