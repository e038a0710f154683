// LinkMonitor with scripted readers: a change is reported once, with the new state; no change,
// no report; a throwing reader counts as down; unwatched ports are never reported again.

import { describe, expect, it } from "vitest";
import { LinkMonitor } from "../../../src/bridge/link-monitor.ts";

describe("LinkMonitor", () => {
  it("reports each change once, with the new state", () => {
    const seen: Array<[string, boolean]> = [];
    const mon = new LinkMonitor((k, up) => seen.push([k, up]));
    let a = true;
    mon.watch("br/a", () => a, true);
    mon.watch("br/b", () => true, true);
    mon.poll();
    expect(seen).toEqual([]);
    a = false;
    mon.poll();
    mon.poll();
    expect(seen).toEqual([["br/a", false]]);
    expect(mon.state("br/a")).toBe(false);
    a = true;
    mon.poll();
    expect(seen).toEqual([
      ["br/a", false],
      ["br/a", true],
    ]);
  });

  it("treats a reader that throws as link down", () => {
    const seen: Array<[string, boolean]> = [];
    const mon = new LinkMonitor((k, up) => seen.push([k, up]));
    mon.watch(
      "br/gone",
      () => {
        throw new Error("ENODEV");
      },
      true,
    );
    mon.poll();
    expect(seen).toEqual([["br/gone", false]]);
  });

  it("forgets unwatched ports, also when unwatched from another port's callback", () => {
    const seen: string[] = [];
    let mon: LinkMonitor;
    mon = new LinkMonitor((k) => {
      seen.push(k);
      mon.unwatch("br/b");
    });
    mon.watch("br/a", () => false, true);
    mon.watch("br/b", () => false, true);
    mon.poll();
    expect(seen).toEqual(["br/a"]);
    expect(mon.state("br/b")).toBeUndefined();
  });
});
