// Translation of the MPLS actions and the TTL copies (src/ofproto/xlate/xlate-mpls.ts): the exact
// datapath records and megaflow mask, the flow a later table sees after push_mpls, the
// fail-closed cases after pop_mpls and for clones, and the frames the real fast path sends.

import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { Action } from "../../../../openflow/actions/actions.ts";
import type { OxmBasic } from "../../../../openflow/match/match.ts";
import { OFPGT_TYPES } from "../../../../openflow/messages/group-mod.ts";
import { ActionList, DROP_REASON, describeActions } from "../../../../src/datapath/datapath-actions.ts";
import { createFastPath, type FastPath } from "../../../../src/datapath/fastpath-module.ts";
import { KEY, KEY_SIZE, KeyMask, PRESENT } from "../../../../src/datapath/flow-key.ts";
import { PipelineFlow } from "../../../../src/ofproto/pipeline-flow.ts";
import { PACKET_IN_REASON } from "../../../../src/ofproto/xlate/controller-userdata.ts";
import { type XlateResult, xlatePipeline } from "../../../../src/ofproto/xlate/xlate.ts";
import { drainTx, drainUpcalls, packetIn } from "../../../support/fastpath-io.ts";
import {
  addRule,
  apply,
  DP,
  env,
  FixedTables,
  type FrameSpec,
  flowOf,
  frame,
  Groups,
  goto,
  grp,
  m,
  macBytes,
  out,
  parseKey,
  popMpls,
  ports,
  pushMpls,
  realTables,
  setf,
  write,
} from "./xlate-harness.ts";

let fp: FastPath;
beforeAll(async () => {
  fp = await createFastPath({ buffers: 64 });
});

const base = () => new KeyMask().inPort().presentBits(PRESENT.ETH);
const mplsRead = (mk: KeyMask) => mk.presentBits(PRESENT.MPLS).field(KEY.ETH_TYPE, 2);

function expectXlate(r: XlateResult, list: ActionList, mask: KeyMask): void {
  expect(r.failed, r.trace.text()).toBeUndefined();
  expect(describeActions(r.actions)).toBe(describeActions(list.bytes()));
  expect(r.actions).toEqual(list.bytes());
  expect(r.mask).toEqual(mask.bytes);
}

function run(instructions: Parameters<FixedTables["set"]>[1], f: FrameSpec = {}, groups = new Groups()) {
  const t = new FixedTables().set(0, instructions);
  return xlatePipeline(env(t, ports(4), groups), flowOf(fp, f, 1));
}

/** Runs `actions` over `bytes` from datapath port DP(1): the frames each port sent, as hex. */
function execute(bytes: Uint8Array, actions: Uint8Array): Record<number, string[]> {
  const list = fp.classifyScratch() + 2 * KEY_SIZE;
  new Uint8Array(fp.memory.buffer, list, actions.length).set(actions);
  fp.dpExecute(packetIn(fp, bytes), DP(1), list, actions.length);
  const tx: Record<number, string[]> = {};
  for (const [p, fs] of drainTx(fp)) tx[p] = fs.map((b) => Buffer.from(b).toString("hex"));
  return tx;
}

const lseBytes = (label: number, tc: number, bos: number, ttl: number) => {
  const v = ((label << 12) | (tc << 9) | (bos << 8) | ttl) >>> 0;
  return Buffer.from([v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]).toString("hex");
};

describe("push_mpls and set_field on MPLS fields", () => {
  it("push + set label: two records; reads presence, eth_type and the DSCP's low bits", () => {
    const r = run([apply(pushMpls(), setf("mpls_label", 1000), out(2))], { tos: 0xb8, ttl: 17 });
    const mask = mplsRead(base()).presentBits(PRESENT.IPV4 | PRESENT.IPV6);
    mask.bytes[KEY.IP_TOS] |= 0x1c;
    expectXlate(
      r,
      new ActionList()
        .pushMpls(0x8847)
        .setMplsLse(1000 << 12, 0xfffff000)
        .output(DP(2)),
      mask,
    );
    // The frame leaving port 2: MAC, type 0x8847, label 1000 / tc 6 (DSCP 46 & 7) / bos / ttl 17.
    const f = frame({ tos: 0xb8, ttl: 17 });
    const sent = execute(f, r.actions)[DP(2)][0];
    const fh = Buffer.from(f).toString("hex");
    expect(sent).toBe(`${fh.slice(0, 24)}8847${lseBytes(1000, 6, 1, 17)}${fh.slice(28)}`);
  });

  it("lazy rewrites land before the push; IP rewrites after it are skipped (the flow is MPLS now)", () => {
    const r = run([
      apply(
        setf("ipv4_dst", 0x0a000063),
        pushMpls(0x8848),
        setf("ipv4_src", 0x01010101),
        { type: "dec_nw_ttl" },
        setf("mpls_tc", 5),
        out(2),
      ),
    ]);
    expect(r.failed).toBeUndefined();
    expect(describeActions(r.actions)).toBe(
      "set_ipv4_dst:10.0.0.99,push_mpls:0x8848,set_mpls_lse(0xa00/0xe00),output:12",
    );
    expect(r.trace.text()).toMatch(/set_field ipv4_src=.*skipped/);
    expect(r.trace.text()).toMatch(/dec_nw_ttl: skipped, the packet is MPLS now/);
  });

  it("push on an MPLS packet copies the top entry with bos clear (label, tc, bos read)", () => {
    const r = run([apply(pushMpls(), out(2))], { mpls: [{ label: 77, tc: 3, ttl: 9 }] });
    const mask = mplsRead(base()).field(KEY.MPLS_LSE, 3);
    expectXlate(r, new ActionList().pushMpls(0x8847).output(DP(2)), mask);
    const f = frame({ mpls: [{ label: 77, tc: 3, ttl: 9 }] });
    const fh = Buffer.from(f).toString("hex");
    expect(execute(f, r.actions)[DP(2)][0]).toBe(fh.slice(0, 28) + lseBytes(77, 3, 0, 9) + fh.slice(28));
  });

  it("set_field on an MPLS field of a packet without MPLS is skipped, reading only presence", () => {
    const r = run([apply(setf("mpls_label", 5), out(2))]);
    expectXlate(r, new ActionList().output(DP(2)), mplsRead(base()));
  });

  it("a later table sees the pushed packet: MPLS eth_type and label, no IP fields", () => {
    const t = realTables();
    addRule(t, 0, 10, [m("eth_type", 0x0800)], [apply(pushMpls(), setf("mpls_label", 16)), goto(1)]);
    addRule(t, 1, 20, [m("eth_type", 0x8847), m("mpls_label", 16)], [apply(out(3))]);
    addRule(t, 1, 30, [m("eth_type", 0x0800)], [apply(out(4))]);
    addRule(t, 1, 5, [], [apply(out(2))]);
    const r = xlatePipeline(env(t, ports(4)), flowOf(fp, {}, 1));
    expect(r.failed).toBeUndefined();
    expect(describeActions(r.actions)).toBe("push_mpls:0x8847,set_mpls_lse(0x10000/0xfffff000),output:13");
    expect(r.final.key[KEY.ETH_TYPE]).toBe(0x88);
    expect(r.final.present & (PRESENT.IPV4 | PRESENT.MPLS)).toBe(PRESENT.MPLS);
  });
});

describe("pop_mpls", () => {
  it("pop + output: one record, reads presence and eth_type; the fast path sends the inner packet", () => {
    const spec: FrameSpec = { mpls: [{ label: 16 }] };
    const r = run([apply(popMpls(0x0800), out(2))], spec);
    expectXlate(r, new ActionList().popMpls(0x0800).output(DP(2)), mplsRead(base()));
    expect(execute(frame(spec), r.actions)[DP(2)]).toEqual([Buffer.from(frame({})).toString("hex")]);
  });

  it("is skipped on a packet without MPLS", () => {
    const r = run([apply(popMpls(), out(2))]);
    expectXlate(r, new ActionList().output(DP(2)), mplsRead(base()));
  });

  it("then a table lookup, an IP set_field, dec_nw_ttl or push_mpls: fail closed (no recirculation)", () => {
    const spec: FrameSpec = { mpls: [{ label: 16 }] };
    for (const ins of [
      [apply(popMpls()), goto(1)],
      [apply(popMpls(), setf("ipv4_dst", 1), out(2))],
      [apply(popMpls(), { type: "dec_nw_ttl" }, out(2))],
      [apply(popMpls(), pushMpls(), out(2))],
    ]) {
      const r = run(ins, spec);
      expect(r.failed).toMatch(/after pop_mpls.*recirculat/);
      expect(r.actions).toEqual(new ActionList().drop(DROP_REASON.XLATE_FAILED).bytes());
    }
    // L2 rewrites and outputs after a pop are fine.
    const ok = run([apply(popMpls(), setf("eth_dst", macBytes("02:00:00:00:00:99")), out(2))], spec);
    expect(ok.failed).toBeUndefined();
  });
});

describe("TTL actions", () => {
  it("dec_mpls_ttl carries the rule's table and cookie; set_mpls_ttl and the copies are single records", () => {
    const t = new FixedTables()
      .set(0, [goto(2)])
      .set(
        2,
        [
          apply(
            { type: "set_mpls_ttl", ttl: 9 },
            { type: "copy_ttl_in" },
            { type: "dec_mpls_ttl" },
            { type: "copy_ttl_out" },
            out(2),
          ),
        ],
        10,
        0x5n,
      );
    const e = env(t, ports(4));
    const r = xlatePipeline(e, flowOf(fp, { mpls: [{ label: 16, ttl: 1 }] }, 1));
    const ud = new DataView(r.actions.buffer, r.actions.byteOffset).getUint32(12 + 4 + 4, true);
    expectXlate(
      r,
      new ActionList().setMplsLse(9, 0xff).copyTtlIn().decMplsTtl(ud).copyTtlOut().output(DP(2)),
      mplsRead(base()),
    );
    expect(e.controller.decode(ud)).toEqual({
      reason: PACKET_IN_REASON.INVALID_TTL,
      tableId: 2,
      cookie: 5n,
      maxLen: 0xffff,
      metadata: 0n,
      tunnelId: 0n,
    });
  });

  it("on a packet without MPLS they are skipped", () => {
    for (const a of [{ type: "dec_mpls_ttl" }, { type: "copy_ttl_in" }, { type: "copy_ttl_out" }] as const) {
      expectXlate(run([apply(a, out(2))]), new ActionList().output(DP(2)), mplsRead(base()));
    }
  });

  it("the action set runs them in the spec's order (push before set, copy_ttl_out after push)", () => {
    const r = run([write(setf("mpls_label", 7), { type: "copy_ttl_out" }, pushMpls(), out(2))]);
    expect(describeActions(r.actions)).toBe("push_mpls:0x8847,copy_ttl_out,set_mpls_lse(0x7000/0xfffff000),output:12");
  });
});

describe("clones", () => {
  it("an ALL group with MPLS actions in one bucket and not the next fails closed", () => {
    const g = new Groups().add(1, OFPGT_TYPES.ALL, [{ actions: [pushMpls(), out(2)] }, { actions: [out(3)] }]);
    const r = run([apply(grp(1))], {}, g);
    expect(r.failed).toMatch(/cannot undo an MPLS action/);
  });

  it("an INDIRECT or FAST_FAILOVER group's one bucket may push and label (the MPLS fast-reroute shape)", () => {
    for (const type of [OFPGT_TYPES.INDIRECT, OFPGT_TYPES.FF]) {
      const g = new Groups().add(1, type, [{ actions: [pushMpls(), setf("mpls_label", 300), out(2)] }]);
      const r = run([apply(grp(1))], {}, g);
      expect(r.failed, r.trace.text()).toBeUndefined();
      expect(describeActions(r.actions)).toBe("push_mpls:0x8847,set_mpls_lse(0x12c000/0xfffff000),output:12");
    }
  });

  it("MPLS actions before the group are shared by every bucket", () => {
    const g = new Groups().add(1, OFPGT_TYPES.ALL, [{ actions: [out(2)] }, { actions: [out(3)] }]);
    const r = run([apply(pushMpls(), grp(1))], {}, g);
    expect(r.failed).toBeUndefined();
    expect(describeActions(r.actions)).toBe("push_mpls:0x8847,output:12,output:13");
  });
});

describe("soundness with MPLS in the pipeline", () => {
  // Table 0 runs MPLS actions and goes to table 1, whose rules match what the actions made (the
  // pushed entry's label and tc, eth_type): the megaflow mask must cover the ingress bits those
  // came from (the DSCP for a pushed tc, the old top entry for a copied one).
  const t0Action: fc.Arbitrary<Action> = fc.constantFrom(
    pushMpls(),
    popMpls(0x8847),
    setf("mpls_label", 16),
    setf("mpls_tc", 6),
    { type: "dec_mpls_ttl" },
    { type: "copy_ttl_out" },
    setf("ip_dscp", 46),
    { type: "dec_nw_ttl" },
  );
  const t1Match: fc.Arbitrary<OxmBasic[]> = fc.constantFrom(
    [m("eth_type", 0x8847), m("mpls_tc", 6)],
    [m("eth_type", 0x8847), m("mpls_label", 16)],
    [m("eth_type", 0x8847), m("mpls_bos", 0)],
    [m("eth_type", 0x0800)],
    [],
  );
  const specFields = {
    tos: fc.constantFrom(0, 0xb8, 0x18),
    ttl: fc.constantFrom(1, 2, 64),
    mpls: fc.constantFrom(undefined, [{ label: 16, tc: 6 }], [{ label: 17, ttl: 1 }], [{ label: 16 }, { label: 5 }]),
  };
  const arbSpec: fc.Arbitrary<FrameSpec> = fc.record(specFields);
  /** A variation of the first frame: often one field changed, so it often agrees on the mask. */
  const arbVariation: fc.Arbitrary<Partial<FrameSpec>> = fc.record(specFields, { requiredKeys: [] });
  /** Table 0's actions, half of the time led by a push. */
  const arbActs: fc.Arbitrary<Action[]> = fc
    .tuple(fc.boolean(), fc.array(t0Action, { maxLength: 3 }))
    .map(([push, xs]) => (push ? [pushMpls(), ...xs] : xs));

  function run2(bytes: Uint8Array, actions: Uint8Array): { tx: Record<number, string[]>; up: string[] } {
    const tx = execute(bytes, actions);
    return { tx, up: drainUpcalls(fp).map((u) => `${u.reason}/${u.userdata}/${Buffer.from(u.frame).toString("hex")}`) };
  }

  it("any packet equal under the mask leaves as if translated itself", () => {
    let compared = 0;
    fc.assert(
      fc.property(
        arbActs,
        fc.array(fc.tuple(t1Match, fc.integer({ min: 2, max: 4 })), { maxLength: 3 }),
        arbSpec,
        fc.array(arbVariation, { minLength: 12, maxLength: 12 }),
        (acts, t1, first, others) => {
          const t = realTables();
          addRule(t, 0, 10, [], [apply(...acts), goto(1)]);
          for (const [i, [match, port]] of t1.entries()) addRule(t, 1, 10 + i, match, [apply(out(port))]);
          const e = env(t, ports(4));
          const translate = (spec: FrameSpec) => {
            const bytes = frame(spec);
            const key = parseKey(fp, bytes, DP(1));
            return { bytes, key, r: xlatePipeline(e, PipelineFlow.fromKey(key, 1)) };
          };
          const a = translate(first);
          for (const v of others) {
            const b = translate({ ...first, ...v });
            if (!b.key.every((x, i) => (x & a.r.mask[i]) === (a.key[i] & a.r.mask[i]))) continue;
            expect(run2(b.bytes, a.r.actions), `${a.r.trace.text()}\n---\n${b.r.trace.text()}`).toEqual(
              run2(b.bytes, b.r.actions),
            );
            compared++;
          }
        },
      ),
      { numRuns: 400 },
    );
    expect(compared).toBeGreaterThan(400 * 3);
  });
});
