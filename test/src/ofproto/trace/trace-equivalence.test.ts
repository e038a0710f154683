// The trace runs the datapath's translation: for random rule sets (tables with goto and
// write-metadata, groups of every kind, push/pop VLAN, L2/L3/L4 set-field, dec_ttl, NORMAL,
// FLOOD, CONTROLLER) and thousands of random packets (IPv4 TCP/UDP frames, and flows typed as
// text: IPv6, ARP, IPv4), the megaflow (key and mask) and the datapath actions
// `wasmvs trace --generate` reports are exactly what the real WASM fast path ends up holding
// after the same packet missed in it, and the packets that fast path sent are the ones the
// trace's actions send.
// How: one bridge (Ofproto) attached to a runtime that drives a real fast-path instance in
// process: each packet is first traced (with --generate, so NORMAL learns as the miss would,
// and a trace never interns userdata so the miss sees the same table), then handed to
// dpProcessBatch; its miss goes to Ofproto.onMiss, whose install lands in the fast path's
// megaflow table (megaflowInsert) and whose packet is executed there (dpExecuteMiss). The test
// then dumps that megaflow from the fast path (key, mask, actions) and compares it with the
// trace; it runs the trace's own actions over a copy of the packet (dpExecute) and compares
// what each port sent; and it sends the packet again, which must hit the megaflow (no miss)
// and leave the same way.

import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { Action } from "../../../../openflow/actions/actions.ts";
import { OFPG_ANY, OFPP } from "../../../../openflow/constants.ts";
import type { Instruction } from "../../../../openflow/instructions.ts";
import type { Bucket } from "../../../../openflow/messages/group-buckets.ts";
import { OFPGC, OFPGT_TYPES } from "../../../../openflow/messages/group-mod.ts";
import { describeActions } from "../../../../src/datapath/datapath-actions.ts";
import { createFastPath, type FastPath } from "../../../../src/datapath/fastpath-module.ts";
import { KEY_SIZE } from "../../../../src/datapath/flow-key.ts";
import type { DatapathRuntime } from "../../../../src/datapath/runtime/datapath-runtime.ts";
import type { FlowModRequest } from "../../../../src/ofproto/flow-mod.ts";
import { policyOf } from "../../../../src/ofproto/normal/vlan-policy.ts";
import { Ofproto } from "../../../../src/ofproto/ofproto.ts";
import { runTrace, type TraceTarget } from "../../../../src/ofproto/trace/trace.ts";
import type { XlateResult } from "../../../../src/ofproto/xlate/xlate.ts";
import { drainTx, drainUpcalls, packetIn } from "../../../support/fastpath-io.ts";
import { matchArb } from "../rule-arbitraries.ts";
import {
  apply,
  type FrameSpec,
  frame,
  goto,
  grp,
  macBytes,
  meta,
  out,
  parseKey,
  popVlan,
  pushVlan,
  setf,
  write,
} from "../xlate/xlate-harness.ts";
import { BRIDGE, flowMod } from "./trace-harness.ts";

let fp: FastPath;
beforeAll(async () => {
  fp = await createFastPath({ buffers: 256, maxFlows: 1024 });
});

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const mem = () => new Uint8Array(fp.memory.buffer);

/**
 * The DatapathRuntime Ofproto drives, over the in-process fast path: install inserts the
 * megaflow and executes the missed packet with its actions; execute runs the actions only;
 * deleteFlow removes the megaflow. `miss` is the index of the miss being handled.
 */
class FastPathRuntime {
  miss = -1;
  /** Registry handle → fast-path megaflow id. */
  readonly ids = new Map<number, number>();
  lastInstall: { handle: number; id: number } | undefined;
  executes = 0;

  private put(bytes: Uint8Array, at: number): number {
    mem().set(bytes, at);
    return at;
  }
  install(handle: number, key: Uint8Array, mask: Uint8Array, actions: Uint8Array): boolean {
    const s = fp.classifyScratch();
    this.put(key, s);
    this.put(mask, s + KEY_SIZE);
    this.put(actions, s + 2 * KEY_SIZE);
    const id = fp.megaflowInsert(s, s + KEY_SIZE, s + 2 * KEY_SIZE, actions.length);
    if (id < 0) throw new Error(`megaflowInsert refused (${id})`);
    this.ids.set(handle, id);
    this.lastInstall = { handle, id };
    fp.dpExecuteMiss(this.miss, s + 2 * KEY_SIZE, actions.length);
    return true;
  }
  execute(_inPort: number, actions: Uint8Array): boolean {
    const s = fp.classifyScratch() + 2 * KEY_SIZE;
    this.put(actions, s);
    fp.dpExecuteMiss(this.miss, s, actions.length);
    this.executes++;
    return true;
  }
  deleteFlow(handle: number): void {
    const id = this.ids.get(handle);
    if (id !== undefined) fp.megaflowRemove(id);
    this.ids.delete(handle);
  }
}

interface Bridge {
  of: Ofproto;
  rt: FastPathRuntime;
  target: TraceTarget;
  /** The XlateResult of the last trace (the very object runTrace rendered). */
  lastTrace?: XlateResult;
}

const bucket = (actions: Action[], weight = 0): Bucket => ({
  weight,
  watchPort: OFPP.ANY,
  watchGroup: OFPG_ANY,
  actions,
});

/** Groups every rule set may use: 1 ALL, 2 INDIRECT (push a tag), 3 SELECT, 4 FAST_FAILOVER. */
function addGroups(of: Ofproto): void {
  const add = (groupId: number, groupType: number, buckets: Bucket[]) =>
    of.groupMod(BRIDGE, { command: OFPGC.ADD, groupType, groupId, buckets });
  add(1, OFPGT_TYPES.ALL, [bucket([out(2)]), bucket([setf("eth_src", macBytes("02:00:00:00:00:77")), out(3)])]);
  add(2, OFPGT_TYPES.INDIRECT, [bucket([pushVlan(), setf("vlan_vid", 0x1000 | 7), out(2)])]);
  add(3, OFPGT_TYPES.SELECT, [bucket([out(1)], 1), bucket([out(3)], 2)]);
  add(4, OFPGT_TYPES.FF, [
    { ...bucket([out(3)]), watchPort: 3 },
    { ...bucket([out(2)]), watchPort: 2 },
  ]);
}

function build(rules: FlowModRequest[], keepNormal: boolean): Bridge {
  fp.megaflowFlush();
  fp.emcFlush();
  const of = new Ofproto();
  const rt = new FastPathRuntime();
  of.attach(rt as unknown as DatapathRuntime);
  const br = of.addBridge(BRIDGE, 300, 1000);
  const policies = [policyOf("trunk", 0, []), policyOf("trunk", 0, []), policyOf("access", 20, [])];
  for (let i = 1; i <= 3; i++) of.setPort(BRIDGE, { dpPort: i, name: `p${i}`, policy: policies[i - 1], up: true }, i);
  addGroups(of);
  if (!keepNormal) of.flowMod(BRIDGE, flowMod({ command: 3 /* DELETE */, tableId: 0xff }));
  for (const r of rules) {
    try {
      of.flowMod(BRIDGE, r);
    } catch {
      // refused (e.g. a set-field whose prerequisites the match lacks): not part of the set
    }
  }
  const b: Bridge = {
    of,
    rt,
    target: {
      bridge: BRIDGE,
      ports: () => [1, 2, 3].map((i) => ({ dpPort: i, ofPort: i, name: `p${i}` })),
      parseKey: async (bytes, dpPort) => parseKey(fp, bytes, dpPort),
      translate: (dpPort, key, generate) => {
        b.lastTrace = of.traceTranslate(br, dpPort, key, generate);
        return b.lastTrace;
      },
    },
  };
  return b;
}

const pick = <T>(xs: readonly T[]) => fc.constantFrom(...xs);
const MACS = ["02:00:00:00:00:01", "02:00:00:00:00:02", "02:00:00:00:00:03", "01:00:5e:00:00:01", "ff:ff:ff:ff:ff:ff"];

const actionArb: fc.Arbitrary<readonly Action[]> = fc.oneof<fc.Arbitrary<readonly Action[]>[]>(
  pick([1, 2, 3, 4, OFPP.NORMAL, OFPP.FLOOD, OFPP.ALL, OFPP.IN_PORT]).map((p) => [out(p)]),
  fc.constant([out(OFPP.CONTROLLER, 64)]),
  pick(MACS).map((m) => [setf("eth_dst", macBytes(m)), out(2)]),
  fc.constant([popVlan, out(3)]),
  pick([10, 30]).map((vid) => [pushVlan(), setf("vlan_vid", 0x1000 | vid), out(1)]),
  fc.constant([setf("ipv4_dst", 0x0a000063), out(OFPP.NORMAL)]),
  pick(["tcp_dst", "udp_src", "tcp_src", "udp_dst"] as const).map((f) => [setf(f, 8080), out(2)]),
  fc.constant([setf("ip_dscp", 46), { type: "dec_nw_ttl" } as Action, out(3)]),
  pick([1, 2, 3, 4]).map((g) => [grp(g)]),
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

type Input = { inPort: number; spec: FrameSpec } | { inPort: number; flow: string };

const frameInput: fc.Arbitrary<Input> = fc.record({
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

/** A flow typed as text (the trace's other input path): IPv6, ARP and IPv4. */
const flowInput: fc.Arbitrary<Input> = fc
  .record({
    inPort: fc.integer({ min: 1, max: 3 }),
    dst: pick(MACS),
    src: pick(MACS.slice(0, 3)),
    vlan: fc.option(pick([10, 20]), { nil: undefined }),
    l3: pick([
      "tcp6,ipv6_src=2001:db8::1,ipv6_dst=2001:db8::2,tp_src=1000,tp_dst=80",
      "udp6,ipv6_src=2001:db8::2,ipv6_dst=fe80::1,tp_dst=53",
      "icmp6,ipv6_dst=ff02::1,icmpv6_type=135,icmpv6_code=0,nd_target=fe80::2",
      "arp,arp_op=1,arp_spa=10.0.0.1,arp_tpa=10.0.0.2",
      "arp,arp_op=2,arp_spa=10.0.1.2,arp_tpa=10.0.0.1,arp_sha=02:00:00:00:00:02",
      "tcp,nw_src=10.0.0.1,nw_dst=10.0.1.2,tp_dst=443",
      "udp,nw_dst=192.168.0.1,tp_src=53",
    ]),
  })
  .map((r) => ({
    inPort: r.inPort,
    flow: [
      `in_port=${r.inPort}`,
      `dl_src=${r.src}`,
      `dl_dst=${r.dst}`,
      ...(r.vlan === undefined ? [] : [`dl_vlan=${r.vlan}`]),
      r.l3,
    ].join(","),
  }));

/** One batch of one packet through the fast path: misses go to onMiss; what each port sent. */
function send(b: Bridge, bytes: Uint8Array, dpPort: number): { misses: number; tx: string; up: string } {
  new Uint32Array(fp.memory.buffer, fp.dpRxIds(), 1)[0] = packetIn(fp, bytes);
  const misses = fp.dpProcessBatch(dpPort, 1, 0);
  for (let i = 0; i < misses; i++) {
    const key = new Uint8Array(fp.memory.buffer, fp.dpMissKey(i), KEY_SIZE).slice();
    b.rt.miss = i;
    b.of.onMiss(dpPort, key, bytes);
  }
  return { misses, ...sent() };
}

/** What every port's tx batch and the upcall queue hold, as text; drains them. */
function sent(): { tx: string; up: string } {
  const tx = [...drainTx(fp)].map(([p, fs]) => `${p}:${fs.map(hex).join("|")}`).join(" ");
  const up = drainUpcalls(fp)
    .map((u) => `${u.reason}/${u.userdata}/${hex(u.frame)}`)
    .join(" ");
  return { tx, up };
}

/** Runs `actions` over a copy of `bytes` received on dpPort; what it sent. */
function executeCopy(bytes: Uint8Array, dpPort: number, actions: Uint8Array): { tx: string; up: string } {
  const list = fp.classifyScratch() + 2 * KEY_SIZE;
  mem().set(actions, list);
  fp.dpExecute(packetIn(fp, bytes), dpPort, list, actions.length);
  return sent();
}

const fastPathBytes = (at: number, len: number) => mem().slice(at, at + len);
const masked = (key: Uint8Array, mask: Uint8Array) => key.map((k, i) => k & mask[i]);

let packets = 0;
let installed = 0;
let served = 0;
let viaFlowText = 0;

describe("trace ≡ the real fast path", () => {
  it("a trace's megaflow and actions are what the fast path holds and does after the same miss", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(ruleArb, { maxLength: 12 }),
        fc.boolean(),
        fc.array(fc.oneof({ weight: 3, arbitrary: frameInput }, { weight: 1, arbitrary: flowInput }), {
          minLength: 30,
          maxLength: 30,
        }),
        async (rules, keepNormal, inputs) => {
          const b = build(rules, keepNormal);
          for (const input of inputs) {
            const r =
              "flow" in input
                ? await runTrace(b.target, { flow: input.flow, generate: true })
                : await runTrace(b.target, { packet: frame(input.spec), inPort: String(input.inPort), generate: true });
            const t = b.lastTrace as XlateResult;
            const bytes = Uint8Array.from(Buffer.from(r.packet, "hex"));
            if ("flow" in input) viaFlowText++;
            packets++;
            // What the trace's own actions send, over a copy of the packet.
            const expected = executeCopy(bytes, input.inPort, t.actions);
            b.rt.lastInstall = undefined;
            const executesBefore = b.rt.executes;
            const first = send(b, bytes, input.inPort);
            expect({ tx: first.tx, up: first.up }).toEqual(expected);
            if (first.misses === 1 && b.rt.lastInstall === undefined) {
              // Not installed (several NORMAL decisions): executed with the trace's actions.
              expect(b.rt.executes).toBe(executesBefore + 1);
              continue;
            }
            // Installed by this miss, or served by a megaflow an earlier packet installed: the
            // megaflow the fast path holds for this packet, found by its own classifier.
            if (first.misses === 1) installed++;
            else served++;
            const at = fp.classifyScratch();
            mem().set(parseKey(fp, bytes, input.inPort), at);
            const id = fp.megaflowLookup(at);
            expect(id).toBeGreaterThanOrEqual(0);
            if (first.misses === 1) expect(id).toBe((b.rt.lastInstall as { id: number } | undefined)?.id);
            const key = fastPathBytes(fp.megaflowKeyPtr(id), KEY_SIZE);
            const mask = fastPathBytes(fp.megaflowMaskPtr(id), KEY_SIZE);
            const actions = fastPathBytes(fp.megaflowActions(id), fp.megaflowActionsLen(id));
            expect(hex(mask)).toBe(r.megaflow.mask);
            expect(hex(key)).toBe(hex(masked(Buffer.from(r.megaflow.key, "hex"), mask)));
            expect(describeActions(actions)).toBe(r.datapathActions);
            expect(hex(actions)).toBe(hex(t.actions));
            // The same packet again: served by that megaflow, sent the same way.
            const again = send(b, bytes, input.inPort);
            expect(again.misses).toBe(0);
            expect({ tx: again.tx, up: again.up }).toEqual(expected);
          }
        },
      ),
      { numRuns: 200 },
    );
    // The property ran on thousands of packets, with a real share installed and typed as text.
    expect(packets).toBe(200 * 30);
    expect(installed).toBeGreaterThan(packets / 4);
    expect(served).toBeGreaterThan(packets / 8);
    expect(viaFlowText).toBeGreaterThan(packets / 8);
  }, 120_000);
});
