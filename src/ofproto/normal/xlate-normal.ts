// NORMAL translation: what a standalone L2 switch does with a packet, as datapath actions plus
// the exact megaflow mask — Open vSwitch's xlate_normal() for our fast path.
//
// What: xlateNormal(bridge, key, now, opts) decides the input VLAN (vlan-policy.ts), learns the
//   source MAC (when opts.learn), looks up the destination, and emits outputs: the learned port,
//   or every port carrying the VLAN except the ingress (flooding) — re-tagging per port.
// Design: translation records each field it consults into the mask (un-wildcarding): the
//   ingress port, whether and how the frame is tagged, both MACs. Extra mask bits only cost
//   sharing; a missing bit would let one megaflow serve packets that deserve different actions.
//   Every decision is also written as a line of `trace`, which `wasmvs trace` shows (it runs
//   this same function). The result names the (VLAN, MAC) destinations it depended on, so the
//   revalidator knows which megaflows a MAC-table change makes stale.
// Invariants: a translation that cannot decide (no Ethernet header) fails closed: a drop
//   megaflow. Output never goes back to the ingress port.
// Threading: main thread (control plane).

import { ActionList, DROP_REASON } from "../../datapath/datapath-actions.ts";
import { type FlowKey, isMulticastMac, KeyMask, macToString, PRESENT } from "../../datapath/flow-key.ts";
import type { MacTable } from "./mac-table.ts";
import { inputVlan, outputTagging, type VlanPolicy } from "./vlan-policy.ts";

export interface NormalPort {
  dpPort: number;
  name: string;
  policy: VlanPolicy;
  /** Admin up and link up: a down port neither receives nor sends. */
  up: boolean;
  /** OFPPC_NO_FWD: NORMAL never outputs to it (it may still receive). */
  noFwd?: boolean;
}

export interface NormalBridge {
  ports: ReadonlyMap<number, NormalPort>;
  macs: MacTable;
  /** Forward IEEE reserved multicast (01:80:c2:00:00:0x, e.g. STP BPDUs); OVS's forward-bpdu. */
  forwardBpdu?: boolean;
}

/** NORMAL's decision as data (`wasmvs trace --json`): forward to the learned port, flood the
 *  VLAN, or drop, with the ports (names) it sent to and why. */
export interface NormalDecision {
  decision: "forward" | "flood" | "drop";
  /** Output port names, in output order (empty for a drop). */
  ports: string[];
  /** The VLAN the frame belongs to, when the input port accepted it. */
  vlan?: number;
  reason: string;
}

export interface NormalResult {
  actions: Uint8Array;
  mask: Uint8Array;
  trace: string[];
  decision: NormalDecision;
  /** The (VLAN, MAC) destination whose MAC-table entry decided the outputs, if any. */
  dependsOn?: { vlan: number; mac: string };
  /** The source this translation learned (or would learn), for refreshes from megaflow stats. */
  source?: { vlan: number; mac: string; port: number };
}

const VLAN_TPID = 0x8100;

function dropped(mask: KeyMask, trace: string[], reason: number, why: string, vlan?: number): NormalResult {
  trace.push(`drop: ${why}`);
  const decision: NormalDecision = {
    decision: "drop",
    ports: [],
    ...(vlan === undefined ? {} : { vlan }),
    reason: why,
  };
  return { actions: new ActionList().drop(reason).bytes(), mask: mask.bytes, trace, decision };
}

function isReservedMulticast(mac: Uint8Array): boolean {
  return mac[0] === 0x01 && mac[1] === 0x80 && mac[2] === 0xc2 && mac[3] === 0 && mac[4] === 0 && (mac[5] & 0xf0) === 0;
}

export function xlateNormal(br: NormalBridge, key: FlowKey, now: number, opts: { learn: boolean }): NormalResult {
  const trace: string[] = [];
  const mask = new KeyMask().inPort().presentBits(PRESENT.ETH);
  const inPort = br.ports.get(key.inPort);
  if (!inPort) return dropped(mask, trace, DROP_REASON.XLATE_FAILED, `no port ${key.inPort} on this bridge`);
  if (!key.has(PRESENT.ETH)) return dropped(mask, trace, DROP_REASON.XLATE_FAILED, "no complete Ethernet header");
  if (!inPort.up) return dropped(mask, trace, DROP_REASON.ADMIN_DOWN, `input port ${inPort.name} is down`);

  mask.vlan();
  const vid = key.tagged ? key.vlanTci & 0xfff : 0;
  const pcp = key.tagged ? key.vlanTci >>> 13 : 0;
  const input = inputVlan(inPort.policy, vid, inPort.name);
  if ("drop" in input) return dropped(mask, trace, DROP_REASON.VLAN_MISMATCH, input.drop, vid);
  const vlan = input.vlan;
  trace.push(`input: port ${inPort.name}, VLAN ${vlan}${key.tagged ? ` (tagged ${vid})` : " (untagged)"}`);

  mask.ethSrc().ethDst();
  const src = macToString(key.ethSrc);
  const dst = macToString(key.ethDst);
  let source: NormalResult["source"];
  if (!isMulticastMac(key.ethSrc)) {
    source = { vlan, mac: src, port: inPort.dpPort };
    if (opts.learn) {
      const outcome = br.macs.learn(vlan, src, inPort.dpPort, now);
      trace.push(`learn: ${src} on VLAN ${vlan} at port ${inPort.name} (${outcome})`);
    }
  }

  if (isReservedMulticast(key.ethDst) && !br.forwardBpdu) {
    return { ...dropped(mask, trace, DROP_REASON.NONE, `reserved multicast destination ${dst}`, vlan), source };
  }

  let outPorts: NormalPort[];
  let dependsOn: NormalResult["dependsOn"];
  let why: string;
  let how: "forward" | "flood" = "flood";
  if (isMulticastMac(key.ethDst)) {
    why = `${dst} is ${dst === "ff:ff:ff:ff:ff:ff" ? "broadcast" : "multicast"}`;
    trace.push(`flood: ${why}`);
    outPorts = floodPorts(br, inPort, vlan);
  } else {
    dependsOn = { vlan, mac: dst };
    const learned = br.macs.lookup(vlan, dst, now);
    if (learned === undefined) {
      why = `${dst} not learned on VLAN ${vlan}`;
      trace.push(`flood: ${why}`);
      outPorts = floodPorts(br, inPort, vlan);
    } else if (learned === inPort.dpPort) {
      return {
        ...dropped(
          mask,
          trace,
          DROP_REASON.INPUT_IS_OUTPUT,
          `${dst} was learned on the input port ${inPort.name}`,
          vlan,
        ),
        dependsOn,
        source,
      };
    } else {
      const p = br.ports.get(learned);
      if (!p?.up || p.noFwd || outputTagging(p.policy, vlan) === null) {
        const which = !p ? "is gone" : !p.up ? "is down" : p.noFwd ? "has no-forward" : `does not carry VLAN ${vlan}`;
        return {
          ...dropped(
            mask,
            trace,
            DROP_REASON.NO_PORTS,
            `${dst} learned on port ${p?.name ?? learned}, which ${which}`,
            vlan,
          ),
          dependsOn,
          source,
        };
      }
      why = `${dst} learned on port ${p.name}`;
      how = "forward";
      trace.push(`forward: ${why}`);
      outPorts = [p];
    }
  }
  if (outPorts.length === 0) {
    return {
      ...dropped(mask, trace, DROP_REASON.NO_PORTS, `no other port carries VLAN ${vlan}`, vlan),
      dependsOn,
      source,
    };
  }
  const ports: string[] = [];
  const actions = emitOutputs(outPorts, vlan, key.tagged ? key.vlanTci : null, pcp, trace, ports);
  return { actions, mask: mask.bytes, trace, decision: { decision: how, ports, vlan, reason: why }, dependsOn, source };
}

function floodPorts(br: NormalBridge, inPort: NormalPort, vlan: number): NormalPort[] {
  const out: NormalPort[] = [];
  for (const p of br.ports.values()) {
    if (p === inPort || !p.up || p.noFwd) continue;
    if (outputTagging(p.policy, vlan) !== null) out.push(p);
  }
  return out.sort((a, b) => a.dpPort - b.dpPort);
}

/** Outputs to each port with the tagging it wants, changing the frame's tag only when the
 *  next port needs it different: ports that take the frame as it is go first. */
function emitOutputs(
  ports: NormalPort[],
  vlan: number,
  tci: number | null,
  pcp: number,
  trace: string[],
  names: string[],
): Uint8Array {
  const list = new ActionList();
  const wantTagged = (p: NormalPort) => outputTagging(p.policy, vlan) === "tagged";
  const asIs = (p: NormalPort) => (tci === null ? !wantTagged(p) : wantTagged(p) && (tci & 0xfff) === vlan);
  const ordered = [...ports.filter(asIs), ...ports.filter((p) => !asIs(p))];
  let cur = tci;
  for (const p of ordered) {
    if (wantTagged(p)) {
      if (cur === null) {
        cur = (pcp << 13) | vlan;
        list.pushVlan(VLAN_TPID, cur);
      } else if ((cur & 0xfff) !== vlan) {
        cur = (cur & 0xf000) | vlan;
        list.setVlanVid(vlan);
      }
    } else if (cur !== null) {
      list.popVlan();
      cur = null;
    }
    list.output(p.dpPort);
    names.push(p.name);
    trace.push(`output: port ${p.name}${wantTagged(p) ? ` tagged VLAN ${vlan}` : " untagged"}`);
  }
  return list.bytes();
}
