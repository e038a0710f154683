// A packet's flow and a megaflow as `ovs-ofctl` field text, for `wasmvs trace`'s "Flow:",
// "Final flow:" and "Megaflow:" lines.
//
// What: flowText(flow) lists every field the packet carries with its exact value
//   (`in_port=1,vlan_tci=0x0000/0x1fff,dl_src=...,dl_dst=...,dl_type=0x0800,nw_src=...`);
//   megaflowText(key, mask, ofInPort) lists only the fields the megaflow's mask constrains, each
//   with its mask when partial (`ip,in_port=1,nw_dst=10.0.0.0/255.255.255.0`).
// Design: both go through OXM fields and match-format.ts's formatMatch, so the spelling, order
//   and shorthands are the ones `ovs-ofctl dump-flows` uses and `wasmvs flow add` parses. A key
//   span several fields share (tp_src is tcp_src, udp_src or sctp_src) is named by the layer the
//   packet carries. in_port is the OpenFlow port (the datapath key holds the datapath port; the
//   mask's IN_PORT bits say whether it matters). metadata and tunnel_id are pipeline registers
//   (always 0 on ingress): shown in a flow only when not 0, never in a megaflow.
// Invariants: megaflowText names a field iff the mask has any of its bits; the presence bits a
//   mask also carries (e.g. "no VLAN tag") appear through eth_type / vlan_tci when set.
// Threading: pure; main thread.

import type { OxmBasic } from "../../../openflow/match/match.ts";
import { formatMatch } from "../../../openflow/match/match-format.ts";
import { OXM_FIELDS, type OxmName } from "../../../openflow/match/oxm-fields.ts";
import { KEY, KEY_SIZE } from "../../datapath/flow-key.ts";
import { fullMask, oxmBits, oxmValueOf, readField, readFieldMask } from "../oxm-key-map.ts";
import { PipelineFlow } from "../pipeline-flow.ts";

const REGISTERS = new Set<OxmName>(["in_port", "in_phy_port", "metadata", "tunnel_id"]);

/** Every field `flow` carries, exact: the "Flow:" line. */
export function flowText(flow: PipelineFlow): string {
  const fields: OxmBasic[] = [{ name: "in_port", value: flow.inPort }];
  if (flow.metadata !== 0n) fields.push({ name: "metadata", value: flow.metadata });
  for (const f of OXM_FIELDS) {
    if (REGISTERS.has(f.name)) continue;
    const value = readField(flow, f.name);
    if (value !== undefined) fields.push({ name: f.name, value });
  }
  return formatMatch(fields);
}

/** The fields megaflow (key, mask) constrains, masked where partial: the "Megaflow:" line. */
export function megaflowText(key: Uint8Array, mask: Uint8Array, ofInPort: number): string {
  if (key.length !== KEY_SIZE || mask.length !== KEY_SIZE) throw new Error("megaflowText: key and mask are 112 bytes");
  const flow = PipelineFlow.fromKey(key, ofInPort);
  const m = PipelineFlow.fromKey(mask, 0);
  const fields: OxmBasic[] = [];
  if (mask.subarray(KEY.IN_PORT, KEY.IN_PORT + 4).some((b) => b !== 0)) {
    fields.push({ name: "in_port", value: ofInPort });
  }
  for (const f of OXM_FIELDS) {
    if (REGISTERS.has(f.name)) continue;
    const value = readField(flow, f.name);
    const bits = readFieldMask(m, f.name);
    if (value === undefined || bits === undefined || bits === 0n) continue;
    const full = fullMask(f.name);
    if ((bits & full) === full) fields.push({ name: f.name, value });
    else {
      const v = oxmValueOf(f.name, oxmBits(value) & bits);
      fields.push({ name: f.name, value: v, mask: oxmValueOf(f.name, bits) });
    }
  }
  return formatMatch(fields);
}
