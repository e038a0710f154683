// What one header-rewriting action does, stated on a FrameSpec: the expected frame after the
// action is encodeFrame(applyToSpec(spec, action)), every checksum computed from scratch.
// This is the yardstick for the executor's incremental checksum updates.

import type { Action } from "../../reference/actions-model.ts";
import { cloneSpec, encodeFrame, type FrameSpec } from "./frames.ts";

export type Expect = { kind: "frame"; bytes: Uint8Array } | { kind: "ttl_expired" };

const isLaterFragment = (s: FrameSpec): boolean =>
  (s.l3.kind === "ipv4" && s.l3.fragOffset !== 0) ||
  (s.l3.kind === "ipv6" && s.l3.frag !== null && s.l3.frag.offset !== 0);

const isFragment = (s: FrameSpec): boolean =>
  (s.l3.kind === "ipv4" && (s.l3.fragOffset !== 0 || s.l3.mf)) || (s.l3.kind === "ipv6" && s.l3.frag !== null);

/** The frame one action turns `spec` into (or the TTL expiry). */
export function applyToSpec(spec: FrameSpec, a: Action): Expect {
  const s = cloneSpec(spec);
  const l3 = s.l3;
  let keepSctpCrc = false;
  switch (a.t) {
    case "push_vlan":
      s.vlans.unshift({ tpid: a.tpid, tci: a.tci });
      break;
    case "pop_vlan":
      s.vlans.shift();
      break;
    case "set_vid":
      if (s.vlans.length) s.vlans[0].tci = (s.vlans[0].tci & 0xf000) | (a.vid & 0xfff);
      break;
    case "set_pcp":
      if (s.vlans.length) s.vlans[0].tci = (s.vlans[0].tci & 0x1fff) | ((a.pcp & 7) << 13);
      break;
    case "set_eth_src":
      s.src = a.mac.slice(0, 6);
      break;
    case "set_eth_dst":
      s.dst = a.mac.slice(0, 6);
      break;
    case "set_ipv4_src":
    case "set_ipv4_dst":
      if (l3.kind === "ipv4") l3[a.t === "set_ipv4_src" ? "src" : "dst"] = a.addr.slice(0, 4);
      break;
    case "set_ipv6_src":
    case "set_ipv6_dst":
      if (l3.kind === "ipv6") l3[a.t === "set_ipv6_src" ? "src" : "dst"] = a.addr.slice(0, 16);
      break;
    case "set_dscp":
      if (l3.kind === "ipv4") l3.tos = ((a.dscp & 0x3f) << 2) | (l3.tos & 3);
      if (l3.kind === "ipv6") l3.tc = ((a.dscp & 0x3f) << 2) | (l3.tc & 3);
      break;
    case "dec_ttl":
      if (l3.kind === "ipv4") {
        if (l3.ttl <= 1) return { kind: "ttl_expired" };
        l3.ttl--;
      }
      if (l3.kind === "ipv6") {
        if (l3.hlim <= 1) return { kind: "ttl_expired" };
        l3.hlim--;
      }
      break;
    case "set_tp_src":
    case "set_tp_dst":
      if (l3.kind !== "raw" && !isLaterFragment(s)) {
        const l4 = l3.l4;
        if (l4.kind === "tcp" || l4.kind === "udp" || l4.kind === "sctp") {
          l4[a.t === "set_tp_src" ? "sport" : "dport"] = a.port & 0xffff;
          keepSctpCrc = l4.kind === "sctp" && isFragment(s);
        }
      }
      break;
    default:
      throw new Error(`not a header rewrite: ${a.t}`);
  }
  const bytes = encodeFrame(s);
  if (keepSctpCrc) {
    // SCTP fragments: the CRC covers bytes this packet does not carry; it is left as it was.
    const before = encodeFrame(spec);
    const at = before.length - spec.pad - (sctpLength(spec) ?? 0) + 8;
    bytes.set(before.subarray(at, at + 4), at);
  }
  return { kind: "frame", bytes };
}

function sctpLength(s: FrameSpec): number | undefined {
  if (s.l3.kind === "raw" || s.l3.l4.kind !== "sctp") return undefined;
  return 12 + s.l3.l4.payload.length;
}
