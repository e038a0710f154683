import { describe, expect, it } from "vitest";
import { FailOpenMonitor } from "../../../src/ofproto/fail-open.ts";

function setup() {
  const t = { now: 0, connected: false, changes: [] as boolean[] };
  const m = new FailOpenMonitor({
    triggerMs: 3000,
    connected: () => t.connected,
    onChange: (on) => t.changes.push(on),
    now: () => t.now,
    tickMs: 0,
  });
  return { t, m };
}

describe("FailOpenMonitor", () => {
  it("fails open after triggerMs without a connected controller, and closes when one connects", () => {
    const { t, m } = setup();
    m.configure(true);
    t.now = 2999;
    m.check();
    expect(m.active).toBe(false);
    t.now = 3000;
    m.check();
    expect(m.active).toBe(true);
    m.check();
    expect(t.changes).toEqual([true]);
    t.connected = true;
    m.check();
    expect(m.active).toBe(false);
    // Disconnected again: the failure counts from the last time it was seen connected.
    t.connected = false;
    t.now = 5000;
    m.check();
    expect(m.active).toBe(false);
    t.now = 6000;
    m.check();
    expect(t.changes).toEqual([true, false, true]);
  });

  it("never fails open while disabled, and stops failing open when disabled", () => {
    const { t, m } = setup();
    t.now = 100_000;
    m.check();
    expect(m.active).toBe(false);
    m.configure(true); // counts from now, not from construction
    m.check();
    expect(m.active).toBe(false);
    t.now = 103_000;
    m.check();
    expect(m.active).toBe(true);
    m.configure(false);
    expect(m.active).toBe(false);
    m.close();
    expect(t.changes).toEqual([true, false]);
  });
});
