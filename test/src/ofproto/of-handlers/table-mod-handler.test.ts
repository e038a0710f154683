// TABLE_MOD (OpenFlow 1.3: only deprecated config bits): accepted as a no-op for one of our
// tables or OFPTT_ALL, TABLE_MOD_FAILED/BAD_TABLE for a table we do not have, BAD_CONFIG for
// bits 1.3 does not define.

import { describe, expect, it } from "vitest";
import type { OfChannel } from "../../../../openflow/channel/channel.ts";
import type { Reply } from "../../../../openflow/channel/dispatch.ts";
import { OFPTT_ALL } from "../../../../openflow/constants.ts";
import { OFPET, TABLE_MOD_FAILED } from "../../../../openflow/errors.ts";
import { tableModHandlers } from "../../../../src/ofproto/of-handlers/table-mod-handler.ts";

const mod = (tableId: number, config: number) =>
  tableModHandlers()["table-mod"]?.({ kind: "table-mod", xid: 1, tableId, config }, {} as Reply, {} as OfChannel);

describe("TABLE_MOD", () => {
  it("is a no-op for tables 0..253 and ALL with config 0 or the deprecated bits", () => {
    for (const t of [0, 17, 253, OFPTT_ALL]) for (const c of [0, 1, 3]) expect(() => mod(t, c)).not.toThrow();
  });
  it("refuses a table we do not have (BAD_TABLE) and undefined config bits (BAD_CONFIG)", () => {
    for (const t of [254]) {
      expect(() => mod(t, 0)).toThrow(
        expect.objectContaining({ errType: OFPET.TABLE_MOD_FAILED, errCode: TABLE_MOD_FAILED.BAD_TABLE }),
      );
    }
    expect(() => mod(0, 4)).toThrow(
      expect.objectContaining({ errType: OFPET.TABLE_MOD_FAILED, errCode: TABLE_MOD_FAILED.BAD_CONFIG }),
    );
  });
});
