// What: the flow files the OpenFlow bench feeds to `ovs-ofctl add-flows`.
//
// Design:
//   flow-mod set (rate and memory): N distinct table-0 flows, flow i =
//     priority 100 + i % 1000, ip, in_port 1 + i % 2, dl_dst 02:20:<i as 3 bytes>,
//     nw_dst 10.<i as 3 bytes>, actions output to the other port (odd i: also mod_nw_tos).
//     Files are slices [from, to) of that sequence, so the 1M memory case adds flows
//     100,000..999,999 on top of the 100,000 of the rate case — every flow distinct.
//     None of them matches the bench's traffic (no frame goes to 02:20:...).
//   3-table pipeline over the forwarding bench's traffic (source MAC 02:10:00:<flow>):
//     table 0  in_port=1 → goto_table 1                      (1 rule)
//     table 1  dl_src=<one per flow of the set> → write_metadata:0x1_0000_0000+i (all 64 bits),
//              goto_table 2                                  (N rules: 1,000 or 100,096)
//     table 2  metadata=0x100000000/0xffffffff00000000 → output:2 (1 rule)
//   so the installed rules are exactly the flows the traffic walks: every frame of the flow
//   set matches its own table-1 rule (megaflows: in_port + dl_src; metadata is no packet
//   field). Misses of tables 1 and 2 drop (1.3 table-miss).
//   NORMAL: one rule, priority 0, actions=NORMAL (what both switches start with).
// Threading: pure, plus file writes.

import { writeFileSync } from "node:fs";

const hex2 = (n: number) => n.toString(16).padStart(2, "0");
const bytes3 = (i: number) => [(i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff];

/** Flow i of the flow-mod set. */
export function flowModLine(i: number): string {
  const [a, b, c] = bytes3(i);
  const inPort = 1 + (i % 2);
  const out = inPort === 1 ? 2 : 1;
  const actions = i % 2 ? `mod_nw_tos:${(i % 64) << 2},output:${out}` : `output:${out}`;
  return (
    `table=0,priority=${100 + (i % 1000)},ip,in_port=${inPort},dl_dst=02:20:00:${hex2(a)}:${hex2(b)}:${hex2(c)},` +
    `nw_dst=10.${a}.${b}.${c},actions=${actions}`
  );
}

/** Writes flows [from, to) of the flow-mod set to file. */
export function writeFlowModFile(file: string, from: number, to: number): void {
  const lines: string[] = [];
  for (let i = from; i < to; i++) lines.push(flowModLine(i));
  writeFileSync(file, `${lines.join("\n")}\n`);
}

/** The source MACs the forwarding bench's trafgen config for `flows` walks (trafgen.ts). */
export function trafficSourceMacs(flows: 1000 | 100096): string[] {
  const macs: string[] = [];
  if (flows === 1000) {
    for (let a = 0; a <= 7; a++) for (let b = 0; b <= 124; b++) macs.push(`02:10:00:00:${hex2(a)}:${hex2(b)}`);
  } else {
    for (let a = 0; a <= 22; a++)
      for (let b = 0; b <= 16; b++)
        for (let c = 0; c <= 255; c++) macs.push(`02:10:00:${hex2(a)}:${hex2(b)}:${hex2(c)}`);
  }
  return macs;
}

/** Writes the 3-table pipeline for the traffic's flow set; returns the rule count. */
export function writePipelineFile(file: string, flows: 1000 | 100096): number {
  const lines = ["table=0,priority=10,in_port=1,actions=goto_table:1"];
  for (const [i, mac] of trafficSourceMacs(flows).entries()) {
    lines.push(
      `table=1,priority=10,dl_src=${mac},actions=write_metadata:0x${(2 ** 32 + i).toString(16)}/0xffffffffffffffff,goto_table:2`,
    );
  }
  lines.push("table=2,priority=10,metadata=0x100000000/0xffffffff00000000,actions=output:2");
  writeFileSync(file, `${lines.join("\n")}\n`);
  return lines.length;
}

/** The NORMAL rule both switches start with. */
export function writeNormalFile(file: string): number {
  writeFileSync(file, "table=0,priority=0,actions=NORMAL\n");
  return 1;
}

/** Table-miss to the controller (reason NO_MATCH), whole frame. */
export function writeTableMissControllerFile(file: string): number {
  writeFileSync(file, "table=0,priority=0,actions=CONTROLLER:65535\n");
  return 1;
}
