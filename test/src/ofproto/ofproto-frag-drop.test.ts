// Ofproto's per-bridge frag mode (SET_CONFIG OFPC_FRAG_DROP) and the packet-in's pipeline
// fields, against a recording stand-in for the datapath runtime and keys parsed by the real
// fast path: changing the mode revalidates the bridge's megaflows (and only on a change), a
// miss under DROP installs a drop megaflow for a fragment and a forwarding one otherwise;
// a CONTROLLER action after write_metadata gives a packet-in event carrying the metadata.

import { beforeAll, describe, expect, it } from "vitest";
import { OFPP } from "../../../openflow/constants.ts";
import { DROP_REASON, describeActions } from "../../../src/datapath/datapath-actions.ts";
import { createFastPath, type FastPath } from "../../../src/datapath/fastpath-module.ts";
import type { DatapathRuntime } from "../../../src/datapath/runtime/datapath-runtime.ts";
import type { FlowModRequest } from "../../../src/ofproto/flow-mod.ts";
import { policyOf } from "../../../src/ofproto/normal/vlan-policy.ts";
import type { PacketInEvent } from "../../../src/ofproto/of-handlers/packet-in.ts";
import { defaultNormalFlow, Ofproto, UPCALL_ACTION } from "../../../src/ofproto/ofproto.ts";
import { apply, frame, goto, meta, out, parseKey } from "./xlate/xlate-harness.ts";

class FakeRuntime {
  installs: Array<{ handle: number; key: Uint8Array; actions: Uint8Array }> = [];
  deletes: number[] = [];
  install(handle: number, key: Uint8Array, _m: Uint8Array, actions: Uint8Array): boolean {
    this.installs.push({ handle, key, actions });
    return true;
  }
  execute(): boolean {
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

function setup() {
  const of = new Ofproto();
  const rt = new FakeRuntime();
  of.attach(rt as unknown as DatapathRuntime);
  of.addBridge("br", 300, 1000);
  for (const dp of [1, 2]) {
    of.setPort("br", { dpPort: dp, name: `p${dp}`, policy: policyOf("trunk", 0, []), up: true }, dp);
  }
  return { of, rt };
}

const fm = (over: Partial<FlowModRequest>): FlowModRequest => ({ ...defaultNormalFlow(), ...over });

function firstFragment(): Uint8Array {
  const f = frame();
  f[14 + 6] = 0x20; // MF set (the parser does not verify the IPv4 header checksum)
  return f;
}

describe("Ofproto frag mode", () => {
  it("DROP drops fragments at the miss; changing the mode revalidates the bridge", () => {
    const { of, rt } = setup();
    const plain = frame();
    of.onMiss(1, parseKey(fp, plain, 1), plain);
    of.setFragDrop("br", true);
    expect(rt.deletes).toEqual([rt.installs[0].handle]);
    of.setFragDrop("br", true); // no change, no revalidation
    expect(rt.deletes).toHaveLength(1);
    const frag = firstFragment();
    of.onMiss(1, parseKey(fp, frag, 1), frag);
    expect(describeActions(rt.installs[1].actions)).toBe(`drop(${DROP_REASON.FRAG_DROP})`);
    of.onMiss(1, parseKey(fp, plain, 1), plain);
    expect(describeActions(rt.installs[2].actions)).not.toMatch(/drop/);
    of.setFragDrop("br", false);
    expect(rt.deletes).toEqual([rt.installs[0].handle, rt.installs[1].handle, rt.installs[2].handle]);
    of.onMiss(1, parseKey(fp, frag, 1), frag);
    expect(describeActions(rt.installs[3].actions)).not.toMatch(/drop/);
  });
});

describe("Ofproto packet-in pipeline fields", () => {
  it("a CONTROLLER action after write_metadata reports the metadata", () => {
    const { of, rt } = setup();
    of.flowMod("br", fm({ priority: 10, instructions: [meta(0x5a5an, 0xffffn), goto(3)] }));
    of.flowMod("br", fm({ tableId: 3, priority: 1, instructions: [apply(out(OFPP.CONTROLLER, 0xffff))] }));
    const events: PacketInEvent[] = [];
    of.subscribePacketIn("br", (e) => events.push(e));
    const f = frame();
    const key = parseKey(fp, f, 1);
    of.onMiss(1, key, f);
    const actions = rt.installs[0].actions;
    const userdata = new DataView(actions.buffer, actions.byteOffset).getUint32(4, true);
    of.onActionUpcall(UPCALL_ACTION, userdata, key, f);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ tableId: 3, inPort: 1, metadata: 0x5a5an, tunnelId: 0n });
  });
});
