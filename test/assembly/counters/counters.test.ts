import { describe, expect, it } from "vitest";
import { createFastPath, readCounters } from "../../../src/datapath/fastpath-module.ts";

describe("fast-path counter table", () => {
  it("names every slot once, in stage.name form", async () => {
    const fp = await createFastPath({ buffers: 16 });
    const n = fp.counterCount();
    const names = Array.from({ length: n }, (_, i) => fp.counterName(i));
    expect(names.every((s) => /^[a-z]+\.[a-z0-9_]+$/.test(s))).toBe(true);
    expect(new Set(names).size).toBe(n);
    expect(Object.keys(readCounters(fp))).toHaveLength(n);
  });
});
