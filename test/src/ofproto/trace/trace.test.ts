// `wasmvs trace` scenarios with their exact output, as text and as the whole JSON document:
// NORMAL (learned, flooded, VLAN drop on an access and on a trunk port), a multi-table pipeline
// (goto_table nested under the goto, write-metadata, set-field), groups, a CONTROLLER output,
// set-field values before and after, and the three guards — the goto depth guard (OpenFlow 1.3
// has no resubmit: goto_table chains are its nesting), the group chain guard and the fan-out
// guard; --names wherever a port number appears; what a trace without --generate leaves alone;
// and input errors that name the token at fault.
// How: a real Ofproto (its tables, groups, NORMAL and MAC table) with frames parsed by the real
// fast path.

import { beforeAll, describe, expect, it } from "vitest";
import type { Action } from "../../../../openflow/actions/actions.ts";
import { OFPG_ANY, OFPP } from "../../../../openflow/constants.ts";
import type { Bucket } from "../../../../openflow/messages/group-buckets.ts";
import { OFPGC, OFPGT_TYPES } from "../../../../openflow/messages/group-mod.ts";
import { describeActions } from "../../../../src/datapath/datapath-actions.ts";
import { createFastPath, type FastPath } from "../../../../src/datapath/fastpath-module.ts";
import { policyOf } from "../../../../src/ofproto/normal/vlan-policy.ts";
import {
  runTrace,
  TRACE_REPORT_VERSION,
  TraceInputError,
  type TraceReport,
  type TraceStep,
  traceText,
} from "../../../../src/ofproto/trace/trace.ts";
import { MAX_DEPTH, MAX_GROUP_DEPTH, MAX_RESUBMITS } from "../../../../src/ofproto/xlate/xlate-context.ts";
import { apply, goto, grp, m, macBytes, meta, out, setf } from "../xlate/xlate-harness.ts";
import { BRIDGE, flowMod, traceBridge } from "./trace-harness.ts";

let fp: FastPath;
beforeAll(async () => {
  fp = await createFastPath({ buffers: 64 });
});

const A = "02:00:00:00:00:01";
const B = "02:00:00:00:00:02";
/** p1, p2: trunks of every VLAN; p3: access VLAN 20; p4: trunk of VLANs 10, 20, 30. */
const bridge = () => traceBridge(fp, 4, { 3: policyOf("access", 20, []), 4: policyOf("trunk", 0, [10, 30, 20]) });
const bucket = (actions: Action[]): Bucket => ({ weight: 0, watchPort: OFPP.ANY, watchGroup: OFPG_ANY, actions });
const lines = (xs: string[]) => `${xs.join("\n")}\n`;

/** The exact text `wasmvs trace` prints and the exact JSON document `--json` prints. */
function expectReport(r: TraceReport, text: string[], json: unknown): void {
  expect(traceText(r)).toBe(lines(text));
  expect(JSON.parse(JSON.stringify(r))).toEqual(json);
}

const PORTS = [1, 2, 3, 4].map((i) => ({ ofPort: i, dpPort: i, name: `p${i}` }));
const FLOW0 = "in_port=1,vlan_tci=0x0000/0x1fff,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,dl_type=0x5ff";
const table = (tableId: number, depth: number, priority: number, match: string): TraceStep => ({
  kind: "table",
  depth,
  text: `table ${tableId}: priority ${priority}, ${match || "(match anything)"}`,
  tableId,
  rule: { priority, cookie: "0x0", match },
});
const indent = (s: TraceStep) => `${"    ".repeat(s.depth)}${s.kind === "table" ? "" : "    "}${s.text}`;
/** Datapath key and mask (hex) of a guard scenario's megaflow: in_port 1 and an Ethernet
 *  header; the IPv6 one also matches eth_type (its key carries hop limit 64). */
const KEY0 = `0100000001000000${"00".repeat(12)}05ff${"00".repeat(90)}`;
const MASK0 = `ffffffff01${"00".repeat(107)}`;
const KEY6 = `0100000021200000${"00".repeat(12)}86dd${"00".repeat(8)}40${"00".repeat(81)}`;
const MASK6 = `ffffffff01${"00".repeat(15)}ffff${"00".repeat(90)}`;
const PACKET0 = "00".repeat(60);

/** The whole report of a guard scenario: its steps, a drop megaflow, the guard named. */
function guardReport(
  r: TraceReport,
  flow: string,
  megaflow: { match: string; key: string; mask: string },
  steps: TraceStep[],
  failed: string,
  packet = PACKET0,
): void {
  const all: TraceStep[] = [...steps, { kind: "drop", depth: 0, text: "result: drop megaflow (translation failed)" }];
  expectReport(
    r,
    [
      `Flow: ${flow}`,
      "",
      'bridge("br0")',
      "-------------",
      ...all.map(indent),
      "",
      "Final flow: unchanged",
      `Megaflow: ${megaflow.match}`,
      "Datapath actions: drop(1)",
      `Translation failed: ${failed}`,
    ],
    {
      version: TRACE_REPORT_VERSION,
      bridge: "br0",
      generate: false,
      inPort: { ofPort: 1, name: "p1" },
      packet,
      flow,
      steps: all,
      finalFlow: flow,
      megaflow,
      datapathActions: "drop(1)",
      failed,
      ports: PORTS,
    },
  );
}

describe("wasmvs trace: NORMAL (exact text and JSON)", () => {
  it("forwards to the port the destination was learned on (--generate learned it)", async () => {
    const b = bridge();
    await runTrace(b.target, { flow: `in_port=2,dl_src=${B},dl_dst=${A}`, generate: true });
    const r = await runTrace(b.target, { flow: `in_port=1,dl_src=${A},dl_dst=${B}` });
    expectReport(
      r,
      [
        "Flow: in_port=1,vlan_tci=0x0000/0x1fff,dl_src=02:00:00:00:00:01,dl_dst=02:00:00:00:00:02,dl_type=0x5ff",
        "",
        'bridge("br0")',
        "-------------",
        "table 0: priority 0, (match anything)",
        "    apply_actions: output:NORMAL",
        "    output:NORMAL",
        "        input: port p1, VLAN 0 (untagged)",
        "        forward: 02:00:00:00:00:02 learned on port p2",
        "        output: port p2 untagged",
        "    action set: empty",
        "",
        "Final flow: unchanged",
        "Megaflow: in_port=1,vlan_tci=0x0000/0x1fff,dl_src=02:00:00:00:00:01,dl_dst=02:00:00:00:00:02",
        "Datapath actions: output:2",
      ],
      {
        version: 2,
        bridge: "br0",
        generate: false,
        inPort: {
          ofPort: 1,
          name: "p1",
        },
        packet:
          "020000000002020000000001000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        flow: "in_port=1,vlan_tci=0x0000/0x1fff,dl_src=02:00:00:00:00:01,dl_dst=02:00:00:00:00:02,dl_type=0x5ff",
        steps: [
          {
            kind: "table",
            depth: 0,
            text: "table 0: priority 0, (match anything)",
            tableId: 0,
            rule: {
              priority: 0,
              cookie: "0x0",
              match: "",
            },
          },
          {
            kind: "instruction",
            depth: 0,
            text: "apply_actions: output:NORMAL",
          },
          {
            kind: "normal",
            depth: 0,
            text: "output:NORMAL",
            normal: {
              decision: "forward",
              ports: ["p2"],
              vlan: 0,
              reason: "02:00:00:00:00:02 learned on port p2",
            },
          },
          {
            kind: "normal",
            depth: 1,
            text: "input: port p1, VLAN 0 (untagged)",
          },
          {
            kind: "normal",
            depth: 1,
            text: "forward: 02:00:00:00:00:02 learned on port p2",
          },
          {
            kind: "normal",
            depth: 1,
            text: "output: port p2 untagged",
          },
          {
            kind: "action-set",
            depth: 0,
            text: "action set: empty",
          },
        ],
        finalFlow: "in_port=1,vlan_tci=0x0000/0x1fff,dl_src=02:00:00:00:00:01,dl_dst=02:00:00:00:00:02,dl_type=0x5ff",
        megaflow: {
          match: "in_port=1,vlan_tci=0x0000/0x1fff,dl_src=02:00:00:00:00:01,dl_dst=02:00:00:00:00:02",
          key: "010000000100000002000000000202000000000105ff000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
          mask: "ffffffff07000000ffffffffffffffffffffffff0000ffffffffffff000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        },
        datapathActions: "output:2",
        ports: [
          {
            ofPort: 1,
            dpPort: 1,
            name: "p1",
          },
          {
            ofPort: 2,
            dpPort: 2,
            name: "p2",
          },
          {
            ofPort: 3,
            dpPort: 3,
            name: "p3",
          },
          {
            ofPort: 4,
            dpPort: 4,
            name: "p4",
          },
        ],
      },
    );
    expect(traceText(r, { names: true })).toBe(
      lines([
        "Flow: in_port=p1,vlan_tci=0x0000/0x1fff,dl_src=02:00:00:00:00:01,dl_dst=02:00:00:00:00:02,dl_type=0x5ff",
        "",
        'bridge("br0")',
        "-------------",
        "table 0: priority 0, (match anything)",
        "    apply_actions: output:NORMAL",
        "    output:NORMAL",
        "        input: port p1, VLAN 0 (untagged)",
        "        forward: 02:00:00:00:00:02 learned on port p2",
        "        output: port p2 untagged",
        "    action set: empty",
        "",
        "Final flow: unchanged",
        "Megaflow: in_port=p1,vlan_tci=0x0000/0x1fff,dl_src=02:00:00:00:00:01,dl_dst=02:00:00:00:00:02",
        "Datapath actions: output:p2",
      ]),
    );
  });

  it("floods an unknown destination to the ports of its VLAN only", async () => {
    const r = await runTrace(bridge().target, { flow: `in_port=1,dl_src=${A},dl_dst=${B},dl_vlan=30` });
    expectReport(
      r,
      [
        "Flow: in_port=1,dl_vlan=30,dl_vlan_pcp=0,dl_src=02:00:00:00:00:01,dl_dst=02:00:00:00:00:02,dl_type=0x5ff",
        "",
        'bridge("br0")',
        "-------------",
        "table 0: priority 0, (match anything)",
        "    apply_actions: output:NORMAL",
        "    output:NORMAL",
        "        input: port p1, VLAN 30 (tagged 30)",
        "        flood: 02:00:00:00:00:02 not learned on VLAN 30",
        "        output: port p2 tagged VLAN 30",
        "        output: port p4 tagged VLAN 30",
        "    action set: empty",
        "",
        "Final flow: unchanged",
        "Megaflow: in_port=1,dl_vlan=30,dl_vlan_pcp=0,dl_src=02:00:00:00:00:01,dl_dst=02:00:00:00:00:02",
        "Datapath actions: output:2,output:4",
      ],
      {
        version: 2,
        bridge: "br0",
        generate: false,
        inPort: {
          ofPort: 1,
          name: "p1",
        },
        packet:
          "0200000000020200000000018100001e0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        flow: "in_port=1,dl_vlan=30,dl_vlan_pcp=0,dl_src=02:00:00:00:00:01,dl_dst=02:00:00:00:00:02,dl_type=0x5ff",
        steps: [
          {
            kind: "table",
            depth: 0,
            text: "table 0: priority 0, (match anything)",
            tableId: 0,
            rule: {
              priority: 0,
              cookie: "0x0",
              match: "",
            },
          },
          {
            kind: "instruction",
            depth: 0,
            text: "apply_actions: output:NORMAL",
          },
          {
            kind: "normal",
            depth: 0,
            text: "output:NORMAL",
            normal: {
              decision: "flood",
              ports: ["p2", "p4"],
              vlan: 30,
              reason: "02:00:00:00:00:02 not learned on VLAN 30",
            },
          },
          {
            kind: "normal",
            depth: 1,
            text: "input: port p1, VLAN 30 (tagged 30)",
          },
          {
            kind: "normal",
            depth: 1,
            text: "flood: 02:00:00:00:00:02 not learned on VLAN 30",
          },
          {
            kind: "normal",
            depth: 1,
            text: "output: port p2 tagged VLAN 30",
          },
          {
            kind: "normal",
            depth: 1,
            text: "output: port p4 tagged VLAN 30",
          },
          {
            kind: "action-set",
            depth: 0,
            text: "action set: empty",
          },
        ],
        finalFlow: "in_port=1,dl_vlan=30,dl_vlan_pcp=0,dl_src=02:00:00:00:00:01,dl_dst=02:00:00:00:00:02,dl_type=0x5ff",
        megaflow: {
          match: "in_port=1,dl_vlan=30,dl_vlan_pcp=0,dl_src=02:00:00:00:00:01,dl_dst=02:00:00:00:00:02",
          key: "010000000300000002000000000202000000000105ff001e81000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
          mask: "ffffffff07000000ffffffffffffffffffffffff0000ffffffffffff000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        },
        datapathActions: "output:2,output:4",
        ports: [
          {
            ofPort: 1,
            dpPort: 1,
            name: "p1",
          },
          {
            ofPort: 2,
            dpPort: 2,
            name: "p2",
          },
          {
            ofPort: 3,
            dpPort: 3,
            name: "p3",
          },
          {
            ofPort: 4,
            dpPort: 4,
            name: "p4",
          },
        ],
      },
    );
  });

  it("drops a tagged frame on an access port and says which VLAN rule", async () => {
    const r = await runTrace(bridge().target, { flow: `in_port=3,dl_src=${A},dl_dst=${B},dl_vlan=30` });
    expectReport(
      r,
      [
        "Flow: in_port=3,dl_vlan=30,dl_vlan_pcp=0,dl_src=02:00:00:00:00:01,dl_dst=02:00:00:00:00:02,dl_type=0x5ff",
        "",
        'bridge("br0")',
        "-------------",
        "table 0: priority 0, (match anything)",
        "    apply_actions: output:NORMAL",
        "    output:NORMAL",
        "        drop: VLAN 30 tagged frame received on access port p3 (VLAN 20)",
        "    action set: empty",
        "",
        "Final flow: unchanged",
        "Megaflow: in_port=3,dl_vlan=30,dl_vlan_pcp=0",
        "Datapath actions: drop(2)",
      ],
      {
        version: 2,
        bridge: "br0",
        generate: false,
        inPort: {
          ofPort: 3,
          name: "p3",
        },
        packet:
          "0200000000020200000000018100001e0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        flow: "in_port=3,dl_vlan=30,dl_vlan_pcp=0,dl_src=02:00:00:00:00:01,dl_dst=02:00:00:00:00:02,dl_type=0x5ff",
        steps: [
          {
            kind: "table",
            depth: 0,
            text: "table 0: priority 0, (match anything)",
            tableId: 0,
            rule: {
              priority: 0,
              cookie: "0x0",
              match: "",
            },
          },
          {
            kind: "instruction",
            depth: 0,
            text: "apply_actions: output:NORMAL",
          },
          {
            kind: "normal",
            depth: 0,
            text: "output:NORMAL",
            normal: {
              decision: "drop",
              ports: [],
              vlan: 30,
              reason: "VLAN 30 tagged frame received on access port p3 (VLAN 20)",
            },
          },
          {
            kind: "normal",
            depth: 1,
            text: "drop: VLAN 30 tagged frame received on access port p3 (VLAN 20)",
          },
          {
            kind: "action-set",
            depth: 0,
            text: "action set: empty",
          },
        ],
        finalFlow: "in_port=3,dl_vlan=30,dl_vlan_pcp=0,dl_src=02:00:00:00:00:01,dl_dst=02:00:00:00:00:02,dl_type=0x5ff",
        megaflow: {
          match: "in_port=3,dl_vlan=30,dl_vlan_pcp=0",
          key: "030000000300000002000000000202000000000105ff001e81000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
          mask: "ffffffff070000000000000000000000000000000000ffffffffffff000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        },
        datapathActions: "drop(2)",
        ports: [
          {
            ofPort: 1,
            dpPort: 1,
            name: "p1",
          },
          {
            ofPort: 2,
            dpPort: 2,
            name: "p2",
          },
          {
            ofPort: 3,
            dpPort: 3,
            name: "p3",
          },
          {
            ofPort: 4,
            dpPort: 4,
            name: "p4",
          },
        ],
      },
    );
  });

  it("drops a VLAN a trunk does not carry and lists the trunk's VLANs", async () => {
    const r = await runTrace(bridge().target, { flow: `in_port=4,dl_src=${A},dl_dst=${B},dl_vlan=40` });
    expectReport(
      r,
      [
        "Flow: in_port=4,dl_vlan=40,dl_vlan_pcp=0,dl_src=02:00:00:00:00:01,dl_dst=02:00:00:00:00:02,dl_type=0x5ff",
        "",
        'bridge("br0")',
        "-------------",
        "table 0: priority 0, (match anything)",
        "    apply_actions: output:NORMAL",
        "    output:NORMAL",
        "        drop: VLAN 40 tagged frame received on port p4, whose trunks (10,20,30) do not include it",
        "    action set: empty",
        "",
        "Final flow: unchanged",
        "Megaflow: in_port=4,dl_vlan=40,dl_vlan_pcp=0",
        "Datapath actions: drop(2)",
      ],
      {
        version: 2,
        bridge: "br0",
        generate: false,
        inPort: {
          ofPort: 4,
          name: "p4",
        },
        packet:
          "020000000002020000000001810000280000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        flow: "in_port=4,dl_vlan=40,dl_vlan_pcp=0,dl_src=02:00:00:00:00:01,dl_dst=02:00:00:00:00:02,dl_type=0x5ff",
        steps: [
          {
            kind: "table",
            depth: 0,
            text: "table 0: priority 0, (match anything)",
            tableId: 0,
            rule: {
              priority: 0,
              cookie: "0x0",
              match: "",
            },
          },
          {
            kind: "instruction",
            depth: 0,
            text: "apply_actions: output:NORMAL",
          },
          {
            kind: "normal",
            depth: 0,
            text: "output:NORMAL",
            normal: {
              decision: "drop",
              ports: [],
              vlan: 40,
              reason: "VLAN 40 tagged frame received on port p4, whose trunks (10,20,30) do not include it",
            },
          },
          {
            kind: "normal",
            depth: 1,
            text: "drop: VLAN 40 tagged frame received on port p4, whose trunks (10,20,30) do not include it",
          },
          {
            kind: "action-set",
            depth: 0,
            text: "action set: empty",
          },
        ],
        finalFlow: "in_port=4,dl_vlan=40,dl_vlan_pcp=0,dl_src=02:00:00:00:00:01,dl_dst=02:00:00:00:00:02,dl_type=0x5ff",
        megaflow: {
          match: "in_port=4,dl_vlan=40,dl_vlan_pcp=0",
          key: "040000000300000002000000000202000000000105ff002881000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
          mask: "ffffffff070000000000000000000000000000000000ffffffffffff000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        },
        datapathActions: "drop(2)",
        ports: [
          {
            ofPort: 1,
            dpPort: 1,
            name: "p1",
          },
          {
            ofPort: 2,
            dpPort: 2,
            name: "p2",
          },
          {
            ofPort: 3,
            dpPort: 3,
            name: "p3",
          },
          {
            ofPort: 4,
            dpPort: 4,
            name: "p4",
          },
        ],
      },
    );
  });
});

describe("wasmvs trace: OpenFlow pipeline (exact text and JSON)", () => {
  it("nests the table reached by goto_table under the goto, with write-metadata and set-field", async () => {
    const b = bridge();
    b.of.flowMod(BRIDGE, flowMod({ priority: 10, match: [m("in_port", 1)], instructions: [meta(5n, 0xffn), goto(1)] }));
    b.of.flowMod(
      BRIDGE,
      flowMod({
        tableId: 1,
        priority: 5,
        cookie: 0xabn,
        match: [m("metadata", 5n)],
        instructions: [apply(setf("eth_dst", macBytes("02:00:00:00:00:09")), out(3))],
      }),
    );
    const r = await runTrace(b.target, { flow: "in_port=1,ip,nw_dst=10.1.2.3" });
    expectReport(
      r,
      [
        "Flow: ip,in_port=1,vlan_tci=0x0000/0x1fff,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=0.0.0.0,nw_dst=10.1.2.3,nw_proto=0,nw_tos=0,nw_ecn=0",
        "",
        'bridge("br0")',
        "-------------",
        "table 0: priority 10, in_port=1",
        "    write_metadata:0x5/0xff → metadata 0x5",
        "    goto_table:1",
        "    table 1: priority 5, cookie 0xab, metadata=0x5",
        "        apply_actions: set_field:02:00:00:00:00:09->eth_dst,output:3",
        "        set_field eth_dst=02:00:00:00:00:09",
        "        output:3 → datapath port 3",
        "        action set: empty",
        "",
        "Final flow: ip,metadata=0x5,in_port=1,vlan_tci=0x0000/0x1fff,dl_src=00:00:00:00:00:00,dl_dst=02:00:00:00:00:09,nw_src=0.0.0.0,nw_dst=10.1.2.3,nw_proto=0,nw_tos=0,nw_ecn=0",
        "Megaflow: in_port=1",
        "Datapath actions: set_eth_dst:02:00:00:00:00:09,output:3",
      ],
      {
        version: 2,
        bridge: "br0",
        generate: false,
        inPort: {
          ofPort: 1,
          name: "p1",
        },
        packet:
          "0000000000000000000000000800450000140000000040006ee7000000000a0102030000000000000000000000000000000000000000000000000000",
        flow: "ip,in_port=1,vlan_tci=0x0000/0x1fff,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=0.0.0.0,nw_dst=10.1.2.3,nw_proto=0,nw_tos=0,nw_ecn=0",
        steps: [
          {
            kind: "table",
            depth: 0,
            text: "table 0: priority 10, in_port=1",
            tableId: 0,
            rule: {
              priority: 10,
              cookie: "0x0",
              match: "in_port=1",
            },
          },
          {
            kind: "instruction",
            depth: 0,
            text: "write_metadata:0x5/0xff → metadata 0x5",
          },
          {
            kind: "instruction",
            depth: 0,
            text: "goto_table:1",
          },
          {
            kind: "table",
            depth: 1,
            text: "table 1: priority 5, cookie 0xab, metadata=0x5",
            tableId: 1,
            rule: {
              priority: 5,
              cookie: "0xab",
              match: "metadata=0x5",
            },
          },
          {
            kind: "instruction",
            depth: 1,
            text: "apply_actions: set_field:02:00:00:00:00:09->eth_dst,output:3",
          },
          {
            kind: "set-field",
            depth: 1,
            text: "set_field eth_dst=02:00:00:00:00:09",
            field: "eth_dst",
            from: "00:00:00:00:00:00",
            to: "02:00:00:00:00:09",
          },
          {
            kind: "output",
            depth: 1,
            text: "output:3 → datapath port 3",
            port: 3,
          },
          {
            kind: "action-set",
            depth: 1,
            text: "action set: empty",
          },
        ],
        finalFlow:
          "ip,metadata=0x5,in_port=1,vlan_tci=0x0000/0x1fff,dl_src=00:00:00:00:00:00,dl_dst=02:00:00:00:00:09,nw_src=0.0.0.0,nw_dst=10.1.2.3,nw_proto=0,nw_tos=0,nw_ecn=0",
        megaflow: {
          match: "in_port=1",
          key: "0100000011000000000000000000000000000000080000000000000000004000000000000000000000000000000000000a010203000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
          mask: "ffffffff010000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        },
        datapathActions: "set_eth_dst:02:00:00:00:00:09,output:3",
        ports: [
          {
            ofPort: 1,
            dpPort: 1,
            name: "p1",
          },
          {
            ofPort: 2,
            dpPort: 2,
            name: "p2",
          },
          {
            ofPort: 3,
            dpPort: 3,
            name: "p3",
          },
          {
            ofPort: 4,
            dpPort: 4,
            name: "p4",
          },
        ],
      },
    );
    expect(traceText(r, { names: true })).toBe(
      lines([
        "Flow: ip,in_port=p1,vlan_tci=0x0000/0x1fff,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=0.0.0.0,nw_dst=10.1.2.3,nw_proto=0,nw_tos=0,nw_ecn=0",
        "",
        'bridge("br0")',
        "-------------",
        "table 0: priority 10, in_port=p1",
        "    write_metadata:0x5/0xff → metadata 0x5",
        "    goto_table:1",
        "    table 1: priority 5, cookie 0xab, metadata=0x5",
        "        apply_actions: set_field:02:00:00:00:00:09->eth_dst,output:p3",
        "        set_field eth_dst=02:00:00:00:00:09",
        "        output:p3 → datapath port p3",
        "        action set: empty",
        "",
        "Final flow: ip,metadata=0x5,in_port=p1,vlan_tci=0x0000/0x1fff,dl_src=00:00:00:00:00:00,dl_dst=02:00:00:00:00:09,nw_src=0.0.0.0,nw_dst=10.1.2.3,nw_proto=0,nw_tos=0,nw_ecn=0",
        "Megaflow: in_port=p1",
        "Datapath actions: set_eth_dst:02:00:00:00:00:09,output:p3",
      ]),
    );
  });

  it("nests a group's buckets under the group, each on its own copy of the packet", async () => {
    const b = bridge();
    b.of.groupMod(BRIDGE, {
      command: OFPGC.ADD,
      groupType: OFPGT_TYPES.ALL,
      groupId: 7,
      buckets: [bucket([setf("vlan_vid", 0x1000 | 5), out(2)]), bucket([out(3)])],
    });
    b.of.flowMod(BRIDGE, flowMod({ priority: 10, match: [m("in_port", 1)], instructions: [apply(grp(7))] }));
    const r = await runTrace(b.target, { flow: `in_port=1,dl_src=${A},dl_dst=${B},dl_vlan=9` });
    expectReport(
      r,
      [
        "Flow: in_port=1,dl_vlan=9,dl_vlan_pcp=0,dl_src=02:00:00:00:00:01,dl_dst=02:00:00:00:00:02,dl_type=0x5ff",
        "",
        'bridge("br0")',
        "-------------",
        "table 0: priority 10, in_port=1",
        "    apply_actions: group:7",
        "    group:7 (all, 2 buckets)",
        "        bucket 0",
        "            set_field vlan_vid=4101",
        "            output:2 → datapath port 2",
        "        bucket 1",
        "            output:3 → datapath port 3",
        "    action set: empty",
        "",
        "Final flow: unchanged",
        "Megaflow: in_port=1,dl_vlan=9,dl_vlan_pcp=0",
        "Datapath actions: set_vlan_vid:5,output:2,set_vlan_vid:9,output:3",
      ],
      {
        version: 2,
        bridge: "br0",
        generate: false,
        inPort: {
          ofPort: 1,
          name: "p1",
        },
        packet:
          "020000000002020000000001810000090000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        flow: "in_port=1,dl_vlan=9,dl_vlan_pcp=0,dl_src=02:00:00:00:00:01,dl_dst=02:00:00:00:00:02,dl_type=0x5ff",
        steps: [
          {
            kind: "table",
            depth: 0,
            text: "table 0: priority 10, in_port=1",
            tableId: 0,
            rule: {
              priority: 10,
              cookie: "0x0",
              match: "in_port=1",
            },
          },
          {
            kind: "instruction",
            depth: 0,
            text: "apply_actions: group:7",
          },
          {
            kind: "group",
            depth: 0,
            text: "group:7 (all, 2 buckets)",
            groupId: 7,
          },
          {
            kind: "bucket",
            depth: 1,
            text: "bucket 0",
            groupId: 7,
          },
          {
            kind: "set-field",
            depth: 2,
            text: "set_field vlan_vid=4101",
            field: "vlan_vid",
            from: "9",
            to: "5",
          },
          {
            kind: "output",
            depth: 2,
            text: "output:2 → datapath port 2",
            port: 2,
          },
          {
            kind: "bucket",
            depth: 1,
            text: "bucket 1",
            groupId: 7,
          },
          {
            kind: "output",
            depth: 2,
            text: "output:3 → datapath port 3",
            port: 3,
          },
          {
            kind: "action-set",
            depth: 0,
            text: "action set: empty",
          },
        ],
        finalFlow: "in_port=1,dl_vlan=9,dl_vlan_pcp=0,dl_src=02:00:00:00:00:01,dl_dst=02:00:00:00:00:02,dl_type=0x5ff",
        megaflow: {
          match: "in_port=1,dl_vlan=9,dl_vlan_pcp=0",
          key: "010000000300000002000000000202000000000105ff000981000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
          mask: "ffffffff070000000000000000000000000000000000ffffffffffff000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        },
        datapathActions: "set_vlan_vid:5,output:2,set_vlan_vid:9,output:3",
        ports: [
          {
            ofPort: 1,
            dpPort: 1,
            name: "p1",
          },
          {
            ofPort: 2,
            dpPort: 2,
            name: "p2",
          },
          {
            ofPort: 3,
            dpPort: 3,
            name: "p3",
          },
          {
            ofPort: 4,
            dpPort: 4,
            name: "p4",
          },
        ],
      },
    );
    expect(traceText(r, { names: true })).toBe(
      lines([
        "Flow: in_port=p1,dl_vlan=9,dl_vlan_pcp=0,dl_src=02:00:00:00:00:01,dl_dst=02:00:00:00:00:02,dl_type=0x5ff",
        "",
        'bridge("br0")',
        "-------------",
        "table 0: priority 10, in_port=p1",
        "    apply_actions: group:7",
        "    group:7 (all, 2 buckets)",
        "        bucket 0",
        "            set_field vlan_vid=4101",
        "            output:p2 → datapath port p2",
        "        bucket 1",
        "            output:p3 → datapath port p3",
        "    action set: empty",
        "",
        "Final flow: unchanged",
        "Megaflow: in_port=p1,dl_vlan=9,dl_vlan_pcp=0",
        "Datapath actions: set_vlan_vid:5,output:p2,set_vlan_vid:9,output:p3",
      ]),
    );
  });

  it("shows a CONTROLLER output with its reason, table and max_len", async () => {
    const b = bridge();
    b.of.flowMod(
      BRIDGE,
      flowMod({
        priority: 20,
        match: [m("eth_type", 0x0800), m("ip_proto", 6), m("tcp_dst", 22)],
        instructions: [apply(out(OFPP.CONTROLLER, 128))],
      }),
    );
    const r = await runTrace(b.target, { flow: "in_port=1,tcp,tp_dst=22" });
    expectReport(
      r,
      [
        "Flow: tcp,in_port=1,vlan_tci=0x0000/0x1fff,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=0.0.0.0,nw_dst=0.0.0.0,nw_tos=0,nw_ecn=0,tp_src=0,tp_dst=22",
        "",
        'bridge("br0")',
        "-------------",
        "table 0: priority 20, tcp,tp_dst=22",
        "    apply_actions: output:CONTROLLER",
        "    output:CONTROLLER (reason action, table 0, max_len 128)",
        "    action set: empty",
        "",
        "Final flow: unchanged",
        "Megaflow: tcp,in_port=1,tp_dst=22",
        "Datapath actions: userspace(1610612736)",
      ],
      {
        version: 2,
        bridge: "br0",
        generate: false,
        inPort: {
          ofPort: 1,
          name: "p1",
        },
        packet:
          "0000000000000000000000000800450000280000000040067ad100000000000000000000001600000000000000005000ffff00000000000000000000",
        flow: "tcp,in_port=1,vlan_tci=0x0000/0x1fff,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=0.0.0.0,nw_dst=0.0.0.0,nw_tos=0,nw_ecn=0,tp_src=0,tp_dst=22",
        steps: [
          {
            kind: "table",
            depth: 0,
            text: "table 0: priority 20, tcp,tp_dst=22",
            tableId: 0,
            rule: {
              priority: 20,
              cookie: "0x0",
              match: "tcp,tp_dst=22",
            },
          },
          {
            kind: "instruction",
            depth: 0,
            text: "apply_actions: output:CONTROLLER",
          },
          {
            kind: "controller",
            depth: 0,
            text: "output:CONTROLLER (reason action, table 0, max_len 128)",
          },
          {
            kind: "action-set",
            depth: 0,
            text: "action set: empty",
          },
        ],
        finalFlow:
          "tcp,in_port=1,vlan_tci=0x0000/0x1fff,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=0.0.0.0,nw_dst=0.0.0.0,nw_tos=0,nw_ecn=0,tp_src=0,tp_dst=22",
        megaflow: {
          match: "tcp,in_port=1,tp_dst=22",
          key: "01000000510000000000000000000000000000000800000000000000060040000000000000000000000000000000000000000000000000000000000000000000000000160000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
          mask: "ffffffff51000000000000000000000000000000ffff000000000000ff00000000000000000000000000000000000000000000000000000000000000000000000000ffff0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        },
        datapathActions: "userspace(1610612736)",
        ports: [
          {
            ofPort: 1,
            dpPort: 1,
            name: "p1",
          },
          {
            ofPort: 2,
            dpPort: 2,
            name: "p2",
          },
          {
            ofPort: 3,
            dpPort: 3,
            name: "p3",
          },
          {
            ofPort: 4,
            dpPort: 4,
            name: "p4",
          },
        ],
      },
    );
  });

  it("shows each set-field with the value before and after (L3, L4, DSCP)", async () => {
    const b = bridge();
    b.of.flowMod(
      BRIDGE,
      flowMod({
        priority: 20,
        match: [m("eth_type", 0x0800), m("ip_proto", 6)],
        instructions: [apply(setf("ipv4_dst", 0x0a000063), setf("tcp_dst", 8080), setf("ip_dscp", 10), out(2))],
      }),
    );
    const r = await runTrace(b.target, { flow: "in_port=1,tcp,nw_src=10.0.0.1,nw_dst=10.0.0.2,tp_src=1234,tp_dst=80" });
    expectReport(
      r,
      [
        "Flow: tcp,in_port=1,vlan_tci=0x0000/0x1fff,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_tos=0,nw_ecn=0,tp_src=1234,tp_dst=80",
        "",
        'bridge("br0")',
        "-------------",
        "table 0: priority 20, tcp",
        "    apply_actions: set_field:167772259->ipv4_dst,set_field:8080->tcp_dst,set_field:10->ip_dscp,output:2",
        "    set_field ipv4_dst=167772259",
        "    set_field tcp_dst=8080",
        "    set_field ip_dscp=10",
        "    output:2 → datapath port 2",
        "    action set: empty",
        "",
        "Final flow: tcp,in_port=1,vlan_tci=0x0000/0x1fff,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=10.0.0.1,nw_dst=10.0.0.99,nw_tos=40,nw_ecn=0,tp_src=1234,tp_dst=8080",
        "Megaflow: tcp,in_port=1",
        "Datapath actions: set_ipv4_dst:10.0.0.99,set_dscp:10,set_tp_dst:8080,output:2",
      ],
      {
        version: 2,
        bridge: "br0",
        generate: false,
        inPort: {
          ofPort: 1,
          name: "p1",
        },
        packet:
          "00000000000000000000000008004500002800000000400666ce0a0000010a00000204d2005000000000000000005000ffff00000000000000000000",
        flow: "tcp,in_port=1,vlan_tci=0x0000/0x1fff,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_tos=0,nw_ecn=0,tp_src=1234,tp_dst=80",
        steps: [
          {
            kind: "table",
            depth: 0,
            text: "table 0: priority 20, tcp",
            tableId: 0,
            rule: {
              priority: 20,
              cookie: "0x0",
              match: "tcp",
            },
          },
          {
            kind: "instruction",
            depth: 0,
            text: "apply_actions: set_field:167772259->ipv4_dst,set_field:8080->tcp_dst,set_field:10->ip_dscp,output:2",
          },
          {
            kind: "set-field",
            depth: 0,
            text: "set_field ipv4_dst=167772259",
            field: "ipv4_dst",
            from: "10.0.0.2",
            to: "10.0.0.99",
          },
          {
            kind: "set-field",
            depth: 0,
            text: "set_field tcp_dst=8080",
            field: "tcp_dst",
            from: "80",
            to: "8080",
          },
          {
            kind: "set-field",
            depth: 0,
            text: "set_field ip_dscp=10",
            field: "ip_dscp",
            from: "0",
            to: "10",
          },
          {
            kind: "output",
            depth: 0,
            text: "output:2 → datapath port 2",
            port: 2,
          },
          {
            kind: "action-set",
            depth: 0,
            text: "action set: empty",
          },
        ],
        finalFlow:
          "tcp,in_port=1,vlan_tci=0x0000/0x1fff,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=10.0.0.1,nw_dst=10.0.0.99,nw_tos=40,nw_ecn=0,tp_src=1234,tp_dst=8080",
        megaflow: {
          match: "tcp,in_port=1",
          key: "01000000510000000000000000000000000000000800000000000000060040000a0000010000000000000000000000000a00000200000000000000000000000004d200500000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
          mask: "ffffffff71000000000000000000000000000000ffff000000000000ff0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        },
        datapathActions: "set_ipv4_dst:10.0.0.99,set_dscp:10,set_tp_dst:8080,output:2",
        ports: [
          {
            ofPort: 1,
            dpPort: 1,
            name: "p1",
          },
          {
            ofPort: 2,
            dpPort: 2,
            name: "p2",
          },
          {
            ofPort: 3,
            dpPort: 3,
            name: "p3",
          },
          {
            ofPort: 4,
            dpPort: 4,
            name: "p4",
          },
        ],
      },
    );
  });
});

describe("wasmvs trace: the guards name what stopped translation (exact text and JSON)", () => {
  it("goto depth guard (OpenFlow 1.3's resubmit): 64 nested tables, each indented under its goto", async () => {
    const b = bridge();
    for (let t = 0; t < 70; t++) {
      b.of.flowMod(
        BRIDGE,
        flowMod({ tableId: t, priority: 30, match: [m("eth_type", 0x86dd)], instructions: [goto(t + 1)] }),
      );
    }
    const r = await runTrace(b.target, { flow: "in_port=1,ipv6" });
    const steps: TraceStep[] = [];
    for (let t = 0; t < MAX_DEPTH; t++) {
      steps.push(table(t, t, 30, "ipv6"), { kind: "instruction", depth: t, text: `goto_table:${t + 1}` });
    }
    const failed = `MAX_DEPTH guard: table nesting deeper than ${MAX_DEPTH}`;
    steps.push({ kind: "fail", depth: MAX_DEPTH, text: `translation failed: ${failed}` });
    const flow =
      "ipv6,in_port=1,vlan_tci=0x0000/0x1fff,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,ipv6_src=::,ipv6_dst=::,ipv6_label=0x00000,nw_proto=0,nw_tos=0,nw_ecn=0";
    const packet = `${"00".repeat(12)}86dd6000000000000040${"00".repeat(32)}`.padEnd(120, "0");
    guardReport(r, flow, { match: "ipv6,in_port=1", key: KEY6, mask: MASK6 }, steps, failed, packet);
    expect(traceText(r).split("\n")[4 + 2 * 63]).toBe(`${" ".repeat(4 * 63)}table 63: priority 30, ipv6`);
  });

  it("group chain guard: a chain of 40 indirect groups stops at the 33rd", async () => {
    const b = bridge();
    const indirect = (groupId: number, actions: Action[]) =>
      b.of.groupMod(BRIDGE, {
        command: OFPGC.ADD,
        groupType: OFPGT_TYPES.INDIRECT,
        groupId,
        buckets: [bucket(actions)],
      });
    indirect(40, [out(2)]);
    for (let g = 39; g >= 1; g--) indirect(g, [grp(g + 1)]);
    b.of.flowMod(BRIDGE, flowMod({ priority: 10, match: [], instructions: [apply(grp(1))] }));
    const r = await runTrace(b.target, { flow: "in_port=1" });
    const steps: TraceStep[] = [table(0, 0, 10, ""), { kind: "instruction", depth: 0, text: "apply_actions: group:1" }];
    for (let g = 1; g <= MAX_GROUP_DEPTH; g++) {
      const d = 2 * (g - 1);
      steps.push(
        { kind: "group", depth: d, text: `group:${g} (indirect, 1 buckets)`, groupId: g },
        { kind: "bucket", depth: d + 1, text: "bucket 0", groupId: g },
      );
    }
    const failed = `MAX_GROUP_DEPTH guard: groups nested deeper than ${MAX_GROUP_DEPTH}`;
    const d = 2 * MAX_GROUP_DEPTH;
    steps.push(
      { kind: "group", depth: d, text: `group:${MAX_GROUP_DEPTH + 1} (indirect, 1 buckets)`, groupId: 33 },
      { kind: "fail", depth: d, text: `translation failed: ${failed}` },
    );
    guardReport(r, FLOW0, { match: "in_port=1", key: KEY0, mask: MASK0 }, steps, failed);
  });

  it("fan-out guard: ALL groups of ALL groups stop after 4,096 lookups and buckets", async () => {
    const b = bridge();
    const fan = (groupId: number, actions: Action[]) =>
      b.of.groupMod(BRIDGE, {
        command: OFPGC.ADD,
        groupType: OFPGT_TYPES.ALL,
        groupId,
        buckets: Array.from({ length: 16 }, () => bucket(actions)),
      });
    fan(3, []);
    fan(2, [grp(3)]);
    fan(1, [grp(2)]);
    b.of.flowMod(BRIDGE, flowMod({ priority: 10, match: [], instructions: [apply(grp(1))] }));
    const r = await runTrace(b.target, { flow: "in_port=1" });
    const group = (g: number, depth: number): TraceStep => ({
      kind: "group",
      depth,
      text: `group:${g} (all, 16 buckets)`,
      groupId: g,
    });
    const bkt = (g: number, i: number, depth: number): TraceStep => ({
      kind: "bucket",
      depth,
      text: `bucket ${i}`,
      groupId: g,
    });
    const steps: TraceStep[] = [table(0, 0, 10, ""), { kind: "instruction", depth: 0, text: "apply_actions: group:1" }];
    steps.push(group(1, 0));
    // One lookup, then 1 + 16 x (1 + 16) = 273 per bucket of group 1: 15 of them fit in 4,096.
    for (let i = 0; i < 15; i++) {
      steps.push(bkt(1, i, 1), group(2, 2));
      for (let j = 0; j < 16; j++) {
        steps.push(bkt(2, j, 3), group(3, 4));
        for (let k = 0; k < 16; k++) steps.push(bkt(3, k, 5));
      }
    }
    const failed = `MAX_RESUBMITS guard: more than ${MAX_RESUBMITS} lookups and buckets`;
    steps.push({ kind: "fail", depth: 1, text: `translation failed: ${failed}` });
    guardReport(r, FLOW0, { match: "in_port=1", key: KEY0, mask: MASK0 }, steps, failed);
  });
});

describe("wasmvs trace --names", () => {
  it("names every port number: flows, rule matches, outputs, datapath ports, datapath actions", async () => {
    const b = traceBridge(fp, 3, {}, (i) => ({ ofPort: 10 + i, name: `vm${i}` }));
    b.of.flowMod(
      BRIDGE,
      flowMod({ priority: 10, match: [m("in_port", 11)], instructions: [apply(out(12), out(OFPP.NORMAL)), goto(1)] }),
    );
    b.of.flowMod(BRIDGE, flowMod({ tableId: 1, priority: 1, match: [], instructions: [apply(out(13))] }));
    const r = await runTrace(b.target, { flow: `in_port=vm1,dl_src=${A},dl_dst=${B}` });
    expect(traceText(r, { names: true })).toBe(
      lines([
        `Flow: in_port=vm1,vlan_tci=0x0000/0x1fff,dl_src=${A},dl_dst=${B},dl_type=0x5ff`,
        "",
        'bridge("br0")',
        "-------------",
        "table 0: priority 10, in_port=vm1",
        "    apply_actions: output:vm2,output:NORMAL",
        "    output:vm2 → datapath port vm2",
        "    output:NORMAL",
        "        input: port vm1, VLAN 0 (untagged)",
        "        flood: 02:00:00:00:00:02 not learned on VLAN 0",
        "        output: port vm2 untagged",
        "        output: port vm3 untagged",
        "    goto_table:1",
        "    table 1: priority 1, (match anything)",
        "        apply_actions: output:vm3",
        "        output:vm3 → datapath port vm3",
        "        action set: empty",
        "",
        "Final flow: unchanged",
        `Megaflow: in_port=vm1,vlan_tci=0x0000/0x1fff,dl_src=${A},dl_dst=${B}`,
        "Datapath actions: output:vm2,output:vm2,output:vm3,output:vm3",
      ]),
    );
    // Without names: OpenFlow numbers in flows and rules, datapath numbers in datapath actions.
    expect(traceText(r)).toContain("table 0: priority 10, in_port=11\n    apply_actions: output:12,output:NORMAL\n");
    expect(traceText(r)).toContain("    output:12 → datapath port 2\n");
    expect(traceText(r)).toContain("Datapath actions: output:2,output:2,output:3,output:3\n");
  });
});

describe("wasmvs trace without --generate changes nothing", () => {
  it("no install, no execute, no rule or group credit, no megaflow, no MAC, no userdata handle", async () => {
    const b = bridge();
    const br = b.of.bridges.get(BRIDGE);
    if (!br) throw new Error("no bridge");
    b.of.groupMod(BRIDGE, { command: OFPGC.ADD, groupType: OFPGT_TYPES.ALL, groupId: 1, buckets: [bucket([out(2)])] });
    b.of.flowMod(
      BRIDGE,
      flowMod({
        priority: 10,
        match: [m("in_port", 1)],
        instructions: [apply(grp(1), out(OFPP.NORMAL), out(OFPP.CONTROLLER, 200))],
      }),
    );
    const rules = () => [...br.tables.table(0).rules()].map((x) => [x.packetCount, x.byteCount]);
    const groups = () => br.groups.entries().map((g) => [g.packetCount, g.byteCount, g.bucketCounts]);
    const before = { rules: rules(), groups: groups() };
    for (const generate of [false, true]) {
      const r = await runTrace(b.target, { flow: `in_port=1,dl_src=${A},dl_dst=${B}`, generate });
      expect(r.datapathActions).toMatch(/^output:2,output:2,userspace\(\d+\)$/);
      // Neither kind of trace installs, runs or credits anything, nor interns controller userdata.
      expect(b.rt.installs).toEqual([]);
      expect(b.rt.executes).toEqual([]);
      expect(b.of.registry.size).toBe(0);
      expect({ rules: rules(), groups: groups() }).toEqual(before);
      expect(br.controller.size).toBe(0);
      expect(b.of.stats).toMatchObject({ upcalls: 0, installs: 0, packetIns: 0 });
      // Only --generate learns the source.
      expect(br.macs.lookup(0, A, b.of.now())).toBe(generate ? 1 : undefined);
    }
    // The userdata a trace shows is the one a miss of the same packet installs.
    const traced = await runTrace(b.target, { flow: `in_port=1,dl_src=${A},dl_dst=${B}` });
    b.of.onMiss(1, Buffer.from(traced.megaflow.key, "hex"), new Uint8Array(60));
    expect(b.rt.installs).toHaveLength(1);
    expect(traced.datapathActions).toBe(describeActions(b.rt.installs[0].actions));
    expect(br.controller.size).toBe(1);
  });
});

describe("wasmvs trace: input errors name the token", () => {
  const cases: Array<[string, Parameters<typeof runTrace>[1], RegExp]> = [
    ["an unknown field", { flow: "in_port=1,color=blue" }, /unknown field "color"/],
    ["a bad MAC", { flow: "in_port=1,dl_src=02:00:zz:00:00:01" }, /dl_src=02:00:zz:00:00:01: .* is not a MAC/],
    ["a bad prefix", { flow: "in_port=1,ip,nw_dst=10.0.0.0/33" }, /nw_dst=10\.0\.0\.0\/33: bad prefix length/],
    ["a value out of range", { flow: "in_port=1,tcp,tp_dst=70000" }, /tcp_dst/],
    ["an unknown port", { flow: "in_port=9,ip" }, /in_port=9: no such port on bridge br0/],
    ["an unknown port name", { flow: "in_port=eth7,ip" }, /in_port=eth7: no such port/],
    ["no in_port", { flow: "ip" }, /no in_port/],
    [
      "a mask",
      { flow: "in_port=1,ip,nw_dst=10.0.0.0/8" },
      /^nw_dst=10\.0\.0\.0\/8: a trace flow is one packet; give an exact value, not a mask$/,
    ],
    ["a missing prerequisite", { flow: "in_port=1,tp_dst=80" }, /tp_dst needs tcp, udp or sctp/],
    ["metadata", { flow: "in_port=1,metadata=5" }, /^metadata=5: not supported in a trace flow \(/],
    ["a truncated packet", { packet: Uint8Array.of(1, 2, 3), inPort: "1" }, /packet of 3 bytes/],
    [
      "both flow and packet",
      { flow: "in_port=1", packet: new Uint8Array(60), inPort: "1" },
      /either a flow or a packet/,
    ],
  ];
  for (const [what, input, message] of cases) {
    it(`refuses ${what}`, async () => {
      const b = bridge();
      const err = await runTrace(b.target, input).catch((e: Error) => e);
      expect(err).toBeInstanceOf(TraceInputError);
      expect((err as Error).message).toMatch(message);
      expect(b.rt.installs).toEqual([]);
    });
  }
});
