// DatapathRuntime.fence(): resolves only after the worker applied every down-ring record
// written before it — the ordering point a BARRIER_REPLY waits on.
//
// What it proves: a megaflow deleted before a fence has left the fast path when the fence
// resolves (the worker's GONE_DELETED report, written before the fence's echo on the same
// ring, has already reached the sink); fences resolve in order under load (many installs and
// deletes in between); a delete that finds the down ring full is deferred, not lost, and the
// fence waits for it; with nothing written since the last echoed fence the runtime is settled
// and writes no fence, and a fence with nothing written after it is shared; a fence on a
// stopped runtime resolves at once instead of hanging.
// How: the real worker thread and WASM fast path, with no ports (no privileges needed).

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KEY_SIZE } from "../../../../src/datapath/flow-key.ts";
import { DatapathRuntime, type DatapathSink } from "../../../../src/datapath/runtime/datapath-runtime.ts";
import { GONE_DELETED } from "../../../../src/datapath/runtime/ring-messages.ts";

const gone: Array<{ handle: number; why: number }> = [];
const sink: DatapathSink = {
  onMiss() {},
  onActionUpcall() {},
  onFlowStats() {},
  onFlowGone(handle, why) {
    gone.push({ handle, why });
  },
};

let rt: DatapathRuntime;

beforeAll(async () => {
  rt = await DatapathRuntime.start(sink, { buffers: 64, maxFlows: 4096, ringBytes: 1 << 20 });
});

afterAll(async () => {
  await rt?.stop();
});

/** A distinct key per handle (the IN_PORT word) with an all-ones mask: no two overlap. */
function keyOf(handle: number): Uint8Array {
  const key = new Uint8Array(KEY_SIZE);
  new DataView(key.buffer).setUint32(0, handle, true);
  return key;
}
const FULL_MASK = new Uint8Array(KEY_SIZE).fill(0xff);
const NO_ACTIONS = new Uint8Array(0);

describe("DatapathRuntime.fence", () => {
  it("resolves after a delete written before it has been applied", async () => {
    expect(rt.install(7, keyOf(7), FULL_MASK, NO_ACTIONS)).toBe(true);
    rt.deleteFlow(7);
    await rt.fence();
    expect(gone).toContainEqual({ handle: 7, why: GONE_DELETED });
  });

  it("resolves every fence, in order, with installs and deletes in between", async () => {
    gone.length = 0;
    const order: number[] = [];
    const fences: Promise<void>[] = [];
    for (let i = 0; i < 20; i++) {
      for (let j = 0; j < 50; j++) {
        const h = 1000 + i * 50 + j;
        rt.install(h, keyOf(h), FULL_MASK, NO_ACTIONS);
        rt.deleteFlow(h);
      }
      const seenAtFence = i;
      fences.push(
        rt.fence().then(() => {
          order.push(seenAtFence);
          // Every delete written before this fence has been reported.
          const last = 1000 + seenAtFence * 50 + 49;
          expect(gone.some((g) => g.handle === last && g.why === GONE_DELETED)).toBe(true);
        }),
      );
    }
    await Promise.all(fences);
    expect(order).toEqual([...Array(20).keys()]);
  });

  it("never loses a delete when the down ring is full: it waits, in order, and the fence behind it", async () => {
    const small = await DatapathRuntime.start(sink, { buffers: 64, maxFlows: 32768, ringBytes: 1 << 14 });
    try {
      const n = 20_000;
      for (let h = 1; h <= n; h++) {
        while (!small.install(h, keyOf(h), FULL_MASK, NO_ACTIONS)) await new Promise((r) => setTimeout(r, 1));
      }
      await small.fence();
      const before = await small.counters();
      expect(before["megaflow.insert"] - before["megaflow.remove"]).toBe(n);
      // 20,000 delete records (320 KB) into a 16 KB ring in one synchronous burst.
      for (let h = 1; h <= n; h++) small.deleteFlow(h);
      expect(small.backlogLength).toBeGreaterThan(0);
      // While deletes wait, nothing may overtake them.
      expect(small.install(n + 1, keyOf(n + 1), FULL_MASK, NO_ACTIONS)).toBe(false);
      await small.fence();
      expect(small.backlogLength).toBe(0);
      const after = await small.counters();
      expect(after["megaflow.remove"] - before["megaflow.remove"]).toBe(n);
      expect(after["megaflow.insert"] - after["megaflow.remove"]).toBe(0);
    } finally {
      await small.stop();
    }
  });

  it("is settled with nothing written since the last echo; shares the outstanding fence otherwise", async () => {
    await rt.fence();
    expect(rt.settled).toBe(true);
    // Nothing written: nothing to wait for (a BARRIER after a FLOW_MOD with no megaflow to
    // revalidate is answered at once).
    await rt.fence();
    expect(rt.settled).toBe(true);
    gone.length = 0;
    expect(rt.install(9, keyOf(9), FULL_MASK, NO_ACTIONS)).toBe(true);
    rt.deleteFlow(9);
    expect(rt.settled).toBe(false);
    const first = rt.fence();
    // No record between the two: the second waits on the same fence.
    expect(rt.fence()).toBe(first);
    expect(rt.settled).toBe(false);
    await first;
    expect(gone).toContainEqual({ handle: 9, why: GONE_DELETED });
    expect(rt.settled).toBe(true);
    // A record after a fence needs a fence of its own.
    expect(rt.install(10, keyOf(10), FULL_MASK, NO_ACTIONS)).toBe(true);
    const second = rt.fence();
    rt.deleteFlow(10);
    const third = rt.fence();
    expect(third).not.toBe(second);
    await third;
    expect(gone).toContainEqual({ handle: 10, why: GONE_DELETED });
    expect(rt.settled).toBe(true);
  });

  it("resolves at once on a stopped runtime", async () => {
    const other = await DatapathRuntime.start(sink, { buffers: 64, maxFlows: 64, ringBytes: 1 << 16 });
    await other.stop();
    await expect(other.fence()).resolves.toBeUndefined();
  });
});
