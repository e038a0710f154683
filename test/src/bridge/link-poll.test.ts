// LinkPoll: link changes of polled ports reported once each, against a scripted reader.
//
// What it proves: ports are assumed up, so the first check reports only ports found down; a
// change is reported once, an unchanged state never; an unreadable device (undefined) changes
// nothing; forget() makes a port's next reading start from "up" again.

import { describe, expect, it } from "vitest";
import { LinkPoll } from "../../../src/bridge/link-poll.ts";

describe("LinkPoll", () => {
  it("reports each change once, ignores unreadable devices, and forgets", () => {
    const state = new Map<string, boolean | undefined>([
      ["a", true],
      ["b", false],
      ["c", undefined],
    ]);
    const poll = new LinkPoll((n) => state.get(n));
    const targets = ["a", "b", "c"].map((n) => ({ key: `br/${n}`, netdev: n }));
    const seen: string[] = [];
    const check = () => poll.check(targets, (t, up) => seen.push(`${t.netdev}:${up ? "up" : "down"}`));
    check();
    expect(seen).toEqual(["b:down"]);
    check();
    expect(seen).toEqual(["b:down"]);
    state.set("a", false);
    state.set("b", true);
    check();
    expect(seen).toEqual(["b:down", "a:down", "b:up"]);
    poll.forget("br/a");
    check(); // a is still down, and after forget() it starts from "up" again
    expect(seen).toEqual(["b:down", "a:down", "b:up", "a:down"]);
  });
});
