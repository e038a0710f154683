// The meter handlers against an Ofproto bridge (no datapath: counters from a stub): METER_MOD
// with FLOW_REMOVED for the rules a delete takes, METER / METER_CONFIG / METER_FEATURES bodies,
// replies split under 64 KB, and a bridge without meters.

import { describe, expect, it } from "vitest";
import type { Outgoing, Reply } from "../../../../openflow/channel/dispatch.ts";
import { OFPM_ALL } from "../../../../openflow/constants.ts";
import { METER_MOD_FAILED, OFPET, type OfpError } from "../../../../openflow/errors.ts";
import { encodeMessage } from "../../../../openflow/message.ts";
import { OFPFF } from "../../../../openflow/messages/flow-mod.ts";
import type { FlowRemovedMessage } from "../../../../openflow/messages/flow-removed.ts";
import type { MeterModMessage } from "../../../../openflow/messages/meter-mod.ts";
import { OFPMC, OFPMF } from "../../../../openflow/messages/meter-mod.ts";
import type { OfBridge } from "../../../../src/ofproto/of-handlers/handler-context.ts";
import { meterHandlers, meterMultipart } from "../../../../src/ofproto/of-handlers/meter-handlers.ts";
import { Ofproto } from "../../../../src/ofproto/ofproto.ts";
import { flowMod, output } from "../flow-fixtures.ts";

function bridgeOf(of: Ofproto, name: string, withMeters = true): OfBridge {
  const br = () => {
    const b = of.bridges.get(name);
    if (!b) throw new Error("no bridge");
    return b;
  };
  const base: OfBridge = {
    name,
    datapathId: () => 1n,
    ports: () => [],
    tables: () => br().tables,
    now: () => of.now(),
    flowMod: (fm) => of.flowMod(name, fm),
    packetOut: async () => {},
    fence: async () => {},
  };
  if (!withMeters) return base;
  return {
    ...base,
    meters: () => br().meters,
    meterMod: (mm) => of.meterMod(name, mm),
    // Stub datapath counters: slot s has s+1 packets of 100 bytes, band b b+1 of them.
    meterCounters: async (slots) =>
      slots.map((s) => {
        const m = br()
          .meters.list()
          .find((x) => x.slot === s);
        return {
          packets: s + 1,
          bytes: (s + 1) * 100,
          bands: (m?.bands ?? []).map((_, b) => ({ packets: b + 1, bytes: (b + 1) * 100 })),
        };
      }),
  };
}

function collect(): { reply: Reply; sent: Outgoing[] } {
  const sent: Outgoing[] = [];
  const reply = Object.assign((m: Outgoing) => sent.push(m), {
    error: () => {
      throw new Error("unexpected error reply");
    },
    xid: 1,
    raw: new Uint8Array(8),
  }) as Reply;
  return { reply, sent };
}

const mm = (p: Partial<MeterModMessage>): MeterModMessage => ({
  kind: "meter-mod",
  xid: 1,
  command: OFPMC.ADD,
  flags: OFPMF.PKTPS,
  meterId: 1,
  bands: [{ type: "drop", rate: 10, burstSize: 0 }],
  ...p,
});

describe("meter handlers", () => {
  it("METER_MOD DELETE sends FLOW_REMOVED (DELETE) for the rules that asked for it", () => {
    const of = new Ofproto();
    of.addBridge("br0", 300, 1000);
    const bridge = bridgeOf(of, "br0");
    const removed: FlowRemovedMessage[] = [];
    of.subscribeFlowRemoved("br0", (m) => removed.push(m));
    const h = meterHandlers(bridge);
    const meterMod = h["meter-mod"] as (m: MeterModMessage, r: Reply) => void;
    meterMod(mm({ meterId: 4 }), collect().reply);
    const flow = (port: number, flags: number) =>
      flowMod({
        match: [{ name: "in_port", value: port }],
        flags,
        instructions: [{ type: "meter", meterId: 4 }, ...output(2)],
      });
    bridge.flowMod(flow(1, OFPFF.SEND_FLOW_REM));
    bridge.flowMod(flow(3, 0));
    meterMod(mm({ command: OFPMC.DELETE, meterId: 4 }), collect().reply);
    expect(removed.map((r) => [r.reason, r.match])).toEqual([[2, [{ name: "in_port", value: 1 }]]]);
  });

  it("METER, METER_CONFIG and METER_FEATURES bodies", async () => {
    const of = new Ofproto();
    of.addBridge("br0", 300, 1000);
    const bridge = bridgeOf(of, "br0");
    of.meterMod("br0", mm({ meterId: 7, bands: [{ type: "dscp-remark", rate: 5, burstSize: 0, precLevel: 1 }] }));
    of.meterMod("br0", mm({ meterId: 2, flags: OFPMF.KBPS | OFPMF.STATS }));
    of.flowMod("br0", flowMod({ match: [], priority: 9, instructions: [{ type: "meter", meterId: 7 }, ...output(1)] }));

    const stats = collect();
    await meterMultipart(bridge, { part: "meter", meterId: OFPM_ALL }, stats.reply);
    expect(stats.sent).toHaveLength(1);
    const body = (stats.sent[0] as { body: { part: string; stats: Array<Record<string, unknown>> } }).body;
    expect(body.stats.map((x) => [x.meterId, x.flowCount, x.packetInCount, x.byteInCount, x.bandStats])).toEqual([
      [2, 0, 2n, 200n, [{ packetBandCount: 1n, byteBandCount: 100n }]],
      [7, 1, 1n, 100n, [{ packetBandCount: 1n, byteBandCount: 100n }]],
    ]);

    const one = collect();
    await meterMultipart(bridge, { part: "meter-config", meterId: 7 }, one.reply);
    expect(one.sent[0]).toMatchObject({
      body: {
        part: "meter-config",
        configs: [{ meterId: 7, flags: OFPMF.PKTPS, bands: [{ type: "dscp-remark", precLevel: 1 }] }],
      },
    });
    const none = collect();
    await meterMultipart(bridge, { part: "meter", meterId: 99 }, none.reply);
    expect(none.sent).toEqual([{ kind: "multipart-reply", flags: 0, body: { part: "meter", stats: [] } }]);

    const f = collect();
    await meterMultipart(bridge, { part: "meter-features" }, f.reply);
    expect(f.sent[0]).toMatchObject({
      body: { maxMeter: 4096, bandTypes: 0b110, capabilities: 0b1111, maxBands: 8, maxColor: 0 },
    });
  });

  it("splits replies over 64 KB with REPLY_MORE", async () => {
    const of = new Ofproto();
    of.addBridge("br0", 300, 1000);
    const bridge = bridgeOf(of, "br0");
    const bands = Array.from({ length: 8 }, (_, i) => ({ type: "drop" as const, rate: i + 1, burstSize: 0 }));
    for (let id = 1; id <= 600; id++) of.meterMod("br0", mm({ meterId: id, bands }));
    for (const part of ["meter", "meter-config"] as const) {
      const r = collect();
      await meterMultipart(bridge, { part, meterId: OFPM_ALL }, r.reply);
      expect(r.sent.length).toBeGreaterThan(1);
      r.sent.forEach((m, i) => {
        expect((m as { flags: number }).flags).toBe(i < r.sent.length - 1 ? 1 : 0);
        expect(encodeMessage({ ...m, xid: 1 } as Parameters<typeof encodeMessage>[0]).length).toBeLessThanOrEqual(
          0xffff,
        );
      });
      const n = r.sent.reduce((k, m) => {
        const b = (m as { body: { stats?: unknown[]; configs?: unknown[] } }).body;
        return k + (b.stats ?? b.configs ?? []).length;
      }, 0);
      expect(n).toBe(600);
    }
  });

  it("a bridge without meters refuses METER_MOD (OUT_OF_METERS) and reports max_meter 0", async () => {
    const of = new Ofproto();
    of.addBridge("br0", 300, 1000);
    const bridge = bridgeOf(of, "br0", false);
    const meterMod = meterHandlers(bridge)["meter-mod"] as (m: MeterModMessage, r: Reply) => void;
    try {
      meterMod(mm({}), collect().reply);
      throw new Error("expected a refusal");
    } catch (e) {
      expect([(e as OfpError).errType, (e as OfpError).errCode]).toEqual([
        OFPET.METER_MOD_FAILED,
        METER_MOD_FAILED.OUT_OF_METERS,
      ]);
    }
    const f = collect();
    await meterMultipart(bridge, { part: "meter-features" }, f.reply);
    expect(f.sent[0]).toMatchObject({ body: { maxMeter: 0 } });
  });
});
