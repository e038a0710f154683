// Real frames (scapy-built, test/fixtures/frames/) through the WASM parser: exact key fields,
// layer offsets, counters, every truncation length, and hand-made malformed headers.

import { beforeAll, describe, expect, it } from "vitest";
import { decodeKey, KEY_PADDING, parseModel, ZERO_FIELDS } from "../../reference/parser-model.ts";
import { FRAME_CASES as CASES } from "./frame-cases.ts";
import { counterDelta, hex, loadFrame, ParseHarness } from "./parse-harness.ts";

let h: ParseHarness;
beforeAll(async () => {
  h = await ParseHarness.create();
});

function expectPaddingZero(key: Uint8Array): void {
  expect(KEY_PADDING.map((i) => key[i])).toEqual(KEY_PADDING.map(() => 0));
}

describe("parser: real frames", () => {
  for (const [name, c] of Object.entries(CASES)) {
    it(`${name}: exact key, offsets and counters`, () => {
      const frame = loadFrame(name);
      const before = h.parseCounters();
      const r = h.parse(frame, 7);
      expect(decodeKey(r.key)).toEqual({ ...ZERO_FIELDS, inPort: 7, ...c.fields });
      expectPaddingZero(r.key);
      expect([r.l3, r.l4]).toEqual([c.l3, c.l4]);
      expect(counterDelta(before, h.parseCounters())).toEqual(c.counters ?? ["parse.packets"]);
    });
  }

  it("dpParse over a pool buffer gives the same key and stores l3/l4 in the buffer", () => {
    const fp = h.fp;
    const id = fp.bufferAlloc();
    try {
      for (const name of Object.keys(CASES)) {
        const frame = loadFrame(name);
        new Uint8Array(fp.memory.buffer, fp.bufferData(id), frame.length).set(frame);
        fp.bufferSetLength(id, frame.length);
        const keyPtr = fp.dpParse(id);
        const viaBuffer = new Uint8Array(fp.memory.buffer, keyPtr, 112).slice();
        const direct = h.parse(frame, 0);
        expect(hex(viaBuffer), name).toBe(hex(direct.key));
        expect([fp.bufferL3(id), fp.bufferL4(id)], name).toEqual([CASES[name].l3, CASES[name].l4]);
      }
    } finally {
      fp.bufferFree(id);
    }
  });

  it("every truncation of every frame matches the model, never traps, and flags what it cut", () => {
    let runs = 0;
    for (const name of Object.keys(CASES)) {
      const frame = loadFrame(name);
      const full = parseModel(frame, 3);
      for (let len = 0; len <= frame.length; len++) {
        const cut = frame.subarray(0, len);
        const before = h.parseCounters();
        const got = h.parse(frame, 3, len);
        const want = parseModel(cut, 3);
        const where = `${name} at ${len} bytes`;
        expect(hex(got.key), where).toBe(hex(want.key));
        expect([got.l3, got.l4], where).toEqual([want.l3, want.l4]);
        expect(counterDelta(before, h.parseCounters()), where).toEqual([...want.counters].sort());
        const fields = decodeKey(got.key);
        if (len < 14) expect(fields.present, where).toEqual(["TRUNCATED"]);
        // Whatever a cut changes must be explained by the TRUNCATED flag.
        const differs = hex(got.key) !== hex(full.key) || got.l3 !== full.l3 || got.l4 !== full.l4;
        if (differs) expect(fields.present, where).toContain("TRUNCATED");
        runs++;
      }
    }
    expect(runs).toBeGreaterThan(1000);
  });

  it("clamps frames longer than 65535 bytes and still matches the model", () => {
    const frame = new Uint8Array(65536);
    frame.set(loadFrame("qinq-ipv6-udp"));
    const view = new DataView(frame.buffer);
    view.setUint16(22 + 4, 0xffff); // payload length claims the whole 64 KiB
    const got = h.parse(frame, 1);
    const want = parseModel(frame, 1);
    expect(hex(got.key)).toBe(hex(want.key));
    expect(decodeKey(got.key).present).toContain("TRUNCATED");
    expect([got.l3, got.l4]).toEqual([22, 62]);
  });
});

/** A fixture with some bytes overwritten. */
function patched(name: string, edits: Array<[number, number]>): Uint8Array {
  const f = loadFrame(name);
  for (const [at, v] of edits) f[at] = v;
  return f;
}

describe("parser: malformed headers", () => {
  const cases: Array<[string, Uint8Array, string, string[]]> = [
    ["IPv4 version 5", patched("eth-ipv4-udp", [[14, 0x55]]), "parse.bad_ipv4_version", ["ETH", "MALFORMED"]],
    ["IPv4 IHL 4", patched("eth-ipv4-udp", [[14, 0x44]]), "parse.bad_ipv4_ihl", ["ETH", "MALFORMED"]],
    [
      "IPv4 total length < header",
      patched("eth-ipv4-udp", [
        [16, 0],
        [17, 19],
      ]),
      "parse.bad_ipv4_total_length",
      ["ETH", "MALFORMED"],
    ],
    [
      "IPv4 IHL past the frame",
      patched("arp-request", [
        [12, 0x08],
        [13, 0x00],
        [14, 0x4f],
      ]),
      "parse.truncated_ipv4",
      ["ETH", "TRUNCATED"],
    ],
    ["IPv6 version 4", patched("icmp6-echo", [[14, 0x40]]), "parse.bad_ipv6_version", ["ETH", "MALFORMED"]],
    ["TCP data offset 4", patched("tcp-flags", [[46, 0x40]]), "parse.bad_tcp_offset", ["ETH", "IPV4", "MALFORMED"]],
    [
      "TCP data offset past the end",
      patched("tcp-flags", [[46, 0xf0]]),
      "parse.truncated_l4",
      ["ETH", "IPV4", "TRUNCATED"],
    ],
    ["ARP hlen 8", patched("arp-request", [[18, 8]]), "parse.bad_arp_format", ["ETH", "MALFORMED"]],
    [
      "ND option of length 0",
      patched("nd-ns-sll", [[79, 0]]),
      "parse.bad_nd_option",
      ["ETH", "IPV6", "ICMP6", "ND", "MALFORMED"],
    ],
  ];
  for (const [what, frame, counter, present] of cases) {
    it(`${what}: flagged, counted, offsets only for intact headers`, () => {
      const before = h.parseCounters();
      const r = h.parse(frame);
      const fields = decodeKey(r.key);
      expect(fields.present).toEqual(present);
      expect(counterDelta(before, h.parseCounters())).toEqual(["parse.packets", counter].sort());
      const want = parseModel(frame);
      expect(hex(r.key)).toBe(hex(want.key));
      expect([r.l3, r.l4]).toEqual([want.l3, want.l4]);
      const hasL3 = ["ARP", "IPV4", "IPV6"].some((p) => present.includes(p));
      const hasL4 = ["TCP", "UDP", "SCTP", "ICMP4", "ICMP6"].some((p) => present.includes(p));
      expect([r.l3 !== 0, r.l4 !== 0]).toEqual([hasL3, hasL4]);
    });
  }

  it("an 802.1Q tag cut short leaves its TPID in ETH_TYPE", () => {
    const frame = loadFrame("dot1q-ipv4-tcp");
    const r = h.parse(frame, 0, 16);
    expect(decodeKey(r.key)).toMatchObject({ present: ["ETH", "TRUNCATED"], ethType: 0x8100, vlanTpid: 0 });
  });
  it("MPLS after a VLAN tag: the top label stack entry in MPLS_LSE, nothing beneath it parsed", () => {
    const ip = loadFrame("eth-ipv4-udp");
    const lse = (label: number, tc: number, bos: number, ttl: number) => {
      const v = ((label << 12) | (tc << 9) | (bos << 8) | ttl) >>> 0;
      return [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
    };
    const frame = Uint8Array.from([
      ...ip.subarray(0, 12),
      0x81,
      0x00,
      0x20,
      0x0a, // 802.1Q, PCP 1, VID 10
      0x88,
      0x47,
      ...lse(1000, 5, 0, 64),
      ...lse(16, 0, 1, 9),
      ...ip.subarray(14),
    ]);
    const r = h.parse(frame);
    expect(decodeKey(r.key)).toEqual({
      ...ZERO_FIELDS,
      present: ["ETH", "VLAN", "MPLS"],
      ethDst: decodeKey(h.parse(ip).key).ethDst,
      ethSrc: decodeKey(h.parse(ip).key).ethSrc,
      ethType: 0x8847,
      vlanTpid: 0x8100,
      vlanTci: 0x200a,
      mplsLse: ((1000 << 12) | (5 << 9) | 64) >>> 0,
    });
    expect([r.l3, r.l4]).toEqual([0, 0]);
    expect(hex(r.key)).toBe(hex(parseModel(frame).key));
  });

  it("an MPLS entry cut short: TRUNCATED, parse.truncated_mpls, ETH_TYPE the MPLS type", () => {
    const frame = Uint8Array.from([...new Array(12).fill(2), 0x88, 0x48, 0x00, 0x01, 0x01]);
    const before = h.parseCounters();
    const r = h.parse(frame);
    expect(decodeKey(r.key)).toMatchObject({ present: ["ETH", "TRUNCATED"], ethType: 0x8848, mplsLse: 0 });
    expect(counterDelta(before, h.parseCounters())).toEqual(["parse.packets", "parse.truncated_mpls"].sort());
  });
});
