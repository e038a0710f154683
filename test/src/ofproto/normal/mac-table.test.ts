import { describe, expect, it } from "vitest";
import { MacTable } from "../../../../src/ofproto/normal/mac-table.ts";

const A = "02:00:00:00:00:0a";
const B = "02:00:00:00:00:0b";
const C = "02:00:00:00:00:0c";

describe("MAC learning table", () => {
  it("learns per VLAN: the same MAC in two VLANs is two entries", () => {
    const t = new MacTable({ agingSeconds: 300, maxEntries: 10 });
    expect(t.learn(10, A, 1, 0)).toBe("learned");
    expect(t.learn(20, A, 2, 0)).toBe("learned");
    expect(t.lookup(10, A, 1)).toBe(1);
    expect(t.lookup(20, A, 1)).toBe(2);
    expect(t.lookup(30, A, 1)).toBeUndefined();
  });

  it("moves an entry when the MAC shows up on another port, and reports the change", () => {
    const t = new MacTable({ agingSeconds: 300, maxEntries: 10 });
    const changes: string[] = [];
    t.onChange((v, m) => changes.push(`${v}/${m}`));
    t.learn(10, A, 1, 0);
    expect(t.learn(10, A, 1, 5)).toBe("refreshed");
    expect(t.learn(10, A, 2, 6)).toBe("moved");
    expect(t.lookup(10, A, 7)).toBe(2);
    expect(t.moves).toBe(1);
    expect(changes).toEqual([`10/${A}`, `10/${A}`]);
  });

  it("ages entries out after the aging time; a refresh keeps them", () => {
    const t = new MacTable({ agingSeconds: 300, maxEntries: 10 });
    t.learn(10, A, 1, 0);
    t.learn(10, B, 1, 0);
    t.learn(10, B, 1, 200_000);
    expect(t.lookup(10, A, 300_000)).toBe(1);
    expect(t.lookup(10, A, 300_001)).toBeUndefined();
    const gone = t.expire(300_001);
    expect(gone.map((e) => e.mac)).toEqual([A]);
    expect(t.lookup(10, B, 300_001)).toBe(1);
    expect(t.size).toBe(1);
  });

  it("evicts the least recently seen entry when full", () => {
    const t = new MacTable({ agingSeconds: 300, maxEntries: 2 });
    t.learn(10, A, 1, 0);
    t.learn(10, B, 1, 1);
    t.learn(10, A, 1, 2); // A is now the most recent
    t.learn(10, C, 1, 3);
    expect(t.size).toBe(2);
    expect(t.lookup(10, B, 4)).toBeUndefined();
    expect(t.lookup(10, A, 4)).toBe(1);
    expect(t.evictions).toBe(1);
  });

  it("never moves, ages or evicts static entries", () => {
    const t = new MacTable({ agingSeconds: 1, maxEntries: 1 });
    t.addStatic(10, A, 7);
    expect(t.learn(10, A, 1, 0)).toBe("static");
    expect(t.learn(10, B, 1, 0)).toBe("evicted-none");
    expect(t.lookup(10, A, 10_000_000)).toBe(7);
    expect(t.flush()).toBe(0);
    expect(t.removeStatic(10, A)).toBe(true);
    expect(t.size).toBe(0);
  });

  it("flushes by port, by VLAN, or everything learned", () => {
    const t = new MacTable({ agingSeconds: 300, maxEntries: 10 });
    t.learn(10, A, 1, 0);
    t.learn(10, B, 2, 0);
    t.learn(20, C, 1, 0);
    expect(t.flush({ port: 1, vlan: 10 })).toBe(1);
    expect(t.flush({ vlan: 20 })).toBe(1);
    expect(t.flush()).toBe(1);
    expect(t.size).toBe(0);
  });

  it("shrinking the size limit evicts down to it", () => {
    const t = new MacTable({ agingSeconds: 300, maxEntries: 10 });
    for (const m of [A, B, C]) t.learn(10, m, 1, 0);
    t.configure({ agingSeconds: 300, maxEntries: 1 }, 0);
    expect(t.size).toBe(1);
    expect(t.lookup(10, C, 0)).toBe(1);
  });
});
