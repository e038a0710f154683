// Action lists: apply-actions, the action set when the pipeline ends, and group buckets all run
// through executeActions, which dispatches each OpenFlow action and translates the outputs.
//
// What: executeActions(ctx, branch, actions, origin); the output family lives here (ports,
//   IN_PORT, TABLE, NORMAL, FLOOD, ALL, CONTROLLER, LOCAL); rewrites are in xlate-rewrites.ts,
//   MPLS and the TTL copies in xlate-mpls.ts, groups in xlate-groups.ts.
// Design: every output first commits the branch (packet-state.ts), so the datapath packet is
//   exactly the pipeline's packet at that moment, then emits A_OUTPUT (or A_OUTPUT_SET for a
//   wide flood when the port map offers port sets, or A_USERSPACE for CONTROLLER).
//   As in Open vSwitch, output:N to the packet's own in_port is skipped (OpenFlow asks for
//   output:IN_PORT for that); outputs to ports that are not live are skipped too; both appear
//   in the trace, and so are outputs to OFPPC_NO_FWD ports and CONTROLLER outputs for packets
//   from OFPPC_NO_PACKET_IN ports. FLOOD and ALL are every live port but the ingress and
//   NO_FWD ports (FLOOD also skips OFPPC_NO_FLOOD ports), in OpenFlow port order. NORMAL runs xlateNormal on the packet as
//   rewritten so far; its mask is merged, its trace nested, its VLAN records tracked (so later
//   outputs restore the tag), and a drop it decides is not copied (it would end the whole
//   list, not just NORMAL's part) but remembered: when nothing else is emitted, xlate.ts ends
//   the list with A_DROP and that reason, so the fast path counts the drop by reason.
// Invariants: in_port is un-wildcarded by xlate.ts for every translation, so decisions that
//   compare with the ingress port need not record it again.
// Threading: main thread.

import type { Action } from "../../../openflow/actions/actions.ts";
import { OFPP } from "../../../openflow/constants.ts";
import { OFPPC } from "../../../openflow/messages/port.ts";
import { A } from "../../datapath/datapath-actions.ts";
import { FlowKey } from "../../datapath/flow-key.ts";
import { xlateNormal } from "../normal/xlate-normal.ts";
import { readField } from "../oxm-key-map.ts";
import { PACKET_IN_REASON } from "./controller-userdata.ts";
import { type Branch, commit, ingressVlans } from "./packet-state.ts";
import type { ActionOrigin, XlateContext } from "./xlate-context.ts";
import { xlateGroup } from "./xlate-groups.ts";
import { xlateCopyTtl, xlateDecMplsTtl, xlatePopMpls, xlatePushMpls, xlateSetMplsTtl } from "./xlate-mpls.ts";
import {
  xlateDecNwTtl,
  xlatePopVlan,
  xlatePushVlan,
  xlateSetField,
  xlateSetNwTtl,
  xlateUnsupported,
} from "./xlate-rewrites.ts";

/** FLOOD/ALL to at least this many ports use one A_OUTPUT_SET when the port map offers sets. */
export const OUTPUT_SET_MIN = 8;

const RESERVED_NAMES = new Map<number, string>(Object.entries(OFPP).map(([k, v]) => [v, k]));

export function portName(port: number): string {
  return RESERVED_NAMES.get(port) ?? String(port);
}

export function executeActions(ctx: XlateContext, b: Branch, actions: readonly Action[], origin: ActionOrigin): void {
  for (const a of actions) {
    if (ctx.failed !== undefined) return;
    switch (a.type) {
      case "output":
        xlateOutput(ctx, b, a.port, a.maxLen, origin);
        break;
      case "group":
        xlateGroup(ctx, b, a.groupId, origin);
        break;
      case "set_field":
        xlateSetFieldTraced(ctx, b, a);
        break;
      case "push_vlan":
        xlatePushVlan(ctx, b, a.ethertype);
        break;
      case "pop_vlan":
        xlatePopVlan(ctx, b);
        break;
      case "dec_nw_ttl":
        xlateDecNwTtl(ctx, b, origin);
        break;
      case "push_mpls":
        xlatePushMpls(ctx, b, a.ethertype);
        break;
      case "pop_mpls":
        xlatePopMpls(ctx, b, a.ethertype);
        break;
      case "set_mpls_ttl":
        xlateSetMplsTtl(ctx, b, a.ttl);
        break;
      case "dec_mpls_ttl":
        xlateDecMplsTtl(ctx, b, origin);
        break;
      case "copy_ttl_in":
      case "copy_ttl_out":
        xlateCopyTtl(ctx, b, a.type);
        break;
      case "set_nw_ttl":
        xlateSetNwTtl(ctx, b, a.ttl);
        break;
      case "set_queue":
        ctx.note("action", `set_queue:${a.queueId} (accepted; the datapath has no QoS)`);
        break;
      default:
        xlateUnsupported(ctx, a);
    }
  }
}

/** A set-field, with its step carrying the field's value before and after (`trace --json`). */
function xlateSetFieldTraced(ctx: XlateContext, b: Branch, a: Action & { type: "set_field" }): void {
  const name = a.field.name;
  const from = name === "opaque" ? undefined : readField(b.flow, name);
  const at = ctx.trace.steps.length;
  xlateSetField(ctx, b, a);
  const step = ctx.trace.steps[at];
  if (step?.kind === "set-field" && name !== "opaque" && from !== undefined) {
    step.from = from;
    step.to = readField(b.flow, name);
  }
}

function committed(ctx: XlateContext, b: Branch): boolean {
  const err = commit(ctx, b);
  if (err !== undefined) ctx.fail(err);
  return err === undefined;
}

function emitOutput(ctx: XlateContext, b: Branch, dpPort: number, label: string): void {
  if (!committed(ctx, b)) return;
  ctx.out.output(dpPort);
  ctx.note("output", `output:${label} → datapath port ${dpPort}`, { port: dpPort });
}

export function xlateOutput(ctx: XlateContext, b: Branch, port: number, maxLen: number, origin: ActionOrigin): void {
  const ports = ctx.env.ports;
  switch (port) {
    case OFPP.IN_PORT: {
      const dp = ports.toDatapath(b.flow.inPort);
      if (dp === undefined)
        ctx.note("output", `output:IN_PORT: in_port ${portName(b.flow.inPort)} is no datapath port`);
      else if ((ports.portConfig?.(b.flow.inPort) ?? 0) & OFPPC.NO_FWD)
        ctx.note("output", "output:IN_PORT: port has no-forward; skipped");
      else emitOutput(ctx, b, dp, "IN_PORT");
      return;
    }
    case OFPP.TABLE:
      if (!origin.packetOut || !ctx.rerun) {
        ctx.note("output", "output:TABLE: only valid in a packet-out's actions; ignored");
      } else {
        ctx.note("output", "output:TABLE: the pipeline again, from table 0");
        ctx.rerun(b.clone());
      }
      return;
    case OFPP.NORMAL:
      xlateOutputNormal(ctx, b);
      return;
    case OFPP.FLOOD:
    case OFPP.ALL:
      xlateFlood(ctx, b, port === OFPP.FLOOD);
      return;
    case OFPP.CONTROLLER:
      xlateController(ctx, b, maxLen, origin);
      return;
    case OFPP.ANY:
      ctx.note("output", "output:ANY is not a port; ignored");
      return;
  }
  if (port === b.flow.inPort) {
    ctx.note("output", `output:${portName(port)}: skipped, it is the input port (use IN_PORT)`);
    return;
  }
  const dp = ports.toDatapath(port);
  if (dp === undefined) {
    ctx.note("output", `output:${portName(port)}: no such port; skipped`);
    return;
  }
  if (!ports.isLive(port)) {
    ctx.note("output", `output:${portName(port)}: port is not live; skipped`);
    return;
  }
  if ((ports.portConfig?.(port) ?? 0) & OFPPC.NO_FWD) {
    ctx.note("output", `output:${portName(port)}: port has no-forward; skipped`);
    return;
  }
  emitOutput(ctx, b, dp, portName(port));
}

function xlateFlood(ctx: XlateContext, b: Branch, flood: boolean): void {
  const label = flood ? "FLOOD" : "ALL";
  const targets = [...ctx.env.ports.allPorts()]
    .filter((p) => p.live && p.ofPort !== b.flow.inPort && !(flood && p.noFlood) && !((p.config ?? 0) & OFPPC.NO_FWD))
    .sort((x, y) => x.ofPort - y.ofPort);
  if (targets.length === 0) {
    ctx.note("output", `output:${label}: no other live port`);
    return;
  }
  if (!committed(ctx, b)) return;
  const dpPorts = targets.map((p) => p.dpPort);
  const set = dpPorts.length >= OUTPUT_SET_MIN ? ctx.env.ports.portSet?.(dpPorts) : undefined;
  if (set !== undefined) ctx.out.outputSet(set);
  else for (const p of dpPorts) ctx.out.output(p);
  const how = set !== undefined ? ` (port set ${set})` : "";
  ctx.note("output", `output:${label} → ${targets.map((p) => p.name).join(", ")}${how}`);
}

function xlateController(ctx: XlateContext, b: Branch, maxLen: number, origin: ActionOrigin): void {
  if ((ctx.env.ports.portConfig?.(b.flow.inPort) ?? 0) & OFPPC.NO_PACKET_IN) {
    ctx.note("controller", `output:CONTROLLER: in_port ${portName(b.flow.inPort)} has no-packet-in; dropped`);
    return;
  }
  if (!committed(ctx, b)) return;
  const reason = origin.tableMiss ? PACKET_IN_REASON.NO_MATCH : PACKET_IN_REASON.ACTION;
  // The packet-in reports metadata and tunnel_id as they are here. Both are translation-time
  // values — set by write_metadata / set_field of rules this translation already matched, which
  // the mask already pins — not packet fields, so carrying them in the userdata needs no mask bits.
  const userdata = ctx.env.controller.encode({
    reason,
    tableId: origin.tableId,
    cookie: origin.cookie,
    maxLen,
    metadata: b.flow.metadata,
    tunnelId: b.flow.tunnelId,
  });
  if (userdata === undefined) {
    ctx.fail("CONTROLLER: the controller userdata table is full");
    return;
  }
  ctx.out.userspace(userdata);
  const why = reason === PACKET_IN_REASON.NO_MATCH ? "no_match" : "action";
  ctx.note("controller", `output:CONTROLLER (reason ${why}, table ${origin.tableId}, max_len ${maxLen})`);
}

function xlateOutputNormal(ctx: XlateContext, b: Branch): void {
  const n = ctx.env.normal;
  if (!n) {
    ctx.note("normal", "output:NORMAL: this bridge does no L2 switching; nothing sent");
    return;
  }
  if (!committed(ctx, b)) return;
  // NORMAL changes the tag stack: make both sides' stacks known so we can follow it.
  b.vlanStack(ctx.ingress, ctx.wc);
  ctx.dp.vlans ??= ingressVlans(ctx.ingress, ctx.wc);
  const r = xlateNormal(n.bridge, new FlowKey(b.flow.key.slice()), n.now, { learn: n.learn });
  for (let i = 0; i < r.mask.length; i++) ctx.wc.bytes[i] |= r.mask[i];
  ctx.note("normal", "output:NORMAL", { normal: r.decision });
  for (const line of r.trace) ctx.trace.add({ kind: "normal", depth: ctx.indent + 1, text: line });
  ctx.normal.push({ dependsOn: r.dependsOn, source: r.source });
  const dpTags = ctx.dp.vlans;
  const v = new DataView(r.actions.buffer, r.actions.byteOffset, r.actions.byteLength);
  for (let off = 0; off + 4 <= r.actions.length; ) {
    const type = v.getUint16(off, true);
    const len = v.getUint16(off + 2, true);
    if (type === A.PUSH_VLAN) dpTags.unshift({ tpid: v.getUint16(off + 4, true), tci: v.getUint16(off + 6, true) });
    else if (type === A.POP_VLAN) dpTags.shift();
    else if (type === A.SET_VLAN_VID && dpTags.length > 0) {
      dpTags[0] = { ...dpTags[0], tci: (dpTags[0].tci & 0xf000) | (v.getUint16(off + 4, true) & 0xfff) };
    }
    if (type !== A.DROP) ctx.out.append(r.actions.subarray(off, off + len));
    else ctx.normalDrop ??= v.getUint32(off + 4, true);
    off += len;
  }
}
