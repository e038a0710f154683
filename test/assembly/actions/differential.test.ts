import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { type Action, encodeActions, executeModel, parsedFrom, SamplerModel } from "../../reference/actions-model.ts";
import { parseModel } from "../../reference/parser-model.ts";
import { arbFrame, arbFrameWithMpls, arbIpv6, encodeFrame, type FrameSpec } from "./frames.ts";
import { ActionHarness, observable } from "./harness.ts";

let h: ActionHarness;
beforeAll(async () => {
  h = await ActionHarness.create(256);
});

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const port16 = fc.integer({ min: 0, max: 0xffff });
const SETS = 4;
const SAMPLERS = 3;

const arbAction: fc.Arbitrary<Action> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ t: fc.constant("output" as const), port: fc.integer({ min: 0, max: 7 }) }) },
  fc.record({ t: fc.constant("output" as const), port: fc.constantFrom(1024, 0xffffffff) }),
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant("output_set" as const),
      set: fc.integer({ min: 0, max: SETS }), // SETS itself is never defined
      excludeIn: fc.boolean(),
    }),
  },
  fc.record({ t: fc.constant("drop" as const), reason: fc.integer({ min: 0, max: 3 }) }),
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant("push_vlan" as const), tpid: fc.constantFrom(0x8100, 0x88a8), tci: port16 }),
  },
  { weight: 2, arbitrary: fc.constant({ t: "pop_vlan" as const }) },
  fc.record({ t: fc.constant("set_vid" as const), vid: fc.integer({ min: 0, max: 0xfff }) }),
  fc.record({ t: fc.constant("set_pcp" as const), pcp: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ t: fc.constantFrom("set_eth_src" as const, "set_eth_dst" as const), mac: bytes(6) }),
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constantFrom("set_ipv4_src" as const, "set_ipv4_dst" as const), addr: bytes(4) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constantFrom("set_ipv6_src" as const, "set_ipv6_dst" as const), addr: bytes(16) }),
  },
  fc.record({ t: fc.constant("set_dscp" as const), dscp: fc.integer({ min: 0, max: 63 }) }),
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant("dec_ttl" as const), userdata: fc.integer({ min: 0, max: 0xffffffff }) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant("push_mpls" as const),
      ethertype: fc.constantFrom(0x8847, 0x8848),
    }),
  },
  fc.record({ t: fc.constant("pop_mpls" as const), ethertype: fc.constantFrom(0x0800, 0x86dd, 0x8847, 0x9000) }),
  fc.record({
    t: fc.constant("set_mpls_lse" as const),
    value: fc.integer({ min: 0, max: 0xffffffff }),
    mask: fc.constantFrom(0xfffff000, 0xe00, 0x100, 0xff, 0xffffffff, 0),
  }),
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant("dec_mpls_ttl" as const),
      userdata: fc.integer({ min: 0, max: 0xffffffff }),
    }),
  },
  fc.record({ t: fc.constantFrom("copy_ttl_out" as const, "copy_ttl_in" as const) }),
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constantFrom("set_tp_src" as const, "set_tp_dst" as const), port: port16 }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant("sample" as const),
      sampler: fc.integer({ min: 0, max: SAMPLERS - 1 }),
      rate: fc.integer({ min: 0, max: 3 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant("userspace" as const), userdata: fc.integer({ min: 0, max: 0xffffffff }) }),
  },
  fc.record({ t: fc.constant("meter" as const), slot: fc.integer({ min: 0, max: 0xffffffff }) }),
  // The set-field records 30..44.
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constantFrom(
        "set_ecn" as const,
        "set_ttl" as const,
        "set_icmp4_type" as const,
        "set_icmp4_code" as const,
        "set_icmp6_type" as const,
        "set_icmp6_code" as const,
      ),
      v: fc.integer({ min: 0, max: 255 }),
    }),
  },
  fc.record({ t: fc.constant("set_arp_op" as const), op: port16 }),
  fc.record({ t: fc.constant("set_ipv6_label" as const), label: fc.integer({ min: 0, max: 0xfffff }) }),
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constantFrom(
        "set_arp_spa" as const,
        "set_arp_tpa" as const,
        "set_arp_sha" as const,
        "set_arp_tha" as const,
        "set_nd_target" as const,
        "set_nd_sll" as const,
        "set_nd_tll" as const,
      ),
      addr: bytes(16),
    }),
  },
  // Malformed records, rarely.
  fc.record({
    t: fc.constant("raw" as const),
    type: fc.constantFrom(0, 0x7fff, 1, 12),
    len: fc.constantFrom(0, 6, 8, 400),
    payload: bytes(4),
  }),
);

/** Ethernet/IPv4 ARP frames (the parser's only ARP format), tagged or not. */
const arbArpFrame: fc.Arbitrary<FrameSpec> = fc
  .record({ dst: bytes(6), src: bytes(6), op: port16, body: bytes(20), pad: fc.integer({ min: 0, max: 20 }) })
  .map(({ dst, src, op, body, pad }) => ({
    dst,
    src,
    vlans: [],
    l3: {
      kind: "raw" as const,
      ethType: 0x0806,
      payload: Uint8Array.of(0, 1, 8, 0, 6, 4, op >> 8, op & 0xff, ...body),
    },
    pad,
  }));

/** IPv6 neighbour solicitations / advertisements with random SLL/TLL/other options. */
const arbNdFrame: fc.Arbitrary<FrameSpec> = fc
  .record({
    ip: arbIpv6,
    type: fc.constantFrom(135, 136),
    code: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, fc.constant(1)),
    target: bytes(16),
    options: fc.array(
      fc.record({
        type: fc.constantFrom(1, 2, 3),
        units: fc.constantFrom(0, 1, 1, 1, 2),
        fill: fc.integer({ min: 0, max: 255 }),
      }),
      { maxLength: 3 },
    ),
  })
  .map(({ ip, type, code, target, options }) => {
    const opts = options.flatMap((o) => [o.type, o.units, ...Array(Math.max(o.units * 8, 8) - 2).fill(o.fill)]);
    const payload = Uint8Array.of(0, 0, 0, 0, ...target, ...opts);
    return {
      dst: ip.src.slice(0, 6),
      src: ip.dst.slice(0, 6),
      vlans: [],
      l3: { ...ip, hopByHop: false, frag: null, l4: { kind: "icmp" as const, type, code, payload } },
      pad: 0,
    };
  });

const arbAnyFrame = fc.oneof({ weight: 4, arbitrary: arbFrame }, arbArpFrame, arbNdFrame);

const arbSets = fc.array(fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 6 }), {
  minLength: SETS,
  maxLength: SETS,
});

describe("WASM executor vs the reference model", () => {
  it("agrees on every port's bytes, the upcalls, the counters and the sampler stats", () => {
    fc.assert(
      fc.property(
        fc.oneof(arbFrameWithMpls, arbAnyFrame),
        fc.array(arbAction, { maxLength: 12 }),
        arbSets,
        fc.integer({ min: 0, max: 9 }),
        (spec, list, sets, inPort) => {
          const frame = encodeFrame(spec);
          const portSets = new Map<number, number[]>();
          sets.forEach((ports, s) => {
            const kept = [...new Set(ports)];
            expect(h.defineSet(s, ports)).toBe(kept.length);
            portSets.set(s, kept);
          });
          h.fp.actionsSamplerReset();
          const sampler = new SamplerModel();

          const { wasm, model: parsed } = h.parsedBoth(frame, inPort);
          expect(wasm).toEqual(parsed); // the parsers agree, so differences below are the executor's

          const bytesList = encodeActions(list);
          const r = h.run(frame, inPort, bytesList);
          expect(r.audit).toBe(0);
          expect(r.leaked).toBe(0);
          const m = executeModel(frame, parsed, bytesList, { portSets, sampler });
          expect(observable(r)).toEqual(observable(m));
          for (let s = 0; s < SAMPLERS; s++) {
            const st = sampler.stats.get(s) ?? { pool: 0, taken: 0 };
            expect(h.fp.actionsSamplerPool(s)).toBe(BigInt(st.pool));
            expect(h.fp.actionsSamplerTaken(s)).toBe(BigInt(st.taken));
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("agrees on multi-output lists with rewrites between outputs", () => {
    const rewrite = arbAction.filter(
      (a) =>
        a.t.startsWith("set_") ||
        a.t.endsWith("_vlan") ||
        a.t.endsWith("_mpls") ||
        a.t.startsWith("copy_ttl") ||
        a.t === "dec_ttl" ||
        a.t === "dec_mpls_ttl",
    );
    const out = fc.record({ t: fc.constant("output" as const), port: fc.integer({ min: 0, max: 3 }) });
    fc.assert(
      fc.property(
        fc.oneof(arbFrameWithMpls, arbAnyFrame),
        fc.array(fc.tuple(fc.array(rewrite, { maxLength: 3 }), out), { minLength: 2, maxLength: 6 }),
        (spec, steps) => {
          const frame = encodeFrame(spec);
          const list: Action[] = steps.flatMap(([rw, o]) => [...rw, o]);
          const bytesList = encodeActions(list);
          const m0 = parseModel(frame, 1);
          const r = h.run(frame, 1, bytesList);
          expect(r.audit).toBe(0);
          expect(r.leaked).toBe(0);
          const m = executeModel(frame, parsedFrom(m0.key, m0.l3, m0.l4), bytesList, {
            portSets: new Map(),
            sampler: new SamplerModel(),
          });
          expect(observable(r)).toEqual(observable(m));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("model and WASM stay in step on the sampling stream across many packets", () => {
    h.fp.actionsSamplerReset();
    const model = new SamplerModel();
    const frame = encodeFrame(fc.sample(arbFrame, { numRuns: 1, seed: 7 })[0]);
    const list = encodeActions([
      { t: "sample", sampler: 0, rate: 3 },
      { t: "sample", sampler: 1, rate: 100 },
    ]);
    let taken = 0;
    for (let i = 0; i < 3000; i++) {
      const r = h.run(frame, 0, list);
      const want = [model.hit(0, 3), model.hit(1, 100)].filter(Boolean).length;
      expect(r.upcalls.length).toBe(want);
      taken += want;
    }
    expect(h.fp.actionsSamplerTaken(0) + h.fp.actionsSamplerTaken(1)).toBe(BigInt(taken));
    expect(h.fp.actionsSamplerPool(0)).toBe(3000n);
    // 1-in-3 over 3000: far from 0 and from all.
    expect(Number(h.fp.actionsSamplerTaken(0))).toBeGreaterThan(850);
    expect(Number(h.fp.actionsSamplerTaken(0))).toBeLessThan(1150);
  });
});
