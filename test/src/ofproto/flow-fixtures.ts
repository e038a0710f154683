// Test fixtures for the rule tables: pipeline flows built field by field the way the fast-path
// parser fills a key (presence bits consistent with ETH_TYPE, untagged TCI = 0), FLOW_MOD
// requests with defaults, and instruction shorthands.

import { OFPG_ANY, OFPP } from "../../../openflow/constants.ts";
import type { Instruction } from "../../../openflow/instructions.ts";
import type { Match } from "../../../openflow/match/match.ts";
import { OFP_DEFAULT_PRIORITY, OFPFC } from "../../../openflow/messages/flow-mod.ts";
import { KEY, PRESENT } from "../../../src/datapath/flow-key.ts";
import type { FlowModRequest } from "../../../src/ofproto/flow-mod.ts";
import { PipelineFlow } from "../../../src/ofproto/pipeline-flow.ts";

export interface FlowSpec {
  inPort?: number;
  metadata?: bigint;
  ethDst?: number[];
  ethSrc?: number[];
  vlan?: { vid: number; pcp?: number };
  l3?:
    | { kind: "ipv4"; src: number; dst: number; proto: number; tos?: number }
    | { kind: "ipv6"; src: number[]; dst: number[]; proto: number; label?: number }
    | { kind: "arp"; op: number; spa: number; tpa: number; sha?: number[]; tha?: number[] }
    | { kind: "mpls"; ethType?: number; label: number; tc?: number; bos?: number; ttl?: number }
    | { kind: "other"; ethType: number };
  l4?: { kind: "tcp" | "udp" | "sctp"; src: number; dst: number } | { kind: "icmp"; type: number; code: number };
}

const put16 = (k: Uint8Array, off: number, v: number) => {
  k[off] = (v >>> 8) & 0xff;
  k[off + 1] = v & 0xff;
};
const put32 = (k: Uint8Array, off: number, v: number) => {
  put16(k, off, v >>> 16);
  put16(k, off + 2, v & 0xffff);
};

export const mac = (last: number): number[] => [2, 0, 0, 0, 0, last];
export const ip4 = (a: number, b: number, c: number, d: number): number => ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
export const ip6 = (last: number): number[] => [0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), last];

/** A flow as the parser would produce it for such a packet. */
export function flowOf(spec: FlowSpec = {}): PipelineFlow {
  const k = new Uint8Array(112);
  let present = PRESENT.ETH;
  k.set(spec.ethDst ?? mac(0xdd), KEY.ETH_DST);
  k.set(spec.ethSrc ?? mac(0x55), KEY.ETH_SRC);
  if (spec.vlan) {
    present |= PRESENT.VLAN;
    put16(k, KEY.VLAN_TCI, ((spec.vlan.pcp ?? 0) << 13) | spec.vlan.vid);
    put16(k, KEY.VLAN_TPID, 0x8100);
  }
  const l3 = spec.l3;
  let icmp = PRESENT.ICMP4;
  if (!l3) put16(k, KEY.ETH_TYPE, 0x88cc);
  else if (l3.kind === "ipv4") {
    present |= PRESENT.IPV4;
    put16(k, KEY.ETH_TYPE, 0x0800);
    put32(k, KEY.NW_SRC, l3.src);
    put32(k, KEY.NW_DST, l3.dst);
    k[KEY.IP_PROTO] = l3.proto;
    k[KEY.IP_TOS] = l3.tos ?? 0;
    k[KEY.IP_TTL] = 64;
  } else if (l3.kind === "ipv6") {
    present |= PRESENT.IPV6;
    icmp = PRESENT.ICMP6;
    put16(k, KEY.ETH_TYPE, 0x86dd);
    k.set(l3.src, KEY.NW_SRC);
    k.set(l3.dst, KEY.NW_DST);
    k[KEY.IP_PROTO] = l3.proto;
    put32(k, KEY.IPV6_LABEL, l3.label ?? 0);
  } else if (l3.kind === "arp") {
    present |= PRESENT.ARP;
    put16(k, KEY.ETH_TYPE, 0x0806);
    k[KEY.IP_PROTO] = l3.op & 0xff;
    put16(k, KEY.ARP_OP, l3.op);
    put32(k, KEY.NW_SRC, l3.spa);
    put32(k, KEY.NW_DST, l3.tpa);
    k.set(l3.sha ?? mac(0x55), KEY.ARP_SHA);
    k.set(l3.tha ?? [0, 0, 0, 0, 0, 0], KEY.ARP_THA);
  } else if (l3.kind === "mpls") {
    present |= PRESENT.MPLS;
    put16(k, KEY.ETH_TYPE, l3.ethType ?? 0x8847);
    put32(k, KEY.MPLS_LSE, ((l3.label << 12) | ((l3.tc ?? 0) << 9) | ((l3.bos ?? 1) << 8) | (l3.ttl ?? 64)) >>> 0);
  } else put16(k, KEY.ETH_TYPE, l3.ethType);
  const l4 = spec.l4;
  if (l4 && l3 && (l3.kind === "ipv4" || l3.kind === "ipv6")) {
    if (l4.kind === "icmp") {
      present |= icmp;
      k[KEY.TP_SRC + 1] = l4.type;
      k[KEY.TP_DST + 1] = l4.code;
    } else {
      present |= l4.kind === "tcp" ? PRESENT.TCP : l4.kind === "udp" ? PRESENT.UDP : PRESENT.SCTP;
      put16(k, KEY.TP_SRC, l4.src);
      put16(k, KEY.TP_DST, l4.dst);
    }
  }
  new DataView(k.buffer).setUint32(KEY.PRESENT, present, true);
  new DataView(k.buffer).setUint32(KEY.IN_PORT, (spec.inPort ?? 1) + 100, true); // datapath port ≠ OF port
  const flow = PipelineFlow.fromKey(k, spec.inPort ?? 1);
  if (spec.metadata !== undefined) flow.metadata = spec.metadata;
  return flow;
}

export const output = (...ports: number[]): Instruction[] => [
  { type: "apply_actions", actions: ports.map((port) => ({ type: "output" as const, port, maxLen: 0 })) },
];

/** A FLOW_MOD with the defaults ovs-ofctl sends (table 0, default priority, ANY filters). */
export function flowMod(p: Partial<FlowModRequest> & { match?: Match } = {}): FlowModRequest {
  return {
    cookie: 0n,
    cookieMask: 0n,
    tableId: 0,
    command: OFPFC.ADD,
    idleTimeout: 0,
    hardTimeout: 0,
    priority: OFP_DEFAULT_PRIORITY,
    outPort: OFPP.ANY,
    outGroup: OFPG_ANY,
    flags: 0,
    match: [],
    instructions: [],
    ...p,
  };
}
