// Ofproto on its own: misses translated through the bridge's OpenFlow tables, FLOW_MOD
// revalidation, rule counters fed from megaflow statistics — against a recording stand-in for
// the datapath runtime and flow keys parsed by the real fast path.
//
// What it proves: a fresh bridge holds exactly table=0, priority=0, actions=NORMAL and
// switches with learning through it; a miss installs a megaflow whose actions come from the
// pipeline (explicit outputs use the configured ofports); a FLOW_MOD that changes the tables
// deletes every megaflow of the bridge (and only of that bridge), one that changes nothing
// deletes none, a refused one throws OfpError and deletes none; rules are credited with the
// missed packet, with megaflow statistics, and with the final counts a deleted megaflow
// reports (GONE_DELETED) after revalidation removed it.

import { beforeAll, describe, expect, it } from "vitest";
import { OFPP } from "../../../openflow/constants.ts";
import { OfpError } from "../../../openflow/errors.ts";
import { OFPFC, OFPFF } from "../../../openflow/messages/flow-mod.ts";
import { type FlowRemovedMessage, OFPRR } from "../../../openflow/messages/flow-removed.ts";
import { OFPPC } from "../../../openflow/messages/port.ts";
import { DROP_REASON, describeActions } from "../../../src/datapath/datapath-actions.ts";
import { createFastPath, type FastPath } from "../../../src/datapath/fastpath-module.ts";
import type { DatapathRuntime } from "../../../src/datapath/runtime/datapath-runtime.ts";
import { GONE_DELETED } from "../../../src/datapath/runtime/ring-messages.ts";
import type { FlowModRequest } from "../../../src/ofproto/flow-mod.ts";
import { policyOf } from "../../../src/ofproto/normal/vlan-policy.ts";
import { defaultNormalFlow, Ofproto } from "../../../src/ofproto/ofproto.ts";
import { apply, frame, m, out, parseKey } from "./xlate/xlate-harness.ts";

class FakeRuntime {
  installs: Array<{ handle: number; actions: Uint8Array }> = [];
  executes = 0;
  deletes: number[] = [];
  install(handle: number, _k: Uint8Array, _m: Uint8Array, actions: Uint8Array): boolean {
    this.installs.push({ handle, actions });
    return true;
  }
  execute(): boolean {
    this.executes++;
    return true;
  }
  deleteFlow(handle: number): void {
    this.deletes.push(handle);
  }
}

let fp: FastPath;
beforeAll(async () => {
  fp = await createFastPath({ buffers: 64 });
});

/** Bridge br with ports dp 1..3 (ofports 11..13) and bridge other with dp 4 (ofport 1). */
function setup(): { of: Ofproto; rt: FakeRuntime } {
  const of = new Ofproto();
  const rt = new FakeRuntime();
  of.attach(rt as unknown as DatapathRuntime);
  of.addBridge("br", 300, 1000);
  of.addBridge("other", 300, 1000);
  for (const dp of [1, 2, 3]) {
    of.setPort("br", { dpPort: dp, name: `p${dp}`, policy: policyOf("trunk", 0, []), up: true }, 10 + dp);
  }
  of.setPort("other", { dpPort: 4, name: "q", policy: policyOf("trunk", 0, []), up: true }, 1);
  return { of, rt };
}

function brOf(of: Ofproto) {
  const br = of.bridges.get("br");
  if (!br) throw new Error("no bridge br");
  return br;
}

const A = "02:00:00:00:00:0a";
const B = "02:00:00:00:00:0b";
function miss(of: Ofproto, dpPort: number, src: string, dst: string): Uint8Array {
  const bytes = frame({ src, dst });
  of.onMiss(dpPort, parseKey(fp, bytes, dpPort), bytes);
  return bytes;
}

const flowMod = (over: Partial<FlowModRequest>): FlowModRequest => ({ ...defaultNormalFlow(), ...over });

describe("Ofproto", () => {
  it("a fresh bridge has only table=0, priority=0, actions=NORMAL, and learns through it", () => {
    const { of, rt } = setup();
    const rules = [...brOf(of).tables.rules(0xff)];
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatchObject({ tableId: 0, priority: 0, match: [] });
    expect(rules[0].instructions).toEqual([apply(out(OFPP.NORMAL))]);
    miss(of, 1, A, B);
    expect(rt.installs).toHaveLength(1);
    expect(brOf(of).macs.lookup(0, A, of.now())).toBe(1);
    // The registry keeps NORMAL's dependency: learning B later revalidates the flood to B.
    expect(of.registry.get(rt.installs[0].handle)?.dependsOn).toEqual({ vlan: 0, mac: B });
  });

  it("reports the upcall latency of every handled miss: installed, and executed without an install", () => {
    const { of, rt } = setup();
    const seen: number[] = [];
    of.upcallLatency = (s) => seen.push(s);
    miss(of, 1, A, B); // NORMAL once: installed
    expect([rt.installs.length, rt.executes, seen.length]).toEqual([1, 0, 1]);
    // NORMAL twice (two decisions, one dependency slot): executed, not installed — still timed.
    of.flowMod("br", flowMod({ priority: 10, match: [], instructions: [apply(out(OFPP.NORMAL), out(OFPP.NORMAL))] }));
    miss(of, 1, A, B);
    expect([rt.installs.length, rt.executes, seen.length]).toEqual([1, 1, 2]);
    for (const s of seen) expect(s).toBeGreaterThanOrEqual(0);
  });

  it("a FLOW_MOD that changes the tables deletes the bridge's megaflows, and only those", () => {
    const { of, rt } = setup();
    miss(of, 1, A, B);
    miss(of, 4, A, B);
    const [brFlow, otherFlow] = rt.installs.map((i) => i.handle);
    of.flowMod("br", flowMod({ priority: 10, match: [m("in_port", 11)], instructions: [apply(out(12))] }));
    expect(rt.deletes).toEqual([brFlow]);
    expect(of.registry.get(otherFlow)).toBeDefined();

    // Translation now follows the new rule: output to ofport 12 is datapath port 2.
    miss(of, 1, A, B);
    const v = new DataView(rt.installs[2].actions.buffer, rt.installs[2].actions.byteOffset);
    expect(v.getUint32(4, true)).toBe(2);
  });

  it("a FLOW_MOD that changes nothing, or is refused, deletes no megaflow", () => {
    const { of, rt } = setup();
    miss(of, 1, A, B);
    of.flowMod("br", flowMod({ command: OFPFC.DELETE_STRICT, priority: 77 }));
    expect(() => of.flowMod("br", flowMod({ tableId: 254 }))).toThrow(OfpError);
    expect(rt.deletes).toEqual([]);
  });

  it("credits rules with the missed packet, megaflow stats and a deleted megaflow's final counts", () => {
    const { of, rt } = setup();
    const bytes = miss(of, 1, A, B);
    const rule = [...brOf(of).tables.rules(0)][0];
    expect(rule.packetCount).toBe(1n);
    const h = rt.installs[0].handle;
    of.onFlowStats(h, 0, 5, 5 * bytes.length);
    expect(rule.packetCount).toBe(6n);
    of.flowMod("br", flowMod({ priority: 5, match: [m("in_port", 13)], instructions: [] }));
    expect(rt.deletes).toEqual([h]);
    of.onFlowGone(h, GONE_DELETED, 9, 9 * bytes.length);
    expect(rule.packetCount).toBe(10n);
    expect(rule.byteCount).toBe(BigInt(10 * bytes.length));
  });
});

describe("Ofproto rule timeouts and FLOW_REMOVED (fake clock)", () => {
  function timed() {
    let t = 1_000_000;
    const of = new Ofproto(() => t);
    const rt = new FakeRuntime();
    of.attach(rt as unknown as DatapathRuntime);
    of.addBridge("br", 300, 1000);
    for (const dp of [1, 2]) {
      of.setPort("br", { dpPort: dp, name: `p${dp}`, policy: policyOf("trunk", 0, []), up: true }, 10 + dp);
    }
    const removed: FlowRemovedMessage[] = [];
    of.subscribeFlowRemoved("br", (msg) => removed.push(msg));
    return { of, rt, removed, advance: (ms: number) => (t += ms) };
  }
  const toP2 = (over: Partial<FlowModRequest>) =>
    flowMod({ priority: 10, match: [m("in_port", 11)], instructions: [apply(out(12))], ...over });

  it("the tick expires an idle rule, revalidates the bridge and sends IDLE_TIMEOUT", () => {
    const { of, rt, removed, advance } = timed();
    of.flowMod("br", toP2({ idleTimeout: 2, flags: OFPFF.SEND_FLOW_REM, cookie: 0x42n }));
    miss(of, 1, A, B);
    const h = rt.installs[0].handle;
    advance(1500);
    of.onFlowStats(h, 0, 3, 300); // the fast path is still carrying it
    advance(1500);
    of.tick();
    expect(removed).toEqual([]); // used 1.5 s ago: not idle for 2 s yet
    advance(2000);
    of.tick();
    expect(removed).toHaveLength(1);
    expect(removed[0]).toMatchObject({
      reason: OFPRR.IDLE_TIMEOUT,
      cookie: 0x42n,
      priority: 10,
      idleTimeout: 2,
      hardTimeout: 0,
      durationSec: 5,
      packetCount: 4n,
      match: [m("in_port", 11)],
    });
    expect(rt.deletes).toContain(h);
    expect(of.stats.expirations).toBe(1);
    expect([...brOf(of).tables.rules(0)].map((r) => r.priority)).toEqual([0]);
  });

  it("a hard timeout expires regardless of use; no FLOW_REMOVED without SEND_FLOW_REM", () => {
    const { of, removed, advance } = timed();
    of.flowMod("br", toP2({ hardTimeout: 3, flags: OFPFF.SEND_FLOW_REM }));
    of.flowMod("br", toP2({ priority: 11, hardTimeout: 3 }));
    miss(of, 1, A, B);
    advance(2999);
    of.tick();
    expect(removed).toEqual([]);
    advance(1);
    of.tick();
    expect(removed.map((r) => [r.reason, r.priority])).toEqual([[OFPRR.HARD_TIMEOUT, 10]]);
    expect(brOf(of).tables.ruleCount).toBe(1);
  });

  it("FLOW_MOD deletes go out through the same subscription, reason DELETE", () => {
    const { of, removed } = timed();
    of.flowMod("br", toP2({ flags: OFPFF.SEND_FLOW_REM }));
    of.flowMod("br", toP2({ command: OFPFC.DELETE, match: [] }));
    expect(removed.map((r) => r.reason)).toEqual([OFPRR.DELETE]); // the NORMAL rule did not ask
  });
});

describe("Ofproto port state", () => {
  it("a config or link change rebuilds the port map and revalidates; no change, no revalidation", () => {
    const { of, rt } = setup();
    miss(of, 1, A, B);
    expect(of.setPortState("br", 2, { config: OFPPC.NO_FWD })).toBe(true);
    expect(rt.deletes).toHaveLength(1);
    expect(brOf(of).portMap.portConfig(12)).toBe(OFPPC.NO_FWD);
    expect(brOf(of).ports.get(2)).toMatchObject({ up: true, noFwd: true });
    expect(of.setPortState("br", 2, { config: OFPPC.NO_FWD })).toBe(false);
    expect(rt.deletes).toHaveLength(1);
    of.setPortState("br", 3, { linkUp: false });
    expect(brOf(of).portMap.isLive(13)).toBe(false);
    expect(brOf(of).ports.get(3)?.up).toBe(false);
    // A NORMAL flood from port 1 skips both (NO_FWD, link down): nothing is left to send to,
    // a drop the fast path counts by its reason (DROP_REASON.NO_PORTS).
    miss(of, 1, A, "02:00:00:00:00:99");
    const last = rt.installs[rt.installs.length - 1].actions;
    expect(describeActions(last)).toBe(`drop(${DROP_REASON.NO_PORTS})`);
    of.setPortState("br", 3, { linkUp: true });
    miss(of, 1, A, "02:00:00:00:00:99");
    expect(describeActions(rt.installs[rt.installs.length - 1].actions)).toBe("output:3");
  });

  it("setPort keeps PORT_MOD bits other than PORT_DOWN, which follows port.up", () => {
    const { of } = setup();
    of.setPortState("br", 1, { config: OFPPC.NO_RECV | OFPPC.NO_PACKET_IN });
    of.setPort("br", { dpPort: 1, name: "p1", policy: policyOf("trunk", 0, []), up: false }, 11);
    expect(of.portState(1)).toEqual({ config: OFPPC.NO_RECV | OFPPC.NO_PACKET_IN | OFPPC.PORT_DOWN, linkUp: true });
    expect(brOf(of).portMap.isLive(11)).toBe(false);
    of.removePort("br", 1);
    expect(of.portState(1)).toBeUndefined();
  });
});
