// NORMAL switching end to end through the real fast path: misses go up, xlateNormal decides,
// the megaflow is installed and the packet executed, as the datapath runtime does it.

import { beforeEach, describe, expect, it } from "vitest";
import type { VlanMode } from "../../../../src/config/model.ts";
import { createFastPath, type FastPath } from "../../../../src/datapath/fastpath-module.ts";
import { FlowKey, KEY_SIZE } from "../../../../src/datapath/flow-key.ts";
import { MacTable } from "../../../../src/ofproto/normal/mac-table.ts";
import { policyOf } from "../../../../src/ofproto/normal/vlan-policy.ts";
import { type NormalPort, xlateNormal } from "../../../../src/ofproto/normal/xlate-normal.ts";
import { drainTx, packetIn } from "../../../support/fastpath-io.ts";
import { ethFrame, frameVid } from "../../../support/frames.ts";

const BCAST = "ff:ff:ff:ff:ff:ff";
const H1 = "02:00:00:00:00:01";
const H2 = "02:00:00:00:00:02";
const H3 = "02:00:00:00:00:03";

class NormalHarness {
  readonly ports = new Map<number, NormalPort>();
  readonly macs = new MacTable({ agingSeconds: 300, maxEntries: 8192 });
  upcalls = 0;
  now = 1000;
  constructor(readonly fp: FastPath) {}

  port(dpPort: number, mode: VlanMode, tag = 0, trunks: number[] = []): this {
    this.ports.set(dpPort, { dpPort, name: `p${dpPort}`, policy: policyOf(mode, tag, trunks), up: true });
    return this;
  }

  /** Receives frame on port; returns what each port transmitted. */
  send(port: number, frame: Uint8Array): Map<number, Uint8Array[]> {
    const fp = this.fp;
    const id = packetIn(fp, frame);
    new Uint32Array(fp.memory.buffer, fp.dpRxIds(), 1)[0] = id;
    const m = fp.dpProcessBatch(port, 1, this.now);
    const scratch = fp.classifyScratch();
    for (let i = 0; i < m; i++) {
      this.upcalls++;
      const key = new FlowKey(new Uint8Array(fp.memory.buffer, fp.dpMissKey(i), KEY_SIZE).slice());
      const r = xlateNormal({ ports: this.ports, macs: this.macs }, key, this.now, { learn: true });
      const mem = new Uint8Array(fp.memory.buffer);
      mem.set(key.bytes, scratch);
      mem.set(r.mask, scratch + KEY_SIZE);
      mem.set(r.actions, scratch + 2 * KEY_SIZE);
      fp.megaflowInsert(scratch, scratch + KEY_SIZE, scratch + 2 * KEY_SIZE, r.actions.length);
      fp.dpExecuteMiss(i, scratch + 2 * KEY_SIZE, r.actions.length);
    }
    return drainTx(fp);
  }
}

function summary(out: Map<number, Uint8Array[]>): Record<number, Array<number | null>> {
  return Object.fromEntries([...out].map(([p, fs]) => [p, fs.map(frameVid)]));
}

describe("NORMAL switching through the fast path", () => {
  let h: NormalHarness;
  beforeEach(async () => {
    h = new NormalHarness(await createFastPath({ buffers: 256 }));
    h.port(1, "access", 10).port(2, "access", 10).port(3, "access", 20).port(4, "trunk").port(5, "trunk", 0, [20]);
  });

  it("floods a broadcast to every port of its VLAN except the ingress, tagging for trunks", () => {
    const out = h.send(1, ethFrame({ dst: BCAST, src: H1 }));
    expect(summary(out)).toEqual({ 2: [null], 4: [10] });
  });

  it("forwards to the learned port only, and learns on every miss", () => {
    h.send(1, ethFrame({ dst: BCAST, src: H1 }));
    const out = h.send(2, ethFrame({ dst: H1, src: H2 }));
    expect(summary(out)).toEqual({ 1: [null] });
    expect(h.macs.lookup(10, H2, h.now)).toBe(2);
  });

  it("floods unknown unicast", () => {
    expect(summary(h.send(2, ethFrame({ dst: H3, src: H2 })))).toEqual({ 1: [null], 4: [10] });
  });

  it("drops tagged frames on access ports but accepts priority-tagged ones (VID 0), keeping PCP", () => {
    expect(h.send(1, ethFrame({ dst: BCAST, src: H1, vid: 10 })).size).toBe(0);
    const out = h.send(1, ethFrame({ dst: BCAST, src: H1, vid: 0, pcp: 5 }));
    expect(summary(out)).toEqual({ 2: [null], 4: [10] });
    const tagged = out.get(4)?.[0] as Uint8Array;
    expect(tagged[14] >>> 5).toBe(5);
  });

  it("carries trunk VLANs to access ports untagged and other trunks tagged; trunks lists filter", () => {
    const out = h.send(4, ethFrame({ dst: BCAST, src: H3, vid: 20 }));
    expect(summary(out)).toEqual({ 3: [null], 5: [20] });
    expect(h.send(5, ethFrame({ dst: BCAST, src: H3, vid: 10 })).size).toBe(0); // p5 trunks only 20
  });

  it("native-untagged: untagged in is the native VLAN, native VLAN out is untagged, others tagged", async () => {
    h = new NormalHarness(await createFastPath({ buffers: 256 }));
    h.port(1, "native-untagged", 10, [20]).port(2, "access", 10).port(3, "trunk").port(4, "access", 20);
    expect(summary(h.send(1, ethFrame({ dst: BCAST, src: H1 })))).toEqual({ 2: [null], 3: [10] });
    expect(summary(h.send(3, ethFrame({ dst: BCAST, src: H2, vid: 10 })))).toEqual({ 1: [null], 2: [null] });
    expect(summary(h.send(3, ethFrame({ dst: BCAST, src: H2, vid: 20 })))).toEqual({ 1: [20], 4: [null] });
  });

  it("native-tagged: untagged in is the native VLAN, which leaves tagged", async () => {
    h = new NormalHarness(await createFastPath({ buffers: 256 }));
    h.port(1, "native-tagged", 10).port(2, "native-tagged", 10).port(3, "access", 10);
    expect(summary(h.send(1, ethFrame({ dst: BCAST, src: H1 })))).toEqual({ 2: [10], 3: [null] });
  });

  it("learns a MAC move and re-routes traffic after revalidating stale megaflows", () => {
    h.send(1, ethFrame({ dst: BCAST, src: H1 }));
    h.send(2, ethFrame({ dst: H1, src: H2 }));
    // H1 moves to the trunk (VLAN 10 tagged).
    h.send(4, ethFrame({ dst: BCAST, src: H1, vid: 10 }));
    expect(h.macs.lookup(10, H1, h.now)).toBe(4);
    h.fp.megaflowFlush(); // the revalidator's job in the runtime; here by hand
    expect(summary(h.send(2, ethFrame({ dst: H1, src: H2 })))).toEqual({ 4: [10] });
  });

  it("installs megaflows that match only on the fields NORMAL consulted", () => {
    h.send(1, ethFrame({ dst: BCAST, src: H1 }));
    h.send(2, ethFrame({ dst: H1, src: H2 }));
    const before = h.upcalls;
    // Same port, VLAN and MACs, different ethertype and payload: served by the megaflow.
    expect(summary(h.send(2, ethFrame({ dst: H1, src: H2, ethType: 0x0800, len: 100 })))).toEqual({ 1: [null] });
    expect(h.upcalls).toBe(before);
    // A different source MAC is a different megaflow (learning must see it).
    h.send(2, ethFrame({ dst: H1, src: H3 }));
    expect(h.upcalls).toBe(before + 1);
  });

  it("never sends a frame back out of its ingress port", () => {
    h.send(1, ethFrame({ dst: BCAST, src: H1 }));
    expect(h.send(1, ethFrame({ dst: H1, src: H3 })).size).toBe(0);
  });

  it("drops IEEE reserved multicast (STP BPDUs) by default", () => {
    expect(h.send(1, ethFrame({ dst: "01:80:c2:00:00:00", src: H1 })).size).toBe(0);
  });
});
