// `wasmvs dpctl show` text: OVS's lookups line (hits are EMC + megaflow hits), wasmvs's split of
// the hits between the exact-match cache and the megaflow classifier, upcalls, flows and ports.

import { describe, expect, it } from "vitest";
import { renderDatapathShow } from "../../../src/cli/dpctl-command.ts";

describe("wasmvs dpctl show", () => {
  it("renders every counter line from the counters by name", () => {
    const text = renderDatapathShow({
      flows: 4,
      counters: {
        "emc.hit": 900,
        "emc.miss": 120,
        "megaflow.hit": 100,
        "megaflow.miss": 20,
        "upcall.miss": 20,
        "upcall.action": 3,
        "upcall.queue_full": 1,
      },
      ports: [
        { dpPort: 1, bridge: "br0", name: "br0", attached: true },
        { dpPort: 2, bridge: "br0", name: "veth1", attached: true },
        { dpPort: 3, bridge: "br0", name: "tap9", attached: false },
      ],
    });
    expect(text).toBe(
      [
        "wasmvs@datapath:",
        "  lookups: hit:1000 missed:20 lost:1",
        "  emc: hit:900 miss:120  megaflow: hit:100 miss:20",
        "  upcalls: miss:20 action:3 queue_full:1",
        "  flows: 4",
        "  port 1: br0 (bridge br0)",
        "  port 2: veth1 (bridge br0)",
        "  port 3: tap9 (bridge br0, not attached)",
        "",
      ].join("\n"),
    );
  });

  it("shows 0 for counters a datapath does not report", () => {
    expect(renderDatapathShow({ flows: 0, counters: {}, ports: [] })).toBe(
      [
        "wasmvs@datapath:",
        "  lookups: hit:0 missed:0 lost:0",
        "  emc: hit:0 miss:0  megaflow: hit:0 miss:0",
        "  upcalls: miss:0 action:0 queue_full:0",
        "  flows: 0",
        "",
      ].join("\n"),
    );
  });
});
