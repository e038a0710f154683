import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createFastPath, type FastPath, readCounters } from "../../../src/datapath/fastpath-module.ts";

const OWNER_FREE = 0;
const OWNER_APP = 1;

/** Runs the module's ownership audit with the APP buffers the test holds. */
function audit(fp: FastPath, held: number[]): number {
  const scratch = fp.bufferAlloc();
  const at = fp.bufferData(scratch);
  const v = new DataView(fp.memory.buffer);
  const all = [...held, scratch];
  all.forEach((id, i) => {
    v.setUint32(at + i * 4, id, true);
  });
  const errors = fp.bufferAudit(at, all.length);
  fp.bufferFree(scratch);
  return errors;
}

describe("packet buffer pool", () => {
  it("hands out every buffer once, then reports exhaustion without trapping", async () => {
    const fp = await createFastPath({ buffers: 8 });
    const ids = Array.from({ length: 8 }, () => fp.bufferAlloc());
    expect(new Set(ids).size).toBe(8);
    expect(ids.every((id) => id >= 0 && id < 8)).toBe(true);
    expect(fp.bufferAlloc()).toBe(-1);
    expect(readCounters(fp)["pool.exhausted"]).toBe(1n);
    for (const id of ids) fp.bufferFree(id);
    expect(fp.bufferFreeCount()).toBe(8);
  });

  it("gives each buffer headroom for a VLAN push and a 2048-byte data room by default", async () => {
    const fp = await createFastPath({ buffers: 4 });
    const id = fp.bufferAlloc();
    expect(fp.bufferOffset(id)).toBe(fp.dpHeadroom());
    expect(fp.dpHeadroom()).toBeGreaterThanOrEqual(4);
    expect(fp.bufferRoom(id)).toBeGreaterThanOrEqual(2048);
    fp.bufferSetLength(id, 1_000_000);
    expect(fp.bufferLength(id)).toBe(fp.bufferRoom(id));
  });

  it("offers jumbo buffers as an option", async () => {
    const fp = await createFastPath({ buffers: 4, dataRoom: 9216 });
    const id = fp.bufferAlloc();
    expect(fp.bufferRoom(id)).toBeGreaterThanOrEqual(9216);
    const mem = new Uint8Array(fp.memory.buffer, fp.bufferData(id), 9216);
    mem.fill(0xab);
    fp.bufferSetLength(id, 9216);
    expect(fp.bufferLength(id)).toBe(9216);
  });

  it("counts double frees and bad ids and changes nothing", async () => {
    const fp = await createFastPath({ buffers: 4 });
    const id = fp.bufferAlloc();
    fp.bufferFree(id);
    fp.bufferFree(id);
    fp.bufferFree(99);
    const c = readCounters(fp);
    expect(c["pool.double_free"]).toBe(1n);
    expect(c["pool.bad_id"]).toBe(1n);
    expect(fp.bufferFreeCount()).toBe(4);
    expect(audit(fp, [])).toBe(0);
  });

  it("the audit catches a buffer the caller claims but does not hold", async () => {
    const fp = await createFastPath({ buffers: 4 });
    const id = fp.bufferAlloc();
    expect(audit(fp, [id])).toBe(0);
    expect(audit(fp, [])).toBeGreaterThan(0); // the held buffer is nowhere
    expect(audit(fp, [id, id])).toBeGreaterThan(0); // held twice
    fp.bufferFree(id);
    expect(audit(fp, [id])).toBeGreaterThan(0); // free, but claimed by the caller
  });

  it("keeps exact accounting over any sequence of alloc / free / double free", async () => {
    const fp = await createFastPath({ buffers: 32 });
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.constant({ op: "alloc" as const }),
            fc.nat(40).map((i) => ({ op: "free" as const, i })),
          ),
          {
            maxLength: 200,
          },
        ),
        async (ops) => {
          fp.dpInit(32, 0, 64, 64);
          const held: number[] = [];
          for (const o of ops) {
            if (o.op === "alloc") {
              const id = fp.bufferAlloc();
              if (id >= 0) {
                expect(fp.bufferOwner(id)).toBe(OWNER_APP);
                held.push(id);
              } else expect(held.length).toBe(32);
            } else if (held.length > 0) {
              const [id] = held.splice(o.i % held.length, 1);
              fp.bufferFree(id);
              expect(fp.bufferOwner(id)).toBe(OWNER_FREE);
            } else {
              fp.bufferFree(o.i); // nothing held: every free here is a double free or bad id
            }
          }
          expect(fp.bufferFreeCount()).toBe(32 - held.length);
          expect(audit(fp, held)).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});
