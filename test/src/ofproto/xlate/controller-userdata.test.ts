// The u32 userdata of CONTROLLER outputs and dec-TTL records: what is encoded decodes back, the
// kind bits keep the two apart, and foreign values decode to nothing.

import { describe, expect, it } from "vitest";
import {
  ControllerUserdata,
  PACKET_IN_REASON,
  USERDATA_KIND_SHIFT,
  USERDATA_KIND_TTL,
} from "../../../../src/ofproto/xlate/controller-userdata.ts";

describe("ControllerUserdata", () => {
  it("round-trips ACTION, NO_MATCH and INVALID_TTL with table, cookie, max_len and the pipeline fields", () => {
    const c = new ControllerUserdata();
    for (const reason of Object.values(PACKET_IN_REASON)) {
      const p = { reason, tableId: 200, cookie: 0xfedcba9876543210n, maxLen: 128, metadata: 0x5an, tunnelId: 0n };
      const ud = c.encode(p);
      expect(ud).toBeDefined();
      expect(c.decode(ud ?? 0)).toEqual(p);
    }
  });

  it("marks TTL userdata with its own kind, sharing the (cookie, max_len) handle", () => {
    const c = new ControllerUserdata();
    const a = c.encode({ reason: PACKET_IN_REASON.ACTION, tableId: 1, cookie: 5n, maxLen: 0xffff }) ?? 0;
    const t = c.encode({ reason: PACKET_IN_REASON.INVALID_TTL, tableId: 1, cookie: 5n, maxLen: 0xffff }) ?? 0;
    expect(t >>> USERDATA_KIND_SHIFT).toBe(USERDATA_KIND_TTL);
    expect(t & 0x1fffff).toBe(a & 0x1fffff);
    expect(c.size).toBe(1);
  });

  it("decodes userdata it did not make (0, another kind, an unknown handle) to undefined", () => {
    const c = new ControllerUserdata();
    expect(c.decode(0)).toBeUndefined();
    expect(c.decode((3 << USERDATA_KIND_SHIFT) >>> 0)).toBeUndefined();
    expect(c.decode(((USERDATA_KIND_TTL << USERDATA_KIND_SHIFT) | 7) >>> 0)).toBeUndefined();
  });
});
