// The MULTIPART_REQUEST handler against a stub bridge: PORT_DESC split with REPLY_MORE when the
// ports do not fit one message (every part encodes), requests sent with OFPMPF_REQ_MORE
// answered once after their last part (per connection), EXPERIMENTER refused BAD_EXPERIMENTER,
// and OFPMP_QUEUE answered as Open vSwitch answers for ports without queues.

import { describe, expect, it } from "vitest";
import type { OfChannel } from "../../../../openflow/channel/channel.ts";
import type { Outgoing, Reply } from "../../../../openflow/channel/dispatch.ts";
import { OFPP, OFPQ_ALL } from "../../../../openflow/constants.ts";
import { BAD_REQUEST, OFPET, QUEUE_OP_FAILED, TABLE_FEATURES_FAILED } from "../../../../openflow/errors.ts";
import { encodeMessage, type OfpMessage } from "../../../../openflow/message.ts";
import {
  type MultipartReplyMessage,
  type MultipartRequestBody,
  OFPMPF_REPLY_MORE,
  OFPMPF_REQ_MORE,
} from "../../../../openflow/messages/multipart.ts";
import type { OfBridge, OfPortView } from "../../../../src/ofproto/of-handlers/handler-context.ts";
import { multipartHandlers } from "../../../../src/ofproto/of-handlers/multipart-handlers.ts";
import { tableFeaturesReplies } from "../../../../src/ofproto/of-handlers/table-features.ts";
import { RuleTables } from "../../../../src/ofproto/rule-table.ts";

const view = (ofPort: number): OfPortView => ({
  ofPort,
  name: `p${ofPort}`,
  mac: "02:00:00:00:00:01",
  adminUp: true,
  linkUp: true,
});

function stubBridge(ports: OfPortView[]): OfBridge {
  return {
    name: "br",
    datapathId: () => 1n,
    ports: () => ports,
    tables: () => new RuleTables(),
    now: () => 0,
    flowMod: () => ({ added: [], replaced: [], modified: [], removed: [] }),
    packetOut: async () => {},
    fence: async () => {},
  };
}

function recorder(raw: Uint8Array = new Uint8Array(16)) {
  const sent: Outgoing[] = [];
  const errors: Array<[number, number]> = [];
  const reply = Object.assign((m: Outgoing) => sent.push(m), {
    error: (t: number, c: number) => errors.push([t, c]),
    xid: 1,
    raw,
  }) as Reply;
  return { reply, sent, errors };
}

/** Sends one MULTIPART_REQUEST part through the handler on channel `ch`. */
async function request(
  handler: ReturnType<typeof multipartHandlers>["multipart-request"],
  body: MultipartRequestBody,
  opts: { xid?: number; flags?: number; ch?: OfChannel } = {},
) {
  const m = { kind: "multipart-request" as const, xid: opts.xid ?? 1, flags: opts.flags ?? 0, body };
  const r = recorder(encodeMessage(m as OfpMessage));
  await handler?.(m, r.reply, opts.ch ?? ({} as OfChannel));
  return r;
}

describe("PORT_DESC", () => {
  it("splits more than one message's worth of ports with REPLY_MORE; every part encodes", async () => {
    const ports = Array.from({ length: 1100 }, (_, i) => view(i + 1));
    const r = await request(multipartHandlers(stubBridge(ports))["multipart-request"], { part: "port-desc" });
    const replies = r.sent as MultipartReplyMessage[];
    expect(replies.map((m) => m.flags)).toEqual([OFPMPF_REPLY_MORE, 0]);
    const got = replies.flatMap((m) => (m.body.part === "port-desc" ? m.body.ports.map((p) => p.portNo) : []));
    expect(got).toEqual(ports.map((p) => p.ofPort));
    for (const m of replies) {
      expect(encodeMessage({ ...m, xid: 1 } as OfpMessage).length).toBeLessThanOrEqual(0xffff);
    }
    // The first part is as full as a message allows: 1023 ports of 64 bytes.
    expect(replies[0].body.part === "port-desc" && replies[0].body.ports.length).toBe(1023);
  });

  it("a few ports are one reply", async () => {
    const r = await request(multipartHandlers(stubBridge([view(1), view(2)]))["multipart-request"], {
      part: "port-desc",
    });
    expect(r.sent).toHaveLength(1);
    expect((r.sent[0] as MultipartReplyMessage).flags).toBe(0);
  });
});

describe("requests in several parts (OFPMPF_REQ_MORE)", () => {
  it("are answered once, after the last part, per connection and xid", async () => {
    const h = multipartHandlers(stubBridge([view(1)]))["multipart-request"];
    const ch1 = {} as OfChannel;
    const ch2 = {} as OfChannel;
    const first = await request(h, { part: "desc" }, { xid: 9, flags: OFPMPF_REQ_MORE, ch: ch1 });
    expect([first.sent, first.errors]).toEqual([[], []]);
    // The same xid on another connection is another request.
    const other = await request(h, { part: "port-desc" }, { xid: 9, ch: ch2 });
    expect(other.sent).toHaveLength(1);
    const last = await request(h, { part: "desc" }, { xid: 9, ch: ch1 });
    expect(last.sent).toHaveLength(1);
    expect((last.sent[0] as MultipartReplyMessage).body.part).toBe("desc");
  });

  it("TABLE_FEATURES with a body spread over parts is refused once, after the last part", async () => {
    const h = multipartHandlers(stubBridge([view(1)]))["multipart-request"];
    const ch = {} as OfChannel;
    const a = await request(h, { part: "table-features", tables: [] }, { xid: 4, flags: OFPMPF_REQ_MORE, ch });
    expect(a.errors).toEqual([]);
    const table = tableFeaturesReplies(100)[0][0];
    const b = await request(h, { part: "table-features", tables: [table] }, { xid: 4, ch });
    expect(b.errors).toEqual([[OFPET.TABLE_FEATURES_FAILED, TABLE_FEATURES_FAILED.EPERM]]);
  });

  it("a part of another type is refused BAD_MULTIPART", async () => {
    const h = multipartHandlers(stubBridge([view(1)]))["multipart-request"];
    const ch = {} as OfChannel;
    await request(h, { part: "desc" }, { xid: 2, flags: OFPMPF_REQ_MORE, ch });
    await expect(request(h, { part: "table" }, { xid: 2, ch })).rejects.toMatchObject({
      errType: OFPET.BAD_REQUEST,
      errCode: BAD_REQUEST.BAD_MULTIPART,
    });
  });
});

describe("EXPERIMENTER and QUEUE parts", () => {
  it("EXPERIMENTER is BAD_REQUEST/BAD_EXPERIMENTER", async () => {
    const r = await request(multipartHandlers(stubBridge([]))["multipart-request"], {
      part: "experimenter",
      experimenter: 0x2320,
      expType: 1,
      data: new Uint8Array(4),
    });
    expect(r.errors).toEqual([[OFPET.BAD_REQUEST, BAD_REQUEST.BAD_EXPERIMENTER]]);
    expect(r.sent).toEqual([]);
  });

  it("QUEUE: empty for a port or ANY with all queues; BAD_PORT, BAD_QUEUE as Open vSwitch", async () => {
    const h = multipartHandlers(stubBridge([view(1), view(2)]))["multipart-request"];
    const empty = { kind: "multipart-reply", flags: 0, body: { part: "queue", stats: [] } };
    for (const portNo of [2, OFPP.ANY]) {
      const r = await request(h, { part: "queue", portNo, queueId: OFPQ_ALL });
      expect(r.sent).toEqual([empty]);
    }
    const fail = (portNo: number, queueId: number, errCode: number) =>
      expect(request(h, { part: "queue", portNo, queueId })).rejects.toMatchObject({
        errType: OFPET.QUEUE_OP_FAILED,
        errCode,
      });
    await fail(7, OFPQ_ALL, QUEUE_OP_FAILED.BAD_PORT);
    await fail(1, 0, QUEUE_OP_FAILED.BAD_QUEUE);
    await fail(OFPP.ANY, 3, QUEUE_OP_FAILED.BAD_QUEUE);
    const none = multipartHandlers(stubBridge([]))["multipart-request"];
    await expect(request(none, { part: "queue", portNo: OFPP.ANY, queueId: OFPQ_ALL })).rejects.toMatchObject({
      errCode: QUEUE_OP_FAILED.BAD_QUEUE,
    });
  });
});
