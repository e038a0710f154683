// openflowProblems: which dissected segments break "zero malformed". The one excused shape is an
// ERROR whose embedded request is cut at 64 bytes (as the spec and Open vSwitch send it), also
// when the same write carries more messages after it; anything else malformed is a problem.

import { describe, expect, it } from "vitest";
import { type DissectedSegment, openflowProblems } from "./openflow-dissect.ts";

const seg = (over: Partial<DissectedSegment>): DissectedSegment => ({
  frame: 1,
  srcPort: 6653,
  types: [],
  v10Types: [],
  reassembledIn: null,
  malformed: false,
  severities: [],
  retransmission: false,
  info: "",
  ...over,
});

const SEVERITY_ERROR = 0x00800000;

describe("openflowProblems", () => {
  it("excuses an ERROR carrying a truncated request, alone or followed by a BARRIER_REPLY", () => {
    const alone = seg({ types: [1, 15], malformed: true, severities: [SEVERITY_ERROR], info: "Type: OFPT_ERROR" });
    const followed = seg({
      types: [1, 15, 21],
      malformed: true,
      severities: [SEVERITY_ERROR],
      info: "Type: OFPT_ERROR",
    });
    expect(openflowProblems([alone, followed])).toEqual([]);
  });

  it("flags any other malformed segment or expert error", () => {
    const bad = [
      seg({ types: [21], malformed: true, info: "Type: OFPT_BARRIER_REPLY" }),
      seg({ types: [1], malformed: true, info: "Type: OFPT_ERROR" }),
      seg({ types: [19, 1, 15], malformed: true, info: "Type: OFPT_MULTIPART_REPLY" }),
      seg({ types: [10], severities: [SEVERITY_ERROR], info: "Type: OFPT_PACKET_IN" }),
      seg({ info: "bytes that are not OpenFlow" }),
    ];
    expect(openflowProblems(bad)).toEqual(bad);
  });
});
