import { describe, expect, it } from "vitest";
import { libc } from "../../../src/sys/libc.ts";
import { eventfdDrain, eventfdOpen, eventfdSignal, POLLIN, PollSet } from "../../../src/sys/poll.ts";

describe("poll and eventfd", () => {
  it("wakes a poller when an eventfd is signalled, and drains the count", () => {
    const a = eventfdOpen();
    const b = eventfdOpen();
    try {
      const set = new PollSet();
      set.add(a);
      set.add(b, POLLIN);
      expect(set.wait(0)).toBe(0);
      eventfdSignal(b, 3n);
      expect(set.wait(1000)).toBe(1);
      expect(set.revents(0)).toBe(0);
      expect(set.revents(1) & POLLIN).toBe(POLLIN);
      expect(eventfdDrain(b)).toBe(3n);
      expect(eventfdDrain(b)).toBe(0n);
      expect(set.wait(0)).toBe(0);
      set.remove(b);
      expect(set.size).toBe(1);
      eventfdSignal(a);
      expect(set.wait(0)).toBe(1);
      expect(set.fdAt(0)).toBe(a);
    } finally {
      libc.close(a);
      libc.close(b);
    }
  });

  it("times out after roughly the time asked", () => {
    const fd = eventfdOpen();
    try {
      const set = new PollSet();
      set.add(fd);
      const t0 = performance.now();
      expect(set.wait(30)).toBe(0);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(25);
    } finally {
      libc.close(fd);
    }
  });
});
