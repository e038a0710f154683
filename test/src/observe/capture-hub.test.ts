import { describe, expect, it } from "vitest";
import { CAP_BOTH, CAP_IN, CAP_OUT, type CapturedFrame, CaptureHub } from "../../../src/observe/capture-hub.ts";

/** One capture-area record (assembly/capture/capture.ts layout). */
function rec(port: number, dir: number, data: number[]): Uint8Array {
  const b = new Uint8Array(16 + ((data.length + 3) & ~3));
  const v = new DataView(b.buffer);
  v.setUint32(0, port, true);
  v.setUint32(4, dir, true);
  v.setUint32(8, data.length, true);
  v.setUint32(12, data.length, true);
  b.set(data, 16);
  return b;
}

describe("capture hub", () => {
  it("keeps each port's flag the union of its sessions and clears it with the last one", async () => {
    const writes: Array<[number, number]> = [];
    const hub = new CaptureHub(async (p, d) => {
      writes.push([p, d]);
    });
    const closeIn = await hub.open(4, CAP_IN, () => {});
    const closeOut = await hub.open(4, CAP_OUT, () => {});
    await closeIn();
    await closeIn(); // idempotent
    await closeOut();
    expect(writes).toEqual([
      [4, CAP_IN],
      [4, CAP_BOTH],
      [4, CAP_OUT],
      [4, 0],
    ]);
    expect(hub.size).toBe(0);
  });

  it("hands each frame to the sessions of its port and direction only", async () => {
    const hub = new CaptureHub(async () => {});
    const a: CapturedFrame[] = [];
    const b: CapturedFrame[] = [];
    await hub.open(1, CAP_IN, (f) => a.push(f));
    await hub.open(2, CAP_BOTH, (f) => b.push(f));
    const records = new Uint8Array([
      ...rec(1, CAP_IN, [1, 2, 3]),
      ...rec(1, CAP_OUT, [4]),
      ...rec(2, CAP_OUT, [5, 6, 7, 8, 9]),
    ]);
    hub.deliver(1000, records);
    expect(a.map((f) => Array.from(f.data))).toEqual([[1, 2, 3]]);
    expect(b.map((f) => [f.dpPort, f.dir, f.timeMs, Array.from(f.data)])).toEqual([
      [2, CAP_OUT, 1000, [5, 6, 7, 8, 9]],
    ]);
  });

  it("ends a removed port's sessions, telling them why, and clears its flag", async () => {
    const writes: Array<[number, number]> = [];
    const hub = new CaptureHub(async (p, d) => {
      writes.push([p, d]);
    });
    const why: string[] = [];
    await hub.open(
      3,
      CAP_BOTH,
      () => {},
      (w) => why.push(w),
    );
    hub.portGone(3);
    await new Promise((r) => setImmediate(r));
    expect(why).toEqual(["the port was removed"]);
    expect(writes.at(-1)).toEqual([3, 0]);
    expect(hub.size).toBe(0);
  });

  it("opens nothing when the datapath refuses the flag", async () => {
    const hub = new CaptureHub(async (_p, d) => {
      if (d !== 0) throw new Error("no datapath port 9");
    });
    await expect(hub.open(9, CAP_IN, () => {})).rejects.toThrow("no datapath port 9");
    expect(hub.size).toBe(0);
  });
});
