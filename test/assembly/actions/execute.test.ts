import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { type Action, encodeActions, UPCALL } from "../../reference/actions-model.ts";
import { FIXTURES, ip6 } from "./fixtures.ts";
import { cloneSpec, encodeFrame, type FrameSpec } from "./frames.ts";
import { ActionHarness, hex, type RunResult } from "./harness.ts";
import { applyToSpec } from "./spec-effects.ts";

let h: ActionHarness;
beforeAll(async () => {
  h = await ActionHarness.create(256);
});

const frameOf = (name: keyof typeof FIXTURES) => encodeFrame(FIXTURES[name].spec);
const run = (frame: Uint8Array, list: Action[], inPort = 9): RunResult => {
  const r = h.run(frame, inPort, encodeActions(list));
  expect(r.audit).toBe(0);
  expect(r.leaked).toBe(0);
  return r;
};
const expectedAfter = (spec: FrameSpec, ...actions: Action[]): Uint8Array => {
  let s = cloneSpec(spec);
  let out = encodeFrame(s);
  for (const a of actions) {
    const e = applyToSpec(s, a);
    if (e.kind !== "frame") throw new Error("unexpected expiry");
    out = e.bytes;
    s = respec(s, a);
  }
  return out;
};
/** The spec after a rewrite (applyToSpec returns bytes; this mirrors it for chaining). */
function respec(s: FrameSpec, a: Action): FrameSpec {
  const n = cloneSpec(s);
  if (a.t === "push_vlan") n.vlans.unshift({ tpid: a.tpid, tci: a.tci });
  else if (a.t === "pop_vlan") n.vlans.shift();
  else if (a.t === "set_vid" && n.vlans.length) n.vlans[0].tci = (n.vlans[0].tci & 0xf000) | a.vid;
  else if (a.t === "set_ipv4_dst" && n.l3.kind === "ipv4") n.l3.dst = a.addr;
  else if (a.t === "set_eth_src") n.src = a.mac;
  else if (a.t !== "output") throw new Error(`respec: ${a.t}`);
  return n;
}
const only = (r: RunResult, port: number): string[] => (r.tx.get(port) ?? []).map(hex);

describe("fixtures", () => {
  it("encode to the same bytes as scapy", () => {
    for (const [name, f] of Object.entries(FIXTURES)) expect(hex(encodeFrame(f.spec)), name).toBe(f.scapy);
  });
  it("are parsed by the WASM parser as the reference parser does", () => {
    for (const [name, f] of Object.entries(FIXTURES)) {
      const { wasm, model } = h.parsedBoth(encodeFrame(f.spec), 9);
      expect(wasm, name).toEqual(model);
    }
  });
});

describe("output", () => {
  it("sends the original bytes to one port, nothing counted as a drop", () => {
    const f = frameOf("tcp4Tagged");
    const r = run(f, [{ t: "output", port: 3 }]);
    expect([...r.tx.keys()]).toEqual([3]);
    expect(only(r, 3)).toEqual([hex(f)]);
    expect(r.counters).toEqual({});
    expect(r.all["tx.packets"]).toBe(1);
  });

  it("drops on an empty list (action.drop)", () => {
    const r = run(frameOf("udp4"), []);
    expect(r.tx.size).toBe(0);
    expect(r.counters).toEqual({ "action.drop": 1 });
  });

  it("skips ports >= MAX_PORTS (action.bad_port) and drops if nothing else went out", () => {
    const r = run(frameOf("udp4"), [{ t: "output", port: 1024 }]);
    expect(r.tx.size).toBe(0);
    expect(r.counters).toEqual({ "action.bad_port": 1, "action.drop": 1 });
    const r2 = run(frameOf("udp4"), [
      { t: "output", port: 0xffffffff },
      { t: "output", port: 1023 },
    ]);
    expect([...r2.tx.keys()]).toEqual([1023]);
    expect(r2.counters).toEqual({ "action.bad_port": 1 });
  });

  it("gives each port the packet as modified so far (clone semantics)", () => {
    const spec = FIXTURES.tcp4Tagged.spec;
    const newDst = Uint8Array.of(172, 16, 0, 9);
    const list: Action[] = [
      { t: "output", port: 1 },
      { t: "set_vid", vid: 200 },
      { t: "output", port: 2 },
      { t: "pop_vlan" },
      { t: "output", port: 3 },
      { t: "push_vlan", tpid: 0x88a8, tci: 5 },
      { t: "set_ipv4_dst", addr: newDst },
      { t: "output", port: 4 },
      { t: "output", port: 1 },
    ];
    const r = run(encodeFrame(spec), list);
    const e1 = encodeFrame(spec);
    const e2 = expectedAfter(spec, list[1]);
    const e3 = expectedAfter(spec, list[1], list[3]);
    const e4 = expectedAfter(spec, list[1], list[3], list[5], list[6]);
    expect(only(r, 1)).toEqual([hex(e1), hex(e4)]);
    expect(only(r, 2)).toEqual([hex(e2)]);
    expect(only(r, 3)).toEqual([hex(e3)]);
    expect(only(r, 4)).toEqual([hex(e4)]);
    expect(r.counters).toEqual({});
    expect(r.all["tx.packets"]).toBe(5);
  });

  it("hands the original over at the last use even with rewrites after it", () => {
    const f = frameOf("udp4");
    const before = h.fp.bufferFreeCount();
    const r = run(f, [{ t: "output", port: 7 }, { t: "set_eth_src", mac: new Uint8Array(6) }, { t: "pop_vlan" }]);
    expect(only(r, 7)).toEqual([hex(f)]);
    expect(r.counters).toEqual({});
    expect(h.fp.bufferFreeCount()).toBe(before);
  });

  it("counts a copy the pool cannot give (action.clone_no_buffer) and still accounts every buffer", async () => {
    const small = await ActionHarness.create(4); // scratch + packet + 2 spare
    const f = frameOf("udp4");
    const list = encodeActions([1, 2, 3, 4].map((port) => ({ t: "output", port }) as Action));
    const r = small.run(f, 0, list);
    expect(r.audit).toBe(0);
    expect(r.leaked).toBe(0);
    expect([...r.tx.keys()]).toEqual([1, 2, 4]);
    expect(r.counters).toEqual({ "action.clone_no_buffer": 1 });
  });
});

describe("output sets", () => {
  it("sends to each port of a set, leaving out in_port when asked", () => {
    expect(h.defineSet(7, [1, 2, 3, 2, 1])).toBe(3); // duplicates dropped
    expect([0, 1, 2].map((i) => h.fp.actionsPortSetPort(7, i))).toEqual([1, 2, 3]);
    const f = frameOf("udp6");
    const r = run(f, [{ t: "output_set", set: 7, excludeIn: true }], 2);
    expect([...r.tx.keys()]).toEqual([1, 3]);
    const r2 = run(f, [{ t: "output_set", set: 7, excludeIn: false }], 2);
    expect([...r2.tx.keys()]).toEqual([1, 2, 3]);
    const r3 = run(f, [{ t: "output_set", set: 7, excludeIn: true }], 3); // in_port is the last member
    expect([...r3.tx.keys()]).toEqual([1, 2]);
    expect(r3.counters).toEqual({});
  });

  it("outputs nothing for an undefined or empty set, and rejects bad definitions whole", () => {
    const f = frameOf("udp6");
    expect(run(f, [{ t: "output_set", set: 99, excludeIn: false }]).counters).toEqual({ "action.drop": 1 });
    expect(h.defineSet(8, [5])).toBe(1);
    expect(h.defineSet(8, [5, 1024])).toBe(-1);
    expect(h.fp.actionsPortSetSize(8)).toBe(1);
    expect(h.defineSet(8, [])).toBe(0);
    expect(run(f, [{ t: "output_set", set: 8, excludeIn: false }]).tx.size).toBe(0);
    expect(h.defineSet(9, [4])).toBe(1);
    expect(run(f, [{ t: "output_set", set: 9, excludeIn: true }], 4).counters).toEqual({ "action.drop": 1 });
  });

  it("copies for every member when a later record uses the packet", () => {
    h.defineSet(10, [11, 12]);
    const f = frameOf("tcp4Tagged");
    const r = run(f, [{ t: "output_set", set: 10, excludeIn: false }, { t: "pop_vlan" }, { t: "output", port: 13 }]);
    expect(only(r, 11)).toEqual([hex(f)]);
    expect(only(r, 12)).toEqual([hex(f)]);
    expect(only(r, 13)).toEqual([hex(expectedAfter(FIXTURES.tcp4Tagged.spec, { t: "pop_vlan" }))]);
  });
});

describe("VLAN", () => {
  it("pushes, pops and sets VID/PCP on the outer tag", () => {
    const spec = FIXTURES.udp4.spec;
    const cases: Action[][] = [
      [{ t: "push_vlan", tpid: 0x8100, tci: 0xa00a }],
      [
        { t: "push_vlan", tpid: 0x88a8, tci: 7 },
        { t: "push_vlan", tpid: 0x8100, tci: 9 },
      ],
      [
        { t: "push_vlan", tpid: 0x8100, tci: 1 },
        { t: "set_vid", vid: 0xfff },
      ],
      [
        { t: "push_vlan", tpid: 0x8100, tci: 0xffff },
        { t: "set_pcp", pcp: 2 },
      ],
    ];
    for (const list of cases) {
      const r = run(encodeFrame(spec), [...list, { t: "output", port: 1 }]);
      let s = cloneSpec(spec);
      for (const a of list) {
        const e = applyToSpec(s, a);
        if (e.kind !== "frame") throw new Error();
        s = a.t === "push_vlan" ? respec(s, a) : s;
        if (a.t === "set_pcp" || a.t === "set_vid") expect(only(r, 1)).toEqual([hex(e.bytes)]);
      }
      if (list.every((a) => a.t === "push_vlan")) expect(only(r, 1)).toEqual([hex(encodeFrame(s))]);
    }
  });

  it("pops only the outer tag of a QinQ frame; pop and set on untagged frames do nothing", () => {
    const q = FIXTURES.tcp6QinQ.spec;
    const r = run(encodeFrame(q), [{ t: "pop_vlan" }, { t: "output", port: 1 }]);
    expect(only(r, 1)).toEqual([hex(expectedAfter(q, { t: "pop_vlan" }))]);
    const u = frameOf("udp6");
    const r2 = run(u, [
      { t: "pop_vlan" },
      { t: "set_vid", vid: 5 },
      { t: "set_pcp", pcp: 7 },
      { t: "output", port: 1 },
    ]);
    expect(only(r2, 1)).toEqual([hex(u)]);
  });

  it("keeps layer offsets right: a rewrite after push/pop hits the moved header", () => {
    const spec = FIXTURES.tcp4Tagged.spec;
    const dst = Uint8Array.of(1, 2, 3, 4);
    const list: Action[] = [
      { t: "push_vlan", tpid: 0x88a8, tci: 3 },
      { t: "set_ipv4_dst", addr: dst },
      { t: "pop_vlan" },
      { t: "pop_vlan" },
      { t: "set_eth_src", mac: Uint8Array.of(2, 0, 0, 0, 0, 0x99) },
      { t: "output", port: 1 },
    ];
    const r = run(encodeFrame(spec), list);
    expect(only(r, 1)).toEqual([hex(expectedAfter(spec, ...list.slice(0, 5)))]);
  });

  it("drops a push with no headroom left (action.no_headroom), after the outputs before it", () => {
    const f = frameOf("udp4");
    const push: Action = { t: "push_vlan", tpid: 0x8100, tci: 1 };
    const ok = run(f, [...Array(32).fill(push), { t: "output", port: 1 }]);
    expect(only(ok, 1)[0].length / 2).toBe(f.length + 128);
    const r = run(f, [{ t: "output", port: 2 }, ...Array(33).fill(push), { t: "output", port: 1 }]);
    expect([...r.tx.keys()]).toEqual([2]);
    expect(r.counters).toEqual({ "action.no_headroom": 1 });
  });
});

describe("set-field", () => {
  const cases: [keyof typeof FIXTURES, Action][] = [
    ["tcp4Tagged", { t: "set_eth_src", mac: Uint8Array.of(0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff) }],
    ["tcp4Tagged", { t: "set_eth_dst", mac: Uint8Array.of(1, 2, 3, 4, 5, 6) }],
    ["tcp4Tagged", { t: "set_ipv4_src", addr: Uint8Array.of(203, 0, 113, 7) }],
    ["tcp4Tagged", { t: "set_ipv4_dst", addr: Uint8Array.of(255, 255, 255, 255) }],
    ["udp4", { t: "set_ipv4_src", addr: Uint8Array.of(0, 0, 0, 0) }],
    ["udp4", { t: "set_ipv4_dst", addr: Uint8Array.of(8, 8, 8, 8) }],
    ["sctp4", { t: "set_ipv4_dst", addr: Uint8Array.of(10, 9, 9, 9) }],
    ["udp6", { t: "set_ipv6_src", addr: ip6("fd00::1234") }],
    ["udp6", { t: "set_ipv6_dst", addr: ip6("ff02::1") }],
    ["tcp6QinQ", { t: "set_ipv6_src", addr: ip6("2001:db8:ffff::") }],
    ["icmp6", { t: "set_ipv6_dst", addr: ip6("2001:db8::c") }],
    ["tcp4Tagged", { t: "set_dscp", dscp: 46 }],
    ["udp4", { t: "set_dscp", dscp: 63 }],
    ["udp6", { t: "set_dscp", dscp: 0 }],
    ["tcp4Tagged", { t: "dec_ttl" }],
    ["udp6", { t: "dec_ttl" }],
    ["tcp4Tagged", { t: "set_tp_src", port: 443 }],
    ["udp4", { t: "set_tp_dst", port: 5353 }],
    ["udp6", { t: "set_tp_src", port: 0 }],
    ["tcp6QinQ", { t: "set_tp_dst", port: 65535 }],
    ["sctp4", { t: "set_tp_src", port: 9999 }],
    ["sctp4", { t: "set_tp_dst", port: 1 }],
    // No such layer: nothing changes.
    ["udp6", { t: "set_ipv4_src", addr: Uint8Array.of(1, 1, 1, 1) }],
    ["udp4", { t: "set_ipv6_dst", addr: ip6("::1") }],
    ["icmp6", { t: "set_tp_src", port: 80 }],
  ];
  for (const [name, a] of cases) {
    it(`${a.t} on ${name} gives the bytes a full recomputation gives`, () => {
      const spec = FIXTURES[name].spec;
      const e = applyToSpec(spec, a);
      if (e.kind !== "frame") throw new Error("unexpected expiry");
      const r = run(encodeFrame(spec), [a, { t: "output", port: 5 }]);
      expect(only(r, 5)).toEqual([hex(e.bytes)]);
      expect(r.counters).toEqual({});
    });
  }

  it("leaves a UDP checksum of 0 at 0 (IPv4 and IPv6)", () => {
    for (const name of ["udp4", "udp6"] as const) {
      const spec = cloneSpec(FIXTURES[name].spec);
      if (spec.l3.kind === "raw" || spec.l3.l4.kind !== "udp") throw new Error();
      spec.l3.l4.noCsum = true;
      const list: Action[] =
        spec.l3.kind === "ipv4"
          ? [
              { t: "set_ipv4_src", addr: Uint8Array.of(9, 9, 9, 9) },
              { t: "set_tp_dst", port: 7 },
            ]
          : [
              { t: "set_ipv6_src", addr: ip6("::9") },
              { t: "set_tp_dst", port: 7 },
            ];
      const r = run(encodeFrame(spec), [...list, { t: "output", port: 1 }]);
      const out = r.tx.get(1)?.[0] ?? new Uint8Array();
      const udpAt = name === "udp4" ? 14 + 20 : 14 + 40;
      expect(out.length).toBeGreaterThan(udpAt + 8);
      expect(out[udpAt + 6] | out[udpAt + 7]).toBe(0);
      expect((out[udpAt + 2] << 8) | out[udpAt + 3]).toBe(7);
    }
  });

  it("sends a UDP checksum that comes out 0 as 0xffff", () => {
    // Find an IPv4 destination that makes the full UDP checksum 0 (the builder writes 0xffff).
    const spec = cloneSpec(FIXTURES.udp4.spec);
    if (spec.l3.kind !== "ipv4") throw new Error();
    let addr: Uint8Array | undefined;
    for (let v = 0; v < 0x10000 && !addr; v++) {
      const cand = Uint8Array.of(10, 0, v >> 8, v & 0xff);
      const e = applyToSpec(spec, { t: "set_ipv4_dst", addr: cand });
      if (e.kind === "frame" && e.bytes[40] === 0xff && e.bytes[41] === 0xff) addr = cand;
    }
    if (!addr) throw new Error("no address gives checksum 0");
    const a: Action = { t: "set_ipv4_dst", addr };
    const e = applyToSpec(spec, a);
    if (e.kind !== "frame") throw new Error();
    const r = run(encodeFrame(spec), [a, { t: "output", port: 1 }]);
    expect(only(r, 1)).toEqual([hex(e.bytes)]);
  });

  it("updates only the IPv4 header checksum on a later fragment", () => {
    const spec = cloneSpec(FIXTURES.tcp4Tagged.spec);
    if (spec.l3.kind !== "ipv4") throw new Error();
    spec.l3.fragOffset = 100;
    const a: Action = { t: "set_ipv4_src", addr: Uint8Array.of(1, 2, 3, 4) };
    const e = applyToSpec(spec, a);
    if (e.kind !== "frame") throw new Error();
    const r = run(encodeFrame(spec), [a, { t: "set_tp_src", port: 1 }, { t: "output", port: 1 }]);
    expect(only(r, 1)).toEqual([hex(e.bytes)]);
  });

  it("leaves a cut-short TCP header alone (IP checksum still updated)", () => {
    const spec = cloneSpec(FIXTURES.udp4.spec);
    if (spec.l3.kind !== "ipv4") throw new Error();
    spec.l3.l4 = { kind: "raw", proto: 6, payload: Uint8Array.of(0, 80, 0, 81, 1, 2, 3, 4, 5, 6) }; // 10 of 20 bytes
    const a: Action = { t: "set_ipv4_dst", addr: Uint8Array.of(4, 3, 2, 1) };
    const e = applyToSpec(spec, a);
    if (e.kind !== "frame") throw new Error();
    const r = run(encodeFrame(spec), [a, { t: "set_tp_dst", port: 1 }, { t: "output", port: 1 }]);
    expect(only(r, 1)).toEqual([hex(e.bytes)]);
  });
});

describe("dec TTL", () => {
  it("sends the packet to userspace (UPCALL_TTL) at TTL <= 1 and stops", () => {
    const f = frameOf("udp4"); // TTL 2
    const r = run(f, [{ t: "dec_ttl" }, { t: "output", port: 1 }, { t: "dec_ttl" }, { t: "output", port: 2 }]);
    const once = applyToSpec(FIXTURES.udp4.spec, { t: "dec_ttl" });
    if (once.kind !== "frame") throw new Error();
    expect(only(r, 1)).toEqual([hex(once.bytes)]);
    expect(r.tx.has(2)).toBe(false);
    expect(r.upcalls.map((u) => [u.reason, u.userdata, hex(u.bytes)])).toEqual([[UPCALL.TTL, 0, hex(once.bytes)]]);
    expect(r.counters).toEqual({ "action.ttl_expired": 1 });
    const r6 = run(frameOf("tcp6QinQ"), [{ t: "dec_ttl" }, { t: "output", port: 1 }]); // hop limit 1
    expect(r6.tx.size).toBe(0);
    expect(r6.upcalls.map((u) => u.reason)).toEqual([UPCALL.TTL]);
    expect(hex(r6.upcalls[0].bytes)).toBe(hex(frameOf("tcp6QinQ")));
  });

  it("does nothing to non-IP frames", () => {
    const spec: FrameSpec = {
      ...cloneSpec(FIXTURES.udp4.spec),
      l3: { kind: "raw", ethType: 0x88cc, payload: new Uint8Array(40) },
    };
    const f = encodeFrame(spec);
    expect(only(run(f, [{ t: "dec_ttl" }, { t: "output", port: 1 }]), 1)).toEqual([hex(f)]);
  });
});

describe("userspace, sample, drop", () => {
  it("copies to userspace (UPCALL_ACTION, userdata) and hands over at the last use", () => {
    const f = frameOf("icmp6");
    const r = run(f, [
      { t: "userspace", userdata: 77 },
      { t: "output", port: 1 },
      { t: "userspace", userdata: 78 },
    ]);
    expect(r.upcalls.map((u) => [u.reason, u.userdata, hex(u.bytes)])).toEqual([
      [UPCALL.ACTION, 77, hex(f)],
      [UPCALL.ACTION, 78, hex(f)],
    ]);
    expect(only(r, 1)).toEqual([hex(f)]);
    // The record carries the ingress key.
    expect(new DataView(r.upcalls[0].key.buffer).getUint32(0, true)).toBe(9);
  });

  it("samples 1-in-N with exact per-sampler pools (N=1 all, N=0 none)", () => {
    h.fp.actionsSamplerReset();
    const f = frameOf("udp4");
    for (let i = 0; i < 10; i++) {
      const r = run(f, [
        { t: "sample", sampler: 3, rate: 1 },
        { t: "sample", sampler: 4, rate: 0 },
        { t: "output", port: 1 },
      ]);
      expect(r.upcalls.map((u) => [u.reason, u.userdata])).toEqual([[UPCALL.SAMPLE, 3]]);
      expect(r.counters).toEqual({ "action.sample_pool": 2, "action.sample_taken": 1 });
    }
    expect(h.fp.actionsSamplerPool(3)).toBe(10n);
    expect(h.fp.actionsSamplerTaken(3)).toBe(10n);
    expect(h.fp.actionsSamplerPool(4)).toBe(10n);
    expect(h.fp.actionsSamplerTaken(4)).toBe(0n);
  });

  it("takes about 1 in N, reproducibly after a reseed", () => {
    const f = frameOf("udp4");
    const takeRun = () => {
      const taken: number[] = [];
      for (let i = 0; i < 400; i++) if (run(f, [{ t: "sample", sampler: 5, rate: 4 }]).upcalls.length) taken.push(i);
      return taken;
    };
    h.fp.actionsSamplerReset();
    const a = takeRun();
    expect(h.fp.actionsSamplerPool(5)).toBe(400n);
    expect(h.fp.actionsSamplerTaken(5)).toBe(BigInt(a.length));
    expect(a.length).toBeGreaterThan(60);
    expect(a.length).toBeLessThan(140);
    h.fp.actionsSamplerReset();
    expect(takeRun()).toEqual(a);
  });

  it("counts a sample-only list that takes nothing as a drop", () => {
    h.fp.actionsSamplerReset();
    const r = run(frameOf("udp4"), [{ t: "sample", sampler: 1, rate: 0 }]);
    expect(r.counters).toEqual({ "action.sample_pool": 1, "action.drop": 1 });
  });

  it("drops on A_DROP, counted by reason, after earlier outputs", () => {
    const before = h.fp.actionsDropCount(5);
    const r = run(frameOf("udp4"), [
      { t: "output", port: 1 },
      { t: "drop", reason: 5 },
      { t: "output", port: 2 },
    ]);
    expect([...r.tx.keys()]).toEqual([1]);
    expect(r.counters).toEqual({ "action.drop": 1 });
    expect(h.fp.actionsDropCount(5)).toBe(before + 1n);
  });
});

describe("malformed lists", () => {
  const bad: [string, Action[]][] = [
    ["unknown type", [{ t: "raw", type: 99, len: 4, payload: new Uint8Array(0) }]],
    ["type 0", [{ t: "raw", type: 0, len: 8, payload: new Uint8Array(4) }]],
    ["len not a multiple of 4", [{ t: "raw", type: 1, len: 6, payload: new Uint8Array(4) }]],
    ["len shorter than the payload", [{ t: "raw", type: 12, len: 8, payload: new Uint8Array(16) }]],
    ["len past the end", [{ t: "raw", type: 1, len: 12, payload: new Uint8Array(4) }]],
    ["len 0", [{ t: "raw", type: 1, len: 0, payload: new Uint8Array(4) }]],
  ];
  for (const [what, list] of bad) {
    it(`drops on ${what} (action.bad_action), after the records before it ran`, () => {
      const f = frameOf("tcp4Tagged");
      const bytes = encodeActions([{ t: "output", port: 1 }, ...list]);
      expect(h.fp.actionsListCheck(h.scratchWrite(bytes), bytes.length)).toBe(8);
      const r = h.run(f, 0, bytes);
      expect(r.audit).toBe(0);
      expect(r.leaked).toBe(0);
      expect(only(r, 1)).toEqual([hex(f)]);
      expect(r.counters).toEqual({ "action.bad_action": 1 });
    });
  }
  it("drops on a list ending in a partial header", () => {
    const bytes = new Uint8Array([...encodeActions([{ t: "output", port: 1 }]), 1, 0]);
    const r = h.run(frameOf("udp4"), 0, bytes);
    expect(r.audit).toBe(0);
    expect(r.leaked).toBe(0);
    expect(r.counters).toEqual({ "action.bad_action": 1 });
    expect(r.tx.get(1)?.length).toBe(1);
  });
});

describe("MPLS (frames built by scapy, test/fixtures/scapy-mpls-frames.py)", () => {
  let F: Record<string, string> = {};
  beforeAll(() => {
    const script = fileURLToPath(new URL("../../fixtures/scapy-mpls-frames.py", import.meta.url));
    const r = spawnSync("/usr/bin/python3", [script], { encoding: "utf8" });
    if (r.error || r.status !== 0) {
      throw new Error(`MPLS frames need /usr/bin/python3 with scapy (python3-scapy): ${r.error?.message ?? r.stderr}`);
    }
    F = JSON.parse(r.stdout) as Record<string, string>;
  });
  const frame = (name: string) => Uint8Array.from(Buffer.from(F[name], "hex"));
  const out1 = (name: string, list: Action[]) => only(run(frame(name), [...list, { t: "output", port: 1 }]), 1);

  it("push_mpls composes the entry as OVS does: IPv4 (after the VLAN tag), IPv6, MPLS, non-IP", () => {
    expect(out1("ip4Tagged", [{ t: "push_mpls", ethertype: 0x8847 }])).toEqual([F.ip4TaggedPushed]);
    expect(out1("ip6", [{ t: "push_mpls", ethertype: 0x8848 }])).toEqual([F.ip6Pushed]);
    expect(out1("mpls1", [{ t: "push_mpls", ethertype: 0x8847 }])).toEqual([F.mpls1Pushed]);
    expect(out1("lldp", [{ t: "push_mpls", ethertype: 0x8847 }])).toEqual([F.lldpPushed]);
  });

  it("set the label (masked) and dec the TTL after a push; IP rewrites after it do nothing", () => {
    const list: Action[] = [
      { t: "push_mpls", ethertype: 0x8847 },
      { t: "set_mpls_lse", value: 1000 << 12, mask: 0xfffff000 },
      { t: "dec_mpls_ttl", userdata: 5 },
      { t: "set_ipv4_dst", addr: Uint8Array.of(1, 2, 3, 4) },
      { t: "dec_ttl" },
    ];
    expect(out1("ip4Tagged", list)).toEqual([F.ip4TaggedPushedSet]);
  });

  it("pop_mpls gives the inner packet with the new ethertype; a non-MPLS frame is left alone", () => {
    expect(out1("mpls1", [{ t: "pop_mpls", ethertype: 0x0800 }])).toEqual([F.mpls1Popped]);
    expect(out1("ip6", [{ t: "pop_mpls", ethertype: 0x0800 }])).toEqual([F.ip6]);
    // push then pop is the identity
    expect(
      out1("ip4Tagged", [
        { t: "push_mpls", ethertype: 0x8847 },
        { t: "pop_mpls", ethertype: 0x0800 },
      ]),
    ).toEqual([F.ip4Tagged]);
  });

  it("copy_ttl_in / copy_ttl_out: to and from the next entry, or the IPv4 / IPv6 header beneath", () => {
    expect(out1("mpls1", [{ t: "copy_ttl_in" }])).toEqual([F.mpls1CopyIn]);
    expect(out1("mpls1", [{ t: "copy_ttl_out" }])).toEqual([F.mpls1CopyOut]);
    expect(out1("mpls2", [{ t: "copy_ttl_in" }])).toEqual([F.mpls2CopyIn]);
    expect(out1("mpls2", [{ t: "copy_ttl_out" }])).toEqual([F.mpls2CopyOut]);
    expect(out1("mpls6", [{ t: "copy_ttl_in" }])).toEqual([F.mpls6CopyIn]);
    expect(out1("ip4Tagged", [{ t: "copy_ttl_in" }, { t: "copy_ttl_out" }])).toEqual([F.ip4Tagged]);
  });

  it("dec_mpls_ttl at TTL <= 1 upcalls (UPCALL_TTL) with the record's userdata and stops", () => {
    const r = run(frame("mplsTtl1"), [
      { t: "dec_mpls_ttl", userdata: 0x80123456 },
      { t: "output", port: 1 },
    ]);
    expect(r.tx.size).toBe(0);
    expect(r.upcalls.map((u) => [u.reason, u.userdata, hex(u.bytes)])).toEqual([[UPCALL.TTL, 0x80123456, F.mplsTtl1]]);
    expect(r.counters).toEqual({ "action.ttl_expired": 1 });
  });

  it("dec_ttl's userdata reaches the TTL upcall too", () => {
    const f = frameOf("udp4"); // TTL 2
    const r2 = run(f, [{ t: "dec_ttl" }, { t: "dec_ttl", userdata: 0x4000_0007 }, { t: "output", port: 1 }]);
    expect(r2.upcalls.map((u) => [u.reason, u.userdata])).toEqual([[UPCALL.TTL, 0x4000_0007]]);
  });
});
