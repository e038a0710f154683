// The port handlers against a stub bridge: ofp_port config/state as PORT_DESC and PORT_STATUS
// report them, PORT_STATS routed through MULTIPART (one port, OFPP_ANY, REPLY_MORE splitting,
// the bridge's BAD_PORT passed on as an OfpError, BAD_MULTIPART without port counters), and
// PORT_MOD handed to the bridge.

import { describe, expect, it } from "vitest";
import type { OfChannel } from "../../../../openflow/channel/channel.ts";
import type { Outgoing, Reply } from "../../../../openflow/channel/dispatch.ts";
import { OFPP } from "../../../../openflow/constants.ts";
import { BAD_REQUEST, OFPET, OfpError } from "../../../../openflow/errors.ts";
import { encodeMessage } from "../../../../openflow/message.ts";
import { OFPMPF_REPLY_MORE } from "../../../../openflow/messages/multipart.ts";
import type { PortStats } from "../../../../openflow/messages/multipart-stats.ts";
import { OFPPC, OFPPR, OFPPS, type PortModMessage } from "../../../../openflow/messages/port.ts";
import type { OfBridge, OfPortView } from "../../../../src/ofproto/of-handlers/handler-context.ts";
import { multipartHandlers } from "../../../../src/ofproto/of-handlers/multipart-handlers.ts";
import {
  ofpPortOf,
  portHandlers,
  portStatsReplies,
  portStatusMessage,
} from "../../../../src/ofproto/of-handlers/port-handlers.ts";
import { portDescReply } from "../../../../src/ofproto/of-handlers/switch-handlers.ts";
import { RuleTables } from "../../../../src/ofproto/rule-table.ts";

const view = (ofPort: number, over: Partial<OfPortView> = {}): OfPortView => ({
  ofPort,
  name: `p${ofPort}`,
  mac: `02:00:00:00:00:0${ofPort}`,
  adminUp: true,
  linkUp: true,
  ...over,
});

const stat = (portNo: number): PortStats => ({
  portNo,
  rxPackets: 1n,
  txPackets: 2n,
  rxBytes: 3n,
  txBytes: 4n,
  rxDropped: 0n,
  txDropped: 0n,
  rxErrors: 0n,
  txErrors: 0n,
  rxFrameErr: 0n,
  rxOverErr: 0n,
  rxCrcErr: 0n,
  collisions: 0n,
  durationSec: 1,
  durationNsec: 0,
});

function stubBridge(over: Partial<OfBridge> = {}): OfBridge {
  return {
    name: "br",
    datapathId: () => 1n,
    ports: () => [
      view(1),
      view(2, { linkUp: false }),
      view(3, { adminUp: false, config: OFPPC.PORT_DOWN | OFPPC.NO_FWD }),
    ],
    tables: () => new RuleTables(),
    now: () => 0,
    flowMod: () => ({ added: [], replaced: [], modified: [], removed: [] }),
    packetOut: async () => {},
    fence: async () => {},
    ...over,
  };
}

function recorder(): { reply: Reply; sent: Outgoing[]; errors: Array<[number, number]> } {
  const sent: Outgoing[] = [];
  const errors: Array<[number, number]> = [];
  const reply = Object.assign((m: Outgoing) => sent.push(m), {
    error: (t: number, c: number) => errors.push([t, c]),
    xid: 1,
    raw: new Uint8Array(16),
  }) as Reply;
  return { reply, sent, errors };
}

async function multipart(bridge: OfBridge, portNo: number) {
  const r = recorder();
  const handler = multipartHandlers(bridge)["multipart-request"];
  await handler?.(
    { kind: "multipart-request", xid: 1, flags: 0, body: { part: "port-stats", portNo } },
    r.reply,
    {} as OfChannel,
  );
  return r;
}

describe("ofp_port", () => {
  it("reports config bits and state LINK_DOWN / LIVE as the view has them", () => {
    const ports = portDescReply(stubBridge()).ports;
    expect(ports.map((p) => [p.portNo, p.config, p.state])).toEqual([
      [1, 0, OFPPS.LIVE],
      [2, 0, OFPPS.LINK_DOWN],
      [3, OFPPC.PORT_DOWN | OFPPC.NO_FWD, 0],
    ]);
    expect(ports[0].hwAddr).toEqual(Uint8Array.from([2, 0, 0, 0, 0, 1]));
    // A view without config bits: PORT_DOWN follows adminUp.
    expect(ofpPortOf(view(4, { adminUp: false })).config).toBe(OFPPC.PORT_DOWN);
  });
  it("PORT_STATUS carries the reason and the description", () => {
    expect(portStatusMessage({ reason: OFPPR.MODIFY, port: view(2, { linkUp: false }) })).toMatchObject({
      kind: "port-status",
      reason: OFPPR.MODIFY,
      desc: { portNo: 2, name: "p2", state: OFPPS.LINK_DOWN },
    });
  });
});

describe("PORT_STATS", () => {
  it("answers one port or every port through MULTIPART", async () => {
    const asked: number[] = [];
    const bridge = stubBridge({
      portStats: async (p) => {
        asked.push(p);
        return p === OFPP.ANY ? [stat(1), stat(2)] : [stat(p)];
      },
    });
    const any = await multipart(bridge, OFPP.ANY);
    const one = await multipart(bridge, 2);
    expect(asked).toEqual([OFPP.ANY, 2]);
    expect(any.sent).toEqual([
      { kind: "multipart-reply", flags: 0, body: { part: "port-stats", stats: [stat(1), stat(2)] } },
    ]);
    expect(one.sent).toEqual([{ kind: "multipart-reply", flags: 0, body: { part: "port-stats", stats: [stat(2)] } }]);
  });
  it("splits a reply over 64 KB with REPLY_MORE", async () => {
    const many = Array.from({ length: 1000 }, (_, i) => stat(i + 1));
    const bridge = stubBridge({ portStats: async () => many });
    const parts = await portStatsReplies(bridge, { part: "port-stats", portNo: OFPP.ANY });
    expect(parts?.map((p) => p.length)).toEqual([584, 416]);
    // The first part is as full as the 16-bit length allows, and fits.
    const first = encodeMessage({
      kind: "multipart-reply",
      xid: 0,
      flags: 0,
      body: { part: "port-stats", stats: parts?.[0] ?? [] },
    });
    expect(first.length).toBeLessThanOrEqual(0xffff);
    expect(first.length + 112).toBeGreaterThan(0xffff);
    const r = await multipart(bridge, OFPP.ANY);
    expect(r.sent.map((m) => (m as { flags: number }).flags)).toEqual([OFPMPF_REPLY_MORE, 0]);
  });
  it("passes the bridge's BAD_PORT on; BAD_MULTIPART when the bridge keeps no port counters", async () => {
    const bridge = stubBridge({
      portStats: async (p) => {
        throw new OfpError(OFPET.BAD_REQUEST, BAD_REQUEST.BAD_PORT, `no port ${p}`);
      },
    });
    await expect(multipart(bridge, 9)).rejects.toMatchObject({
      errType: OFPET.BAD_REQUEST,
      errCode: BAD_REQUEST.BAD_PORT,
    });
    const none = await multipart(stubBridge(), 1);
    expect(none.errors).toEqual([[OFPET.BAD_REQUEST, BAD_REQUEST.BAD_MULTIPART]]);
    expect(none.sent).toEqual([]);
  });
});

describe("PORT_MOD", () => {
  it("is handed to the bridge; a bridge without portMod has no handler", () => {
    const got: PortModMessage[] = [];
    const h = portHandlers(stubBridge({ portMod: (pm) => got.push(pm) }))["port-mod"];
    const pm: PortModMessage = {
      kind: "port-mod",
      xid: 3,
      portNo: 1,
      hwAddr: new Uint8Array(6),
      config: OFPPC.NO_FWD,
      mask: OFPPC.NO_FWD,
      advertise: 0,
    };
    h?.(pm, recorder().reply, {} as OfChannel);
    expect(got).toEqual([pm]);
    expect(portHandlers(stubBridge())["port-mod"]).toBeUndefined();
  });
});
