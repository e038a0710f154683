// Port VLAN policy for NORMAL switching: which VLAN a received frame belongs to, and how (or
// whether) a frame of a VLAN leaves a port — the semantics of Open vSwitch's port `vlan_mode`,
// `tag` and `trunks`, so operators' expectations carry over.
//
//   mode              input: untagged / VID 0       input: tagged VID v         output for VLAN v
//   ----------------  ----------------------------  --------------------------  ------------------------
//   access (tag T)    VLAN T                         dropped                     untagged if v == T
//   trunk             VLAN 0 (if trunks allow 0)     v, if trunks include v      tagged if included
//   native-tagged T   VLAN T                         v, if included              tagged if included
//   native-untagged T VLAN T                         v, if included              untagged if v == T, else
//                                                                                tagged if included
// "Included" means: the trunks list is empty (all VLANs) or lists v; for native modes the native
// VLAN T is always included. A priority-tagged frame (VID 0) counts as untagged everywhere.
// VLAN 0 on a trunk stands for "untagged" and leaves untagged.

import type { VlanMode } from "../../config/model.ts";

export interface VlanPolicy {
  mode: VlanMode;
  tag: number;
  trunks: ReadonlySet<number>;
}

export type InputVlan = { vlan: number } | { drop: string };

export function policyOf(mode: VlanMode, tag: number, trunks: readonly number[]): VlanPolicy {
  return { mode, tag, trunks: new Set(trunks) };
}

/** Whether a port carries VLAN v at all. */
export function portIncludesVlan(p: VlanPolicy, v: number): boolean {
  switch (p.mode) {
    case "access":
      return v === p.tag;
    case "trunk":
      return p.trunks.size === 0 || p.trunks.has(v);
    default:
      return v === p.tag || p.trunks.size === 0 || p.trunks.has(v);
  }
}

/** The VLAN a frame received on a port with policy p belongs to (vid 0 = untagged or
 *  priority-tagged), or why it is dropped. */
export function inputVlan(p: VlanPolicy, vid: number, portName: string): InputVlan {
  if (p.mode === "access") {
    if (vid !== 0) return { drop: `VLAN ${vid} tagged frame received on access port ${portName} (VLAN ${p.tag})` };
    return { vlan: p.tag };
  }
  if (vid === 0) {
    if (p.mode === "trunk") {
      return portIncludesVlan(p, 0)
        ? { vlan: 0 }
        : { drop: `untagged frame received on trunk port ${portName}, which does not carry VLAN 0` };
    }
    return { vlan: p.tag };
  }
  if (!portIncludesVlan(p, vid)) {
    const native = p.mode === "trunk" ? "" : `, native VLAN ${p.tag}`;
    return {
      drop: `VLAN ${vid} tagged frame received on port ${portName}, whose trunks (${trunkList(p)}${native}) do not include it`,
    };
  }
  return { vlan: vid };
}

/** A port's trunk VLANs, in order ("10,20,30"); empty means all, but then nothing is refused. */
export function trunkList(p: VlanPolicy): string {
  return [...p.trunks].sort((a, b) => a - b).join(",");
}

/** How a frame of VLAN v leaves a port: "untagged", "tagged", or null (the port does not carry v). */
export function outputTagging(p: VlanPolicy, v: number): "untagged" | "tagged" | null {
  if (!portIncludesVlan(p, v)) return null;
  switch (p.mode) {
    case "access":
      return "untagged";
    case "trunk":
      return v === 0 ? "untagged" : "tagged";
    case "native-tagged":
      return "tagged";
    case "native-untagged":
      return v === p.tag ? "untagged" : "tagged";
  }
}
