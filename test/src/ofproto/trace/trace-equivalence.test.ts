// The trace runs the datapath's translation: for random rule sets and thousands of random
// packets, the megaflow (key and mask) and the datapath actions `wasmvs trace --generate` reports
// are exactly what Ofproto.onMiss hands the datapath for the same packet.
// How: two bridges built identically; every packet is traced on one (with --generate, so NORMAL
// learns as a miss does and both MAC tables stay equal) and missed on the other, whose runtime
// records what it is given. Packets are real frames parsed by the real fast path.

import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { Action } from "../../../../openflow/actions/actions.ts";
import { OFPP } from "../../../../openflow/constants.ts";
import type { Instruction } from "../../../../openflow/instructions.ts";
import { describeActions } from "../../../../src/datapath/datapath-actions.ts";
import { createFastPath, type FastPath } from "../../../../src/datapath/fastpath-module.ts";
import type { FlowModRequest } from "../../../../src/ofproto/flow-mod.ts";
import { policyOf } from "../../../../src/ofproto/normal/vlan-policy.ts";
import { runTrace } from "../../../../src/ofproto/trace/trace.ts";
import { matchArb } from "../rule-arbitraries.ts";
import {
  apply,
  type FrameSpec,
  frame,
  goto,
  macBytes,
  meta,
  out,
  parseKey,
  popVlan,
  setf,
  write,
} from "../xlate/xlate-harness.ts";
import { BRIDGE, flowMod, type TraceBridge, traceBridge } from "./trace-harness.ts";

let fp: FastPath;
beforeAll(async () => {
  fp = await createFastPath({ buffers: 64 });
});

const pick = <T>(xs: readonly T[]) => fc.constantFrom(...xs);
const MACS = ["02:00:00:00:00:01", "02:00:00:00:00:02", "02:00:00:00:00:03", "01:00:5e:00:00:01", "ff:ff:ff:ff:ff:ff"];

const actionArb: fc.Arbitrary<readonly Action[]> = fc.oneof<fc.Arbitrary<readonly Action[]>[]>(
  pick([1, 2, 3, 4, OFPP.NORMAL, OFPP.FLOOD, OFPP.ALL, OFPP.IN_PORT]).map((p) => [out(p)]),
  fc.constant([out(OFPP.CONTROLLER, 64)]),
  pick(MACS).map((m) => [setf("eth_dst", macBytes(m)), out(2)]),
  fc.constant([popVlan, out(3)]),
  fc.constant([setf("ipv4_dst", 0x0a000063), out(OFPP.NORMAL)]),
  fc.constant([]),
);

/** Instructions for a rule of `table` (goto only forward, within tables 0..2). */
const instructionsArb = (table: number): fc.Arbitrary<Instruction[]> =>
  fc
    .record({
      applied: actionArb,
      written: fc.option(actionArb, { nil: undefined }),
      metadata: fc.option(pick([0x10n, 0xff00n]), { nil: undefined }),
      next: fc.boolean(),
    })
    .map((r) => {
      const ins: Instruction[] = [apply(...r.applied)];
      if (r.written) ins.push(write(...r.written));
      if (r.metadata !== undefined) ins.push(meta(r.metadata, 0xffffn));
      if (r.next && table < 2) ins.push(goto(table + 1));
      return ins;
    });

const ruleArb: fc.Arbitrary<FlowModRequest> = fc
  .tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 40 }), matchArb)
  .chain(([tableId, priority, match]) =>
    instructionsArb(tableId).map((instructions) => flowMod({ tableId, priority, match, instructions })),
  );

const frameArb: fc.Arbitrary<{ inPort: number; spec: FrameSpec }> = fc.record({
  inPort: fc.integer({ min: 1, max: 3 }),
  spec: fc.record({
    dst: pick(MACS),
    src: pick(MACS.slice(0, 3)),
    vlans: fc.option(pick([[{ vid: 10 }], [{ vid: 20, pcp: 3 }]]), { nil: undefined }),
    l3: pick(["ipv4", "other"] as const),
    proto: pick([6, 17] as const),
    ipDst: pick(["10.0.0.1", "10.0.1.2", "192.168.0.1"]),
    ttl: pick([1, 64]),
    tos: pick([0, 4]),
    dport: pick([22, 80, 443]),
  }),
});

function build(rules: FlowModRequest[], keepNormal: boolean): TraceBridge {
  const b = traceBridge(fp, 3, { 3: policyOf("access", 20, []) });
  if (!keepNormal) b.of.flowMod(BRIDGE, flowMod({ command: 3 /* DELETE */, tableId: 0xff }));
  for (const r of rules) {
    try {
      b.of.flowMod(BRIDGE, r);
    } catch {
      // refused (e.g. a prerequisite the arbitrary broke): both bridges refuse it alike
    }
  }
  return b;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("trace ≡ datapath", () => {
  it("megaflow key, mask and actions of a trace equal what a miss installs (3,000 packets)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(ruleArb, { maxLength: 12 }),
        fc.boolean(),
        fc.array(frameArb, { minLength: 30, maxLength: 30 }),
        async (rules, keepNormal, packets) => {
          const traced = build(rules, keepNormal);
          const missed = build(rules, keepNormal);
          for (const p of packets) {
            const bytes = frame(p.spec);
            const r = await runTrace(traced.target, { packet: bytes, inPort: String(p.inPort), generate: true });
            const before = missed.rt.installs.length;
            const execBefore = missed.rt.executes.length;
            missed.of.onMiss(p.inPort, parseKey(fp, bytes, p.inPort), bytes);
            if (missed.rt.installs.length > before) {
              const inst = missed.rt.installs[missed.rt.installs.length - 1];
              expect(r.megaflow.key).toBe(hex(inst.key));
              expect(r.megaflow.mask).toBe(hex(inst.mask));
              expect(r.datapathActions).toBe(inst.actions.length === 0 ? "drop" : describeActions(inst.actions));
            } else {
              // Not installed (several NORMAL decisions): the packet was executed with the same actions.
              expect(missed.rt.executes.length).toBe(execBefore + 1);
              const ex = missed.rt.executes[missed.rt.executes.length - 1];
              expect(r.datapathActions).toBe(ex.actions.length === 0 ? "drop" : describeActions(ex.actions));
            }
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
