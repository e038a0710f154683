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
import { OFPFC } from "../../../openflow/messages/flow-mod.ts";
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
