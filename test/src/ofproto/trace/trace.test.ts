// `wasmvs trace` scenarios with their exact output: NORMAL (learned, flooded, VLAN drop), a
// multi-table pipeline with goto and write-metadata, set-field, a CONTROLLER output, the depth
// guard — as text and as the JSON document — and input errors that name the token at fault.
// How: a real Ofproto (its tables, NORMAL and MAC table) with frames parsed by the real fast path.

import { beforeAll, describe, expect, it } from "vitest";
import type { Action } from "../../../../openflow/actions/actions.ts";
import { OFPG_ANY, OFPP } from "../../../../openflow/constants.ts";
import type { Bucket } from "../../../../openflow/messages/group-buckets.ts";
import { OFPGC, OFPGT_TYPES } from "../../../../openflow/messages/group-mod.ts";
import { createFastPath, type FastPath } from "../../../../src/datapath/fastpath-module.ts";
import { policyOf } from "../../../../src/ofproto/normal/vlan-policy.ts";
import { runTrace, TraceInputError, traceText } from "../../../../src/ofproto/trace/trace.ts";
import { apply, goto, grp, m, macBytes, meta, out, setf } from "../xlate/xlate-harness.ts";
import { BRIDGE, flowMod, traceBridge } from "./trace-harness.ts";

let fp: FastPath;
beforeAll(async () => {
  fp = await createFastPath({ buffers: 64 });
});

const A = "02:00:00:00:00:01";
const B = "02:00:00:00:00:02";
const bridge = () => traceBridge(fp, 3, { 3: policyOf("access", 20, []) });

describe("wasmvs trace: NORMAL", () => {
  it("forwards to the learned port, and --generate is what learned it", async () => {
    const b = bridge();
    const learnB = `in_port=2,dl_src=${B},dl_dst=${A}`;
    await runTrace(b.target, { flow: learnB });
    expect(b.of.bridges.get(BRIDGE)?.macs.lookup(0, B, b.of.now())).toBeUndefined(); // no side effect
    const g = await runTrace(b.target, { flow: learnB, generate: true });
    expect(g.generate).toBe(true);
    expect(b.of.bridges.get(BRIDGE)?.macs.lookup(0, B, b.of.now())).toBe(2);
    const r = await runTrace(b.target, { flow: `in_port=1,dl_src=${A},dl_dst=${B}` });
    expect(traceText(r)).toBe(
      [
        `Flow: in_port=1,vlan_tci=0x0000/0x1fff,dl_src=${A},dl_dst=${B},dl_type=0x5ff`,
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
        `Megaflow: in_port=1,vlan_tci=0x0000/0x1fff,dl_src=${A},dl_dst=${B}`,
        "Datapath actions: output:2",
        "",
      ].join("\n"),
    );
    expect(traceText(r, { names: true })).toContain("Datapath actions: output:p2");
    expect(traceText(r, { names: true })).toContain("Flow: in_port=p1,");
  });

  it("floods an unknown destination to the ports of the VLAN only", async () => {
    const r = await runTrace(bridge().target, { flow: `in_port=1,dl_src=${A},dl_dst=${B},dl_vlan=30` });
    const normal = r.steps.filter((s) => s.kind === "normal").map((s) => s.text);
    expect(normal).toEqual([
      "output:NORMAL",
      "input: port p1, VLAN 30 (tagged 30)",
      "flood: 02:00:00:00:00:02 not learned on VLAN 30",
      "output: port p2 tagged VLAN 30",
    ]);
    expect(r.datapathActions).toBe("output:2");
  });

  it("says which VLAN rule dropped the packet", async () => {
    const r = await runTrace(bridge().target, { flow: `in_port=3,dl_src=${A},dl_dst=${B},dl_vlan=30` });
    expect(traceText(r)).toContain("        drop: VLAN 30 tagged frame received on access port p3 (VLAN 20)\n");
    expect(r.megaflow.match).toBe("in_port=3,dl_vlan=30,dl_vlan_pcp=0");
    expect(r.datapathActions).toBe("drop");
  });
});

describe("wasmvs trace: OpenFlow pipeline", () => {
  it("walks goto-table with write-metadata and shows set-field and the final flow", async () => {
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
    const flow =
      "in_port=1,vlan_tci=0x0000/0x1fff,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=0.0.0.0,nw_dst=10.1.2.3,nw_proto=0,nw_tos=0,nw_ecn=0";
    expect(traceText(r)).toBe(
      [
        `Flow: ip,${flow}`,
        "",
        'bridge("br0")',
        "-------------",
        "table 0: priority 10, in_port=1",
        "    write_metadata:0x5/0xff → metadata 0x5",
        "    goto_table:1",
        "table 1: priority 5, cookie 0xab, metadata=0x5",
        "    apply_actions: set_field:02:00:00:00:00:09->eth_dst,output:3",
        "    set_field eth_dst=02:00:00:00:00:09",
        "    output:3 → datapath port 3",
        "    action set: empty",
        "",
        `Final flow: ${`ip,metadata=0x5,${flow}`.replace("dl_dst=00:00:00:00:00:00", "dl_dst=02:00:00:00:00:09")}`,
        "Megaflow: in_port=1",
        "Datapath actions: set_eth_dst:02:00:00:00:00:09,output:3",
        "",
      ].join("\n"),
    );
    // The JSON document carries the same, structured.
    expect(r.steps.filter((s) => s.kind === "table")).toEqual([
      {
        kind: "table",
        depth: 0,
        text: "table 0: priority 10, in_port=1",
        tableId: 0,
        rule: { priority: 10, cookie: "0x0", match: "in_port=1" },
      },
      {
        kind: "table",
        depth: 0,
        text: "table 1: priority 5, cookie 0xab, metadata=0x5",
        tableId: 1,
        rule: { priority: 5, cookie: "0xab", match: "metadata=0x5" },
      },
    ]);
    expect(r.inPort).toEqual({ ofPort: 1, name: "p1" });
    expect(JSON.parse(JSON.stringify(r))).toEqual(r); // plain data: no bigint, no bytes
    expect(r.megaflow.key).toMatch(/^[0-9a-f]{224}$/);
  });

  it("nests a group's buckets under the group, each on its own copy of the packet", async () => {
    const b = bridge();
    const bucket = (actions: Action[]): Bucket => ({ weight: 0, watchPort: OFPP.ANY, watchGroup: OFPG_ANY, actions });
    b.of.groupMod(BRIDGE, {
      command: OFPGC.ADD,
      groupType: OFPGT_TYPES.ALL,
      groupId: 7,
      buckets: [bucket([setf("vlan_vid", 0x1000 | 5), out(2)]), bucket([out(3)])],
    });
    b.of.flowMod(BRIDGE, flowMod({ priority: 10, match: [m("in_port", 1)], instructions: [apply(grp(7))] }));
    const r = await runTrace(b.target, { flow: `in_port=1,dl_src=${A},dl_dst=${B},dl_vlan=9` });
    expect(traceText(r).split("\n").slice(4, 14)).toEqual([
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
    ]);
    expect(r.steps.filter((s) => s.kind === "group")).toEqual([
      { kind: "group", depth: 0, text: "group:7 (all, 2 buckets)", groupId: 7 },
    ]);
    expect(r.datapathActions).toBe("set_vlan_vid:5,output:2,set_vlan_vid:9,output:3");
    expect(r.finalFlow).toBe(r.flow); // buckets work on copies
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
    expect(r.steps.map((s) => s.text)).toEqual([
      "table 0: priority 20, tcp,tp_dst=22",
      "apply_actions: output:CONTROLLER",
      "output:CONTROLLER (reason action, table 0, max_len 128)",
      "action set: empty",
    ]);
    expect(r.megaflow.match).toBe("tcp,in_port=1,tp_dst=22");
    expect(r.datapathActions).toMatch(/^userspace\(\d+\)$/);
  });

  it("names the guard that stopped a translation and drops", async () => {
    const b = bridge();
    for (let t = 0; t < 70; t++) {
      b.of.flowMod(
        BRIDGE,
        flowMod({ tableId: t, priority: 30, match: [m("eth_type", 0x86dd)], instructions: [goto(t + 1)] }),
      );
    }
    const r = await runTrace(b.target, { flow: "in_port=1,ipv6" });
    expect(r.failed).toBe("MAX_DEPTH guard: table nesting deeper than 64");
    const text = traceText(r);
    expect(text).toContain("    translation failed: MAX_DEPTH guard: table nesting deeper than 64\n");
    expect(
      text.endsWith("Datapath actions: drop(1)\nTranslation failed: MAX_DEPTH guard: table nesting deeper than 64\n"),
    ).toBe(true);
    expect(r.steps.filter((s) => s.kind === "table")).toHaveLength(64);
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
    ["a mask", { flow: "in_port=1,ip,nw_dst=10.0.0.0/8" }, /ipv4_dst: .* exact value, not a mask/],
    ["a missing prerequisite", { flow: "in_port=1,tp_dst=80" }, /tp_dst needs tcp, udp or sctp/],
    ["metadata", { flow: "in_port=1,metadata=5" }, /metadata: not supported in a trace flow/],
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
