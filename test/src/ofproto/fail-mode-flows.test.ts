import { describe, expect, it } from "vitest";
import type { FailMode } from "../../../src/config/model.ts";
import { applyFailModeFlows, mayFailOpen, wantsNormalFlow } from "../../../src/ofproto/fail-mode-flows.ts";
import type { FlowModRequest } from "../../../src/ofproto/flow-mod.ts";

function run(old: [FailMode, string[]] | undefined, next: [FailMode, string[]]): string[] {
  const ops: string[] = [];
  const target = {
    flowMod: (_b: string, fm: FlowModRequest) =>
      ops.push(fm.command === 3 ? `delete table=${fm.tableId}` : "add NORMAL"),
  };
  const view = (v: [FailMode, string[]]) => ({ failMode: v[0], controllers: v[1] });
  applyFailModeFlows(target, "br0", old && view(old), view(next));
  return ops;
}

const C = ["tcp:127.0.0.1:6633"];

describe("applyFailModeFlows", () => {
  it("a new bridge keeps its NORMAL flow only when standalone without controllers", () => {
    expect(run(undefined, ["standalone", []])).toEqual([]);
    expect(run(undefined, ["secure", []])).toEqual(["delete table=255"]);
    expect(run(undefined, ["standalone", C])).toEqual(["delete table=255"]);
  });

  it("flushes on the first controller and on the last one going, as OVS does", () => {
    expect(run(["standalone", []], ["standalone", C])).toEqual(["delete table=255"]);
    expect(run(["standalone", C], ["standalone", []])).toEqual(["delete table=255", "add NORMAL"]);
    expect(run(["secure", C], ["secure", []])).toEqual(["delete table=255"]);
    expect(run(["standalone", C], ["standalone", ["ptcp:6653"]])).toEqual([]);
  });

  it("flushes on a fail-mode change only without controllers", () => {
    expect(run(["standalone", []], ["secure", []])).toEqual(["delete table=255"]);
    expect(run(["secure", []], ["standalone", []])).toEqual(["delete table=255", "add NORMAL"]);
    expect(run(["secure", C], ["standalone", C])).toEqual([]);
    expect(run(["standalone", []], ["standalone", []])).toEqual([]);
  });

  it("says which bridges want NORMAL and which may fail open", () => {
    expect(wantsNormalFlow({ failMode: "standalone", controllers: [] })).toBe(true);
    expect(wantsNormalFlow({ failMode: "secure", controllers: [] })).toBe(false);
    expect(mayFailOpen({ failMode: "standalone", controllers: C })).toBe(true);
    expect(mayFailOpen({ failMode: "secure", controllers: C })).toBe(false);
    expect(mayFailOpen({ failMode: "standalone", controllers: [] })).toBe(false);
  });
});
