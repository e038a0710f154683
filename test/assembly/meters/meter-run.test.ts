// The fast path's meters (assembly/meters/) driven through dpExecute with a fake clock: rates,
// burst, band choice, KBPS vs PKTPS, DSCP remark, counters, configuration refusals.

import { beforeEach, describe, expect, it } from "vitest";
import { ActionList } from "../../../src/datapath/datapath-actions.ts";
import { cloneSpec, encodeFrame, type FrameSpec, type Ipv4Spec, type Ipv6Spec } from "../actions/frames.ts";
import { ActionHarness } from "../actions/harness.ts";

const KBPS = 1;
const PKTPS = 2;
const BURST = 4;
const DROP = 1;
const REMARK = 2;
const CFG_AREA = 1024;

interface Band {
  type: number;
  rate: number;
  burst?: number;
  prec?: number;
}

function udpFrame(tos = 0, payload = 18): FrameSpec {
  return {
    dst: Uint8Array.of(2, 0, 0, 0, 0, 2),
    src: Uint8Array.of(2, 0, 0, 0, 0, 1),
    vlans: [],
    l3: {
      kind: "ipv4",
      src: Uint8Array.of(10, 200, 0, 1),
      dst: Uint8Array.of(10, 200, 0, 2),
      tos,
      ttl: 64,
      id: 1,
      fragOffset: 0,
      mf: false,
      options: new Uint8Array(0),
      l4: { kind: "udp", sport: 1000, dport: 2000, noCsum: false, payload: new Uint8Array(payload) },
    },
    pad: 0,
  };
}

function udp6Frame(tc: number): FrameSpec {
  return {
    dst: Uint8Array.of(2, 0, 0, 0, 0, 2),
    src: Uint8Array.of(2, 0, 0, 0, 0, 1),
    vlans: [],
    l3: {
      kind: "ipv6",
      src: new Uint8Array(16).fill(1),
      dst: new Uint8Array(16).fill(2),
      tc,
      flow: 0x12345,
      hlim: 64,
      hopByHop: false,
      frag: null,
      l4: { kind: "udp", sport: 1000, dport: 2000, noCsum: false, payload: new Uint8Array(8) },
    },
    pad: 0,
  };
}

describe("fast-path meters", () => {
  let h: ActionHarness;
  let now = 0;

  beforeEach(async () => {
    h = await ActionHarness.create(64);
    now = 1_000_000;
    h.fp.meterClock(now);
  });

  function configure(slot: number, flags: number, bands: Band[]): number {
    const b = new Uint8Array(16 * bands.length);
    const dv = new DataView(b.buffer);
    bands.forEach((band, i) => {
      dv.setUint32(16 * i, band.type, true);
      dv.setUint32(16 * i + 4, band.rate, true);
      dv.setUint32(16 * i + 8, band.burst ?? 0, true);
      dv.setUint32(16 * i + 12, band.prec ?? 0, true);
    });
    return h.fp.meterConfigure(slot, flags, bands.length, h.scratchWrite(b, CFG_AREA));
  }

  const advanceUs = (us: number) => {
    now += us;
    h.fp.meterClock(now);
  };

  /** Sends n copies of frame through [meter slot, output 1]; returns how many came out. */
  function send(slot: number, frame: Uint8Array, n: number): number {
    const list = new ActionList().meter(slot).output(1).bytes();
    let out = 0;
    for (let i = 0; i < n; i++) {
      const r = h.run(frame, 3, list);
      expect(r.audit).toBe(0);
      expect(r.leaked).toBe(0);
      out += r.tx.get(1)?.length ?? 0;
    }
    return out;
  }

  it("PKTPS without BURST: the bucket holds one second of the rate, then refills at the rate", () => {
    expect(configure(5, PKTPS, [{ type: DROP, rate: 100, burst: 7 }])).toBe(0); // burst ignored
    const f = encodeFrame(udpFrame());
    expect(send(5, f, 150)).toBe(100);
    advanceUs(250_000); // 25 packets' worth
    expect(send(5, f, 40)).toBe(25);
    expect(h.fp.meterPacketsIn(5)).toBe(190n);
    expect(h.fp.meterBytesIn(5)).toBe(BigInt(190 * f.length));
    expect(h.fp.meterBandPackets(5, 0)).toBe(65n);
    expect(h.fp.meterBandBytes(5, 0)).toBe(BigInt(65 * f.length));
  });

  it("PKTPS with BURST: burst_size packets, then one packet per 1/rate", () => {
    configure(1, PKTPS | BURST, [{ type: DROP, rate: 1000, burst: 10 }]);
    const f = encodeFrame(udpFrame());
    expect(send(1, f, 20)).toBe(10);
    advanceUs(999);
    expect(send(1, f, 1)).toBe(0); // 0.999 of a packet
    advanceUs(1);
    expect(send(1, f, 3)).toBe(1);
    advanceUs(1_000_000); // a long idle time refills to the burst, never beyond
    expect(send(1, f, 30)).toBe(10);
  });

  it("KBPS: the bucket is bits, a packet costs its length × 8", () => {
    const f = encodeFrame(udpFrame(0, 58)); // 14 + 20 + 8 + 58 = 100 bytes = 800 bits
    expect(f.length).toBe(100);
    configure(2, KBPS | BURST, [{ type: DROP, rate: 800, burst: 8 }]); // 8 kbit = 10 packets
    expect(send(2, f, 15)).toBe(10);
    advanceUs(1000); // 800 kbit/s × 1 ms = 800 bits: one packet
    expect(send(2, f, 5)).toBe(1);
    const big = encodeFrame(udpFrame(0, 158)); // 1600 bits
    advanceUs(1000);
    expect(send(2, big, 1)).toBe(0); // 800 bits in the bucket: too few, and none taken
    advanceUs(1000);
    expect(send(2, big, 1)).toBe(1);
  });

  it("neither KBPS nor PKTPS counts in kbit/s", () => {
    const f = encodeFrame(udpFrame(0, 58));
    configure(3, BURST, [{ type: DROP, rate: 800, burst: 8 }]);
    expect(send(3, f, 15)).toBe(10);
  });

  it("applies the exceeded band with the highest rate", () => {
    // remark at 50 pkt/s, drop at 100 pkt/s, one packet of burst each.
    configure(4, PKTPS | BURST, [
      { type: REMARK, rate: 50, burst: 1, prec: 1 },
      { type: DROP, rate: 100, burst: 1 },
    ]);
    const spec = udpFrame(10 << 2); // AF11
    const f = encodeFrame(spec);
    const list = new ActionList().meter(4).output(1).bytes();
    expect(h.run(f, 3, list).tx.get(1)).toEqual([f]); // both buckets pay
    expect(h.run(f, 3, list).tx.get(1)).toBeUndefined(); // both exceeded: drop (100) wins
    advanceUs(15_000); // drop bucket +1.5 (capped at 1), remark bucket +0.75
    const r = h.run(f, 3, list);
    const want = cloneSpec(spec);
    (want.l3 as Ipv4Spec).tos = 12 << 2; // AF12
    expect(r.tx.get(1)).toEqual([encodeFrame(want)]); // only the remark band is exceeded
    expect(r.all["meter.remark"]).toBe(1);
    expect(h.fp.meterBandPackets(4, 0)).toBe(1n);
    expect(h.fp.meterBandPackets(4, 1)).toBe(1n);
  });

  it("DSCP_REMARK raises the drop precedence of IPv4 (checksum kept) and IPv6, keeps ECN", () => {
    configure(6, PKTPS | BURST, [{ type: REMARK, rate: 1, burst: 1, prec: 2 }]);
    const list = new ActionList().meter(6).output(1).bytes();
    const v4 = udpFrame((10 << 2) | 1); // AF11, ECN 01
    h.run(encodeFrame(v4), 3, list); // takes the one token
    const w4 = cloneSpec(v4);
    (w4.l3 as Ipv4Spec).tos = (14 << 2) | 1; // AF13
    expect(h.run(encodeFrame(v4), 3, list).tx.get(1)).toEqual([encodeFrame(w4)]);
    const v6 = udp6Frame((26 << 2) | 2); // AF31, ECN 10
    const w6 = cloneSpec(v6);
    (w6.l3 as Ipv6Spec).tc = (30 << 2) | 2; // AF33
    expect(h.run(encodeFrame(v6), 3, list).tx.get(1)).toEqual([encodeFrame(w6)]);
    const arp = new Uint8Array(60);
    arp.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x06], 0);
    expect(h.run(arp, 3, list).tx.get(1)).toEqual([arp]); // not IP: passed unchanged
    expect(h.fp.meterBandPackets(6, 0)).toBe(3n);
  });

  it("raises precedence as [class | precedence | 0], saturating at 3", () => {
    const cases: Array<[number, number, number]> = [
      [10, 1, 12], // AF11 → AF12
      [10, 2, 14], // AF11 → AF13
      [14, 1, 14], // AF13 stays
      [34, 5, 38], // AF41 → AF43
      [0, 1, 2], // best effort gets precedence 1
      [46, 1, 46], // EF: precedence bits already 11
      [48, 3, 54], // CS6 → 110110
    ];
    for (const [dscp, prec, want] of cases) expect(h.fp.meterRemarkedDscp(dscp, prec)).toBe(want);
  });

  it("a DROP band ends the list: outputs before the meter stand, none after it runs", () => {
    configure(7, PKTPS | BURST, [{ type: DROP, rate: 1, burst: 1 }]);
    const f = encodeFrame(udpFrame());
    const list = new ActionList().output(2).meter(7).output(1).bytes();
    const first = h.run(f, 3, list);
    expect(first.tx.get(1)?.length).toBe(1);
    expect(first.tx.get(2)?.length).toBe(1);
    const second = h.run(f, 3, list);
    expect(second.tx.get(2)?.length).toBe(1);
    expect(second.tx.get(1)).toBeUndefined();
    expect(second.all["meter.drop"]).toBe(1);
    expect(second.counters["action.drop"]).toBeUndefined();
    expect(second.audit).toBe(0);
    expect(second.leaked).toBe(0);
  });

  it("an undefined meter passes the packet and counts meter.unknown", () => {
    const f = encodeFrame(udpFrame());
    const r = h.run(f, 3, new ActionList().meter(9).output(1).bytes());
    expect(r.tx.get(1)).toEqual([f]);
    expect(r.all["meter.unknown"]).toBe(1);
    const far = h.run(f, 3, new ActionList().meter(0xffffffff).output(1).bytes());
    expect(far.tx.get(1)).toEqual([f]);
    expect(h.fp.actionsListCheck(h.scratchWrite(new ActionList().meter(1).bytes()), 8)).toBe(-1);
  });

  it("refuses bad configurations and changes nothing", () => {
    const cap = h.fp.meterCapacity();
    expect(configure(cap, PKTPS, [{ type: DROP, rate: 1 }])).toBe(-1);
    expect(configure(1, PKTPS, [{ type: DROP, rate: 0 }])).toBe(-1);
    expect(configure(1, PKTPS, [{ type: 3, rate: 1 }])).toBe(-1);
    const nine = Array.from({ length: h.fp.meterMaxBands() + 1 }, (_, i) => ({ type: DROP, rate: i + 1 }));
    expect(configure(1, PKTPS, nine)).toBe(-1);
    expect(h.fp.meterIsDefined(1)).toBe(false);
    expect(configure(1, PKTPS, [])).toBe(0); // a meter with no band only counts
    const f = encodeFrame(udpFrame());
    expect(send(1, f, 5)).toBe(5);
    expect(h.fp.meterPacketsIn(1)).toBe(5n);
  });

  it("modify keeps the counters and refills the buckets; delete forgets the meter", () => {
    configure(8, PKTPS | BURST, [{ type: DROP, rate: 1, burst: 2 }]);
    const f = encodeFrame(udpFrame());
    expect(send(8, f, 4)).toBe(2);
    configure(8, PKTPS | BURST, [{ type: DROP, rate: 1, burst: 3 }]);
    expect(send(8, f, 4)).toBe(3);
    expect(h.fp.meterPacketsIn(8)).toBe(8n);
    expect(h.fp.meterBandPackets(8, 0)).toBe(3n);
    expect(h.fp.meterBandCount(8)).toBe(1);
    expect(h.fp.meterRemove(8)).toBe(true);
    expect(h.fp.meterRemove(8)).toBe(false);
    expect(h.fp.meterPacketsIn(8)).toBe(0n);
    expect(send(8, f, 4)).toBe(4); // undefined now: passes
  });

  it("a clock that goes backwards refills nothing", () => {
    configure(10, PKTPS | BURST, [{ type: DROP, rate: 1000, burst: 1 }]);
    const f = encodeFrame(udpFrame());
    expect(send(10, f, 2)).toBe(1);
    advanceUs(-500_000);
    expect(send(10, f, 1)).toBe(0);
    advanceUs(500_001); // back past the last time by 1 µs: 1/1000 packet, not enough
    expect(send(10, f, 1)).toBe(0);
  });
});
