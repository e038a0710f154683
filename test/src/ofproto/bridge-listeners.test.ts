// BridgeListeners: events reach the listeners of their bridge only, in subscription order;
// unsubscribing removes the listener (twice is harmless) and the bridge's entry with the last.

import { describe, expect, it } from "vitest";
import { BridgeListeners } from "../../../src/ofproto/bridge-listeners.ts";

describe("BridgeListeners", () => {
  it("delivers per bridge, in order, and forgets unsubscribed listeners", () => {
    const l = new BridgeListeners<number>();
    const got: string[] = [];
    const u1 = l.subscribe("a", (n) => got.push(`1:${n}`));
    l.subscribe("a", (n) => got.push(`2:${n}`));
    l.subscribe("b", (n) => got.push(`b:${n}`));
    expect(l.emit("a", 7)).toBe(2);
    expect(got).toEqual(["1:7", "2:7"]);
    u1();
    u1();
    expect(l.emit("a", 8)).toBe(1);
    expect(l.emit("c", 9)).toBe(0);
    expect(got).toEqual(["1:7", "2:7", "2:8"]);
  });
  it("has() is false once the last listener of a bridge is gone", () => {
    const l = new BridgeListeners<number>();
    const u = l.subscribe("a", () => {});
    expect(l.has("a")).toBe(true);
    u();
    expect(l.has("a")).toBe(false);
  });
});
