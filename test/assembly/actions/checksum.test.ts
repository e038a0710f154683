import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { type Action, encodeActions, UPCALL } from "../../reference/actions-model.ts";
import { arbFrame, cloneSpec, crc32c, encodeFrame, type FrameSpec, inetChecksum } from "./frames.ts";
import { ActionHarness, hex } from "./harness.ts";
import { applyToSpec } from "./spec-effects.ts";

let h: ActionHarness;
beforeAll(async () => {
  h = await ActionHarness.create(64);
});

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const port16 = fc.integer({ min: 0, max: 0xffff });

/** Every header-rewriting action, with random values. */
const arbRewrite: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ t: fc.constant("push_vlan" as const), tpid: fc.constantFrom(0x8100, 0x88a8), tci: port16 }),
  fc.constant({ t: "pop_vlan" as const }),
  fc.record({ t: fc.constant("set_vid" as const), vid: fc.integer({ min: 0, max: 0xfff }) }),
  fc.record({ t: fc.constant("set_pcp" as const), pcp: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ t: fc.constantFrom("set_eth_src" as const, "set_eth_dst" as const), mac: bytes(6) }),
  fc.record({ t: fc.constantFrom("set_ipv4_src" as const, "set_ipv4_dst" as const), addr: bytes(4) }),
  fc.record({ t: fc.constantFrom("set_ipv6_src" as const, "set_ipv6_dst" as const), addr: bytes(16) }),
  fc.record({ t: fc.constant("set_dscp" as const), dscp: fc.integer({ min: 0, max: 63 }) }),
  fc.constant({ t: "dec_ttl" as const }),
  fc.record({ t: fc.constantFrom("set_tp_src" as const, "set_tp_dst" as const), port: port16 }),
);

describe("checksum primitives", () => {
  it("computes the internet checksum as RFC 1071 does", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        const p = h.scratchWrite(b);
        // The WASM sums raw little-endian words: its result is the byte-swapped checksum.
        const c = h.fp.actionsInetChecksum(p, b.length, 0);
        const swapped = ((c & 0xff) << 8) | (c >> 8);
        const want = inetChecksum(b);
        // Canonical form: a sum of +0 is read as -0, so 0xffff never comes out.
        expect(swapped).toBe(want === 0xffff ? 0 : want);
      }),
      { numRuns: 300 },
    );
  });

  it("computes CRC32c (check value of '123456789' and random data)", () => {
    const check = new TextEncoder().encode("123456789");
    expect(h.fp.actionsCrc32c(h.scratchWrite(check), check.length) >>> 0).toBe(0xe3069283);
    expect(crc32c(check)).toBe(0xe3069283);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        expect(h.fp.actionsCrc32c(h.scratchWrite(b), b.length) >>> 0).toBe(crc32c(b));
      }),
      { numRuns: 200 },
    );
  });
});

describe("incremental updates equal a full recomputation", () => {
  it("for every rewrite over random frames (IPv4/IPv6, TCP/UDP/SCTP/ICMP, tags, fragments)", () => {
    fc.assert(
      fc.property(arbFrame, arbRewrite, (spec, a) => {
        const frame = encodeFrame(spec);
        const expected = applyToSpec(spec, a);
        const r = h.run(frame, 0, encodeActions([a, { t: "output", port: 1 }]));
        expect(r.audit).toBe(0);
        expect(r.leaked).toBe(0);
        if (expected.kind === "ttl_expired") {
          expect(r.tx.size).toBe(0);
          expect(r.upcalls.map((u) => [u.reason, hex(u.bytes)])).toEqual([[UPCALL.TTL, hex(frame)]]);
        } else {
          expect(r.upcalls).toEqual([]);
          expect((r.tx.get(1) ?? []).map(hex)).toEqual([hex(expected.bytes)]);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it("for chains of rewrites (each step against a full recomputation)", () => {
    fc.assert(
      fc.property(arbFrame, fc.array(arbRewrite, { minLength: 2, maxLength: 6 }), (spec, list) => {
        // SCTP fragments keep a CRC no re-encoding reproduces (single-step test covers them).
        const l3 = spec.l3;
        fc.pre(
          l3.kind === "raw" ||
            l3.l4.kind !== "sctp" ||
            (l3.kind === "ipv4" ? !l3.mf && l3.fragOffset === 0 : l3.frag === null),
        );
        // Run the chain with an output after every step; the reference is re-encoding.
        const actions: Action[] = [];
        for (const [i, a] of list.entries()) actions.push(a, { t: "output", port: i });
        const r = h.run(encodeFrame(spec), 0, encodeActions(actions));
        expect(r.audit).toBe(0);
        expect(r.leaked).toBe(0);
        let s = spec;
        for (let i = 0; i < list.length; i++) {
          const e = applyToSpec(s, list[i]);
          if (e.kind === "ttl_expired") {
            for (let j = i; j < list.length; j++) expect(r.tx.has(j)).toBe(false);
            expect(r.upcalls.length).toBe(1);
            return;
          }
          expect((r.tx.get(i) ?? []).map(hex), `step ${i} ${list[i].t}`).toEqual([hex(e.bytes)]);
          s = specAfter(s, list[i]);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

/** The spec after a rewrite, so chains can be checked step by step (mirrors applyToSpec). */
function specAfter(spec: FrameSpec, a: Action): FrameSpec {
  const s = cloneSpec(spec);
  const l3 = s.l3;
  switch (a.t) {
    case "push_vlan":
      s.vlans.unshift({ tpid: a.tpid, tci: a.tci });
      break;
    case "pop_vlan":
      s.vlans.shift();
      break;
    case "set_vid":
      if (s.vlans.length) s.vlans[0].tci = (s.vlans[0].tci & 0xf000) | (a.vid & 0xfff);
      break;
    case "set_pcp":
      if (s.vlans.length) s.vlans[0].tci = (s.vlans[0].tci & 0x1fff) | ((a.pcp & 7) << 13);
      break;
    case "set_eth_src":
      s.src = a.mac;
      break;
    case "set_eth_dst":
      s.dst = a.mac;
      break;
    case "set_ipv4_src":
    case "set_ipv4_dst":
      if (l3.kind === "ipv4") l3[a.t === "set_ipv4_src" ? "src" : "dst"] = a.addr;
      break;
    case "set_ipv6_src":
    case "set_ipv6_dst":
      if (l3.kind === "ipv6") l3[a.t === "set_ipv6_src" ? "src" : "dst"] = a.addr;
      break;
    case "set_dscp":
      if (l3.kind === "ipv4") l3.tos = (a.dscp << 2) | (l3.tos & 3);
      if (l3.kind === "ipv6") l3.tc = (a.dscp << 2) | (l3.tc & 3);
      break;
    case "dec_ttl":
      if (l3.kind === "ipv4") l3.ttl--;
      if (l3.kind === "ipv6") l3.hlim--;
      break;
    case "set_tp_src":
    case "set_tp_dst": {
      if (l3.kind === "raw") break;
      const later = l3.kind === "ipv4" ? l3.fragOffset !== 0 : l3.frag !== null && l3.frag.offset !== 0;
      const l4 = l3.l4;
      if (!later && (l4.kind === "tcp" || l4.kind === "udp" || l4.kind === "sctp")) {
        l4[a.t === "set_tp_src" ? "sport" : "dport"] = a.port;
      }
      break;
    }
  }
  return s;
}
