// Group multipart replies over 64 KB: split with OFPMPF_REPLY_MORE, every message encodable.
//
// What it proves: 600 groups of 8 buckets each (≈ 160 KB of GROUP_DESC, ≈ 100 KB of GROUP
// stats) go out as several replies, all but the last flagged REPLY_MORE, each message within the
// 16-bit length, all groups present once and in id order; a bridge without a group table gets
// no reply (the caller answers BAD_MULTIPART).

import { describe, expect, it } from "vitest";
import type { Reply } from "../../../../openflow/channel/dispatch.ts";
import { OFPG_ALL, OFPG_ANY, OFPP } from "../../../../openflow/constants.ts";
import { encodeMessage } from "../../../../openflow/message.ts";
import { OFPGC, OFPGT_TYPES as T } from "../../../../openflow/messages/group-mod.ts";
import { OFPMPF_REPLY_MORE } from "../../../../openflow/messages/multipart.ts";
import { GroupTable } from "../../../../src/ofproto/group-table.ts";
import { replyGroupPart } from "../../../../src/ofproto/of-handlers/group-handlers.ts";
import type { OfBridge } from "../../../../src/ofproto/of-handlers/handler-context.ts";
import { RuleTables } from "../../../../src/ofproto/rule-table.ts";

function bridgeWith(groups?: GroupTable): OfBridge {
  const tables = new RuleTables();
  return {
    name: "br",
    datapathId: () => 1n,
    ports: () => [],
    tables: () => tables,
    now: () => 0,
    flowMod: () => ({ added: [], replaced: [], modified: [], removed: [] }),
    packetOut: async () => {},
    fence: async () => {},
    groups: groups ? () => groups : undefined,
  };
}

function collect(bridge: OfBridge, body: Parameters<typeof replyGroupPart>[1]) {
  const sent: Array<{ flags: number; body: unknown; length: number }> = [];
  const reply = ((m: { kind: "multipart-reply"; flags: number; body: never }) => {
    sent.push({ flags: m.flags, body: m.body, length: encodeMessage({ ...m, xid: 1 }).length });
  }) as unknown as Reply;
  return { handled: replyGroupPart(bridge, body, reply), sent };
}

describe("group multipart replies", () => {
  const groups = new GroupTable();
  for (let id = 1; id <= 600; id++) {
    const buckets = Array.from({ length: 8 }, (_, i) => ({
      weight: 1,
      watchPort: OFPP.ANY,
      watchGroup: OFPG_ANY,
      actions: [{ type: "output" as const, port: i + 1, maxLen: 0 }],
    }));
    groups.apply({ command: OFPGC.ADD, groupType: T.SELECT, groupId: id, buckets }, 0);
  }

  it("GROUP_DESC and GROUP over 64 KB are split with REPLY_MORE on all but the last", () => {
    for (const body of [{ part: "group-desc" as const }, { part: "group" as const, groupId: OFPG_ALL }]) {
      const { handled, sent } = collect(bridgeWith(groups), body);
      expect(handled).toBe(true);
      expect(sent.length).toBeGreaterThan(1);
      expect(sent.map((s) => s.flags)).toEqual([...Array(sent.length - 1).fill(OFPMPF_REPLY_MORE), 0]);
      for (const s of sent) expect(s.length).toBeLessThanOrEqual(0xffff);
      const ids = sent.flatMap((s) => {
        const b = s.body as { groups?: Array<{ groupId: number }>; stats?: Array<{ groupId: number }> };
        return (b.groups ?? b.stats ?? []).map((g) => g.groupId);
      });
      expect(ids).toEqual(Array.from({ length: 600 }, (_, i) => i + 1));
    }
  });

  it("GROUP_FEATURES is one reply; a bridge without groups is not answered here", () => {
    expect(collect(bridgeWith(groups), { part: "group-features" }).sent).toHaveLength(1);
    const none = collect(bridgeWith(), { part: "group-desc" });
    expect(none).toEqual({ handled: false, sent: [] });
  });
});
