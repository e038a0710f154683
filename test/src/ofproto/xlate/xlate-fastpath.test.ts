// The translator end to end through the real WASM fast path: a packet misses, is translated,
// the megaflow is installed and the packet executed; later packets hit the megaflow. Then the
// soundness property: any packet that agrees with a translated one on the mask's bits, run
// through that translation's actions, leaves exactly as if it had been translated itself.

import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { Action } from "../../../../openflow/actions/actions.ts";
import { OFPP } from "../../../../openflow/constants.ts";
import type { Instruction } from "../../../../openflow/instructions.ts";
import type { OxmBasic } from "../../../../openflow/match/match.ts";
import { OFPGT_TYPES } from "../../../../openflow/messages/group-mod.ts";
import { createFastPath, type FastPath } from "../../../../src/datapath/fastpath-module.ts";
import { KEY_SIZE } from "../../../../src/datapath/flow-key.ts";
import { PipelineFlow } from "../../../../src/ofproto/pipeline-flow.ts";
import { xlatePipeline } from "../../../../src/ofproto/xlate/xlate.ts";
import { drainTx, drainUpcalls, packetIn } from "../../../support/fastpath-io.ts";
import {
  addRule,
  apply,
  DP,
  env,
  type FrameSpec,
  frame,
  Groups,
  goto,
  grp,
  m,
  macBytes,
  out,
  parseKey,
  popMpls,
  popVlan,
  ports,
  pushMpls,
  pushVlan,
  realTables,
  setf,
  write,
} from "./xlate-harness.ts";

let fp: FastPath;
beforeAll(async () => {
  fp = await createFastPath({ buffers: 512 });
});

type Outputs = Record<number, string[]>;
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** Runs `actions` over `bytes` received on datapath port `dpPort`; what each port sent, and upcalls. */
function execute(bytes: Uint8Array, dpPort: number, actions: Uint8Array): { tx: Outputs; up: string[] } {
  const list = fp.classifyScratch() + 2 * KEY_SIZE;
  new Uint8Array(fp.memory.buffer, list, actions.length).set(actions);
  fp.dpExecute(packetIn(fp, bytes), dpPort, list, actions.length);
  const tx: Outputs = {};
  for (const [p, fs] of drainTx(fp)) tx[p] = fs.map(hex);
  return { tx, up: drainUpcalls(fp).map((u) => `${u.reason}/${u.userdata}/${hex(u.frame)}`) };
}

describe("end to end through the fast path", () => {
  it("a miss is translated, installed as a megaflow, executed; the next packet hits the megaflow", () => {
    const t = realTables();
    addRule(t, 0, 10, [m("in_port", 1), m("vlan_vid", 0)], [apply(pushVlan(), setf("vlan_vid", 0x1000 | 30)), goto(1)]);
    addRule(
      t,
      1,
      10,
      [m("eth_type", 0x0800), m("ipv4_dst", 0x0a000002)],
      [write(setf("ipv4_dst", 0x0a000063), out(3))],
    );
    addRule(t, 1, 5, [], [apply(out(2))]);
    const e = env(t);
    const send = (f: FrameSpec) => {
      const id = packetIn(fp, frame(f));
      new Uint32Array(fp.memory.buffer, fp.dpRxIds(), 1)[0] = id;
      const misses = fp.dpProcessBatch(DP(1), 1, 0);
      const scratch = fp.classifyScratch();
      for (let i = 0; i < misses; i++) {
        const key = new Uint8Array(fp.memory.buffer, fp.dpMissKey(i), KEY_SIZE).slice();
        const r = xlatePipeline(e, PipelineFlow.fromKey(key, 1));
        const mem = new Uint8Array(fp.memory.buffer);
        mem.set(key, scratch);
        mem.set(r.mask, scratch + KEY_SIZE);
        mem.set(r.actions, scratch + 2 * KEY_SIZE);
        expect(
          fp.megaflowInsert(scratch, scratch + KEY_SIZE, scratch + 2 * KEY_SIZE, r.actions.length),
        ).toBeGreaterThanOrEqual(0);
        fp.dpExecuteMiss(i, scratch + 2 * KEY_SIZE, r.actions.length);
      }
      return { misses, tx: drainTx(fp) };
    };
    const a = send({ ipDst: "10.0.0.2", sport: 1 });
    expect(a.misses).toBe(1);
    const sent = a.tx.get(DP(3))?.[0] as Uint8Array;
    expect([...sent.subarray(12, 16)]).toEqual([0x81, 0x00, 0x00, 30]); // tagged VLAN 30
    expect([...sent.subarray(16 + 2 + 16, 16 + 2 + 20)]).toEqual([10, 0, 0, 99]); // rewritten ipv4_dst
    // Another source port: same megaflow (ports were never read).
    const b = send({ ipDst: "10.0.0.2", sport: 2 });
    expect(b.misses).toBe(0);
    expect(b.tx.get(DP(3))).toHaveLength(1);
    // Another destination: another megaflow, to port 2.
    const c = send({ ipDst: "10.0.0.3" });
    expect(c.misses).toBe(1);
    expect(c.tx.get(DP(2))?.[0].subarray(12, 16)).toEqual(Uint8Array.of(0x81, 0, 0, 30));
  });
});

// --- the soundness property -------------------------------------------------------------------------

const MACS = ["02:00:00:00:00:01", "02:00:00:00:00:02", "ff:ff:ff:ff:ff:ff"];
const IPS = ["10.0.0.1", "10.0.0.2"];

const FRAME_FIELDS = {
  dst: fc.constantFrom(...MACS),
  src: fc.constantFrom(...MACS.slice(0, 2)),
  vlans: fc.constantFrom([], [{ vid: 10 }], [{ vid: 20, pcp: 3 }], [{ vid: 10 }, { vid: 5 }]),
  l3: fc.constantFrom("ipv4" as const, "arp" as const, "other" as const),
  proto: fc.constantFrom(1 as const, 6 as const, 17 as const),
  ipSrc: fc.constantFrom(...IPS),
  ipDst: fc.constantFrom(...IPS),
  ttl: fc.constantFrom(1, 2, 64),
  tos: fc.constantFrom(0, 0xb8),
  sport: fc.constantFrom(1000, 1001, 1002),
  dport: fc.constantFrom(53, 80),
  mpls: fc.constantFrom(
    undefined,
    undefined,
    [{ label: 16 }],
    [{ label: 17, tc: 3, ttl: 1 }],
    [{ label: 16, ttl: 2 }, { label: 5 }],
  ),
};
type Frame = { spec: FrameSpec; port: number };
const arbFrame: fc.Arbitrary<Frame> = fc.record({
  port: fc.integer({ min: 1, max: 3 }),
  spec: fc.record(FRAME_FIELDS),
});
/** A variation of another frame: a few fields (often none) changed — so it often agrees on the mask. */
const arbVariation: fc.Arbitrary<{ spec: Partial<FrameSpec>; port?: number }> = fc.record(
  { port: fc.integer({ min: 1, max: 3 }), spec: fc.record(FRAME_FIELDS, { requiredKeys: [] }) },
  { requiredKeys: ["spec"] },
);

const arbMatch: fc.Arbitrary<OxmBasic[]> = fc
  .subarray([
    m("in_port", 1),
    m("eth_dst", macBytes(MACS[1])),
    m("vlan_vid", 0),
    m("vlan_vid", 0x1000 | 10),
    m("eth_type", 0x0800),
    m("ipv4_dst", 0x0a000002),
    m("udp_dst", 53),
    m("eth_type", 0x8847),
    m("mpls_label", 16),
    m("mpls_tc", 6),
    m("eth_type", 0x0806),
    m("ip_proto", 1),
  ])
  .map((ms) => {
    const seen = new Set<string>();
    return ms.filter((x) => !seen.has(x.name) && seen.add(x.name));
  });

const arbAction: fc.Arbitrary<Action> = fc.oneof(
  fc.integer({ min: 1, max: 4 }).map((p) => out(p)),
  fc.constantFrom(
    out(OFPP.FLOOD),
    out(OFPP.IN_PORT),
    out(OFPP.CONTROLLER, 64),
    setf("eth_dst", macBytes("02:00:00:00:00:99")),
    setf("ipv4_src", 0x0a0a0a0a),
    setf("udp_dst", 99),
    setf("tcp_src", 88),
    setf("ip_dscp", 10),
    setf("vlan_vid", 0x1000 | 30),
    setf("vlan_pcp", 5),
    setf("ip_ecn", 2),
    setf("icmpv4_type", 0),
    setf("icmpv4_code", 5),
    setf("arp_op", 2),
    setf("arp_tpa", 0x0a000063),
    setf("arp_sha", macBytes("02:00:00:00:00:55")),
    { type: "set_nw_ttl", ttl: 5 },
    { type: "set_nw_ttl", ttl: 200 },
    pushVlan(),
    pushVlan(0x88a8),
    popVlan,
    { type: "dec_nw_ttl" },
    pushMpls(),
    pushMpls(0x8848),
    popMpls(0x0800),
    popMpls(0x8847),
    setf("mpls_label", 99),
    setf("mpls_tc", 2),
    setf("mpls_bos", 0),
    { type: "set_mpls_ttl", ttl: 3 },
    { type: "dec_mpls_ttl" },
    { type: "copy_ttl_in" },
    { type: "copy_ttl_out" },
    grp(1),
    grp(2),
  ),
);

const arbInstructions = (tableId: number): fc.Arbitrary<Instruction[]> =>
  fc
    .record({
      applied: fc.array(arbAction, { maxLength: 4 }),
      written: fc.array(arbAction, { maxLength: 2 }),
      next: tableId < 2 ? fc.option(fc.integer({ min: tableId + 1, max: 2 })) : fc.constant(null),
    })
    .map(({ applied, written, next }) => [
      apply(...applied),
      write(...written),
      ...(next !== null ? [goto(next)] : []),
    ]);

const arbRule = fc.integer({ min: 0, max: 2 }).chain((tableId) =>
  fc.record({
    tableId: fc.constant(tableId),
    priority: fc.integer({ min: 0, max: 3 }),
    match: arbMatch,
    ins: arbInstructions(tableId),
  }),
);

const groups = new Groups()
  .add(1, OFPGT_TYPES.ALL, [
    { actions: [setf("eth_src", macBytes("02:00:00:00:00:77")), out(2)] },
    { actions: [popVlan, out(3)] },
  ])
  .add(2, OFPGT_TYPES.SELECT, [
    { weight: 1, actions: [out(2)] },
    { weight: 1, actions: [setf("ipv4_dst", 0x0a000909), setf("ip_ecn", 1), { type: "set_nw_ttl", ttl: 9 }, out(4)] },
  ]);

describe("soundness of the megaflow mask", () => {
  it("every packet equal under the mask gets the same outputs from the megaflow as from its own translation", () => {
    let compared = 0;
    fc.assert(
      fc.property(
        fc.array(arbRule, { maxLength: 8 }),
        arbFrame,
        fc.array(arbVariation, { minLength: 30, maxLength: 30 }),
        (rules, first, variations) => {
          const t = realTables();
          for (const r of rules) addRule(t, r.tableId, r.priority, r.match, r.ins, 7n);
          const e = env(t, ports(4), groups);
          const translate = (f: Frame) => {
            const bytes = frame(f.spec);
            const key = parseKey(fp, bytes, DP(f.port));
            return { bytes, key, r: xlatePipeline(e, PipelineFlow.fromKey(key, f.port)) };
          };
          const a = translate(first);
          for (const v of variations) {
            const o: Frame = { port: v.port ?? first.port, spec: { ...first.spec, ...v.spec } };
            const b = translate(o);
            if (!b.key.every((x, i) => (x & a.r.mask[i]) === (a.key[i] & a.r.mask[i]))) continue;
            const viaMegaflow = execute(b.bytes, DP(o.port), a.r.actions);
            const direct = execute(b.bytes, DP(o.port), b.r.actions);
            expect(viaMegaflow, `${a.r.trace.text()}\n---\n${b.r.trace.text()}`).toEqual(direct);
            compared++;
          }
        },
      ),
      { numRuns: 1000 },
    );
    // The property compares often enough to mean something (not only the packet itself).
    expect(compared).toBeGreaterThan(1000 * 5);
  });
});
