// Encoder for the fast path's datapath action lists (format: assembly/actions/action-format.ts).
// The control plane builds lists with this and installs them with megaflows or runs them over
// a packet; `describeActions` renders a list the way `dpctl dump-flows` and `trace` show it.
//
// Design: one encoder method per record type of action-format.ts, each writing exactly the
//   payload drawn there (little-endian u16/u32 values; "wire" bytes copied as given, in
//   network order). Addresses are passed as their wire bytes (Uint8Array), ports and VIDs as
//   host numbers. `append` splices an already encoded list (e.g. NORMAL's) in place.
// Invariants: every record is a multiple of 4 bytes and at least its type's payload size, so a
//   list built here always passes actionsValidate.

export const A = {
  OUTPUT: 1,
  OUTPUT_SET: 2,
  DROP: 3,
  PUSH_VLAN: 4,
  POP_VLAN: 5,
  SET_VLAN_VID: 6,
  SET_VLAN_PCP: 7,
  SET_ETH_SRC: 8,
  SET_ETH_DST: 9,
  SET_IPV4_SRC: 10,
  SET_IPV4_DST: 11,
  SET_IPV6_SRC: 12,
  SET_IPV6_DST: 13,
  SET_DSCP: 14,
  DEC_TTL: 15,
  SET_TP_SRC: 16,
  SET_TP_DST: 17,
  SAMPLE: 18,
  USERSPACE: 19,
  METER: 20,
  // MPLS block (21..29; assembly/actions/mpls-ops.ts)
  PUSH_MPLS: 21,
  POP_MPLS: 22,
  SET_MPLS_LSE: 23,
  DEC_MPLS_TTL: 24,
  COPY_TTL_OUT: 25,
  COPY_TTL_IN: 26,
  // Set-field records for the remaining writable fields (numbered from 30).
  SET_ECN: 30,
  SET_TTL: 31,
  SET_ARP_OP: 32,
  SET_ARP_SPA: 33,
  SET_ARP_TPA: 34,
  SET_ARP_SHA: 35,
  SET_ARP_THA: 36,
  SET_ICMP4_TYPE: 37,
  SET_ICMP4_CODE: 38,
  SET_ICMP6_TYPE: 39,
  SET_ICMP6_CODE: 40,
  SET_IPV6_LABEL: 41,
  SET_ND_TARGET: 42,
  SET_ND_SLL: 43,
  SET_ND_TLL: 44,
} as const;

/** The byte-valued set-field records (payload: one byte, three zero) and their names. */
const BYTE_RECORDS: Record<number, string> = {
  [A.SET_ECN]: "set_ecn",
  [A.SET_TTL]: "set_ttl",
  [A.SET_ICMP4_TYPE]: "set_icmp4_type",
  [A.SET_ICMP4_CODE]: "set_icmp4_code",
  [A.SET_ICMP6_TYPE]: "set_icmp6_type",
  [A.SET_ICMP6_CODE]: "set_icmp6_code",
};

/** The address-valued set-field records (wire bytes) and their names and sizes. */
const ADDR_RECORDS: Record<number, [string, number]> = {
  [A.SET_ARP_SPA]: ["set_arp_spa", 4],
  [A.SET_ARP_TPA]: ["set_arp_tpa", 4],
  [A.SET_ARP_SHA]: ["set_arp_sha", 6],
  [A.SET_ARP_THA]: ["set_arp_tha", 6],
  [A.SET_ND_TARGET]: ["set_nd_target", 16],
  [A.SET_ND_SLL]: ["set_nd_sll", 6],
  [A.SET_ND_TLL]: ["set_nd_tll", 6],
};

/** A_OUTPUT_SET flag: leave out the port the packet came in on (flood semantics). */
export const SET_EXCLUDE_IN = 1;

/** Why a megaflow drops, recorded in its A_DROP record and counted by the fast path. */
export const DROP_REASON = {
  NONE: 0,
  XLATE_FAILED: 1,
  VLAN_MISMATCH: 2,
  INPUT_IS_OUTPUT: 3,
  NO_PORTS: 4,
  ADMIN_DOWN: 5,
  /** An IP fragment, and the bridge drops fragments (SET_CONFIG OFPC_FRAG_DROP). */
  FRAG_DROP: 6,
} as const;

export class ActionList {
  private readonly parts: number[] = [];

  private record(type: number, payload: number[]): this {
    const len = 4 + payload.length;
    this.parts.push(type & 0xff, type >>> 8, len & 0xff, len >>> 8, ...payload);
    return this;
  }
  private static u16(v: number): number[] {
    return [v & 0xff, (v >>> 8) & 0xff];
  }
  private static u32(v: number): number[] {
    return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
  }
  private static wire(bytes: Uint8Array, n: number): number[] {
    if (bytes.length !== n) throw new Error(`expected ${n} address bytes, got ${bytes.length}`);
    return Array.from(bytes);
  }

  output(port: number): this {
    return this.record(A.OUTPUT, ActionList.u32(port));
  }
  drop(reason: number): this {
    return this.record(A.DROP, ActionList.u32(reason));
  }
  pushVlan(tpid: number, tci: number): this {
    return this.record(A.PUSH_VLAN, [...ActionList.u16(tpid), ...ActionList.u16(tci)]);
  }
  popVlan(): this {
    return this.record(A.POP_VLAN, []);
  }
  setVlanVid(vid: number): this {
    return this.record(A.SET_VLAN_VID, [...ActionList.u16(vid), 0, 0]);
  }
  userspace(userdata: number): this {
    return this.record(A.USERSPACE, ActionList.u32(userdata));
  }
  /** Sends to every port of datapath port set `setId` (flags: SET_EXCLUDE_IN). */
  outputSet(setId: number, flags = 0): this {
    return this.record(A.OUTPUT_SET, [...ActionList.u16(setId), ...ActionList.u16(flags)]);
  }
  setVlanPcp(pcp: number): this {
    return this.record(A.SET_VLAN_PCP, [pcp & 7, 0, 0, 0]);
  }
  setEthSrc(mac: Uint8Array): this {
    return this.record(A.SET_ETH_SRC, [...ActionList.wire(mac, 6), 0, 0]);
  }
  setEthDst(mac: Uint8Array): this {
    return this.record(A.SET_ETH_DST, [...ActionList.wire(mac, 6), 0, 0]);
  }
  setIpv4Src(addr: Uint8Array): this {
    return this.record(A.SET_IPV4_SRC, ActionList.wire(addr, 4));
  }
  setIpv4Dst(addr: Uint8Array): this {
    return this.record(A.SET_IPV4_DST, ActionList.wire(addr, 4));
  }
  setIpv6Src(addr: Uint8Array): this {
    return this.record(A.SET_IPV6_SRC, ActionList.wire(addr, 16));
  }
  setIpv6Dst(addr: Uint8Array): this {
    return this.record(A.SET_IPV6_DST, ActionList.wire(addr, 16));
  }
  /** IPv4 TOS / IPv6 traffic class DSCP bits (0..63); ECN is kept. */
  setDscp(dscp: number): this {
    return this.record(A.SET_DSCP, [dscp & 0x3f, 0, 0, 0]);
  }
  /** TTL / hop limit - 1; at <= 1 the datapath hands the packet up with reason TTL and this
   *  userdata (xlate/controller-userdata.ts: the table and cookie for the packet-in). */
  decTtl(userdata = 0): this {
    return this.record(A.DEC_TTL, ActionList.u32(userdata));
  }
  /** Pushes an MPLS label stack entry (composed by the datapath) and sets the ethertype. */
  pushMpls(ethertype: number): this {
    return this.record(A.PUSH_MPLS, [...ActionList.u16(ethertype), 0, 0]);
  }
  /** Removes the top MPLS entry and sets the ethertype. */
  popMpls(ethertype: number): this {
    return this.record(A.POP_MPLS, [...ActionList.u16(ethertype), 0, 0]);
  }
  /** Top entry = (entry & ~mask) | (value & mask); host-order label 20 | tc 3 | bos 1 | ttl 8. */
  setMplsLse(value: number, mask: number): this {
    return this.record(A.SET_MPLS_LSE, [...ActionList.u32(value), ...ActionList.u32(mask)]);
  }
  /** Top entry's TTL - 1; at <= 1 as decTtl (reason TTL, this userdata). */
  decMplsTtl(userdata = 0): this {
    return this.record(A.DEC_MPLS_TTL, ActionList.u32(userdata));
  }
  copyTtlOut(): this {
    return this.record(A.COPY_TTL_OUT, []);
  }
  copyTtlIn(): this {
    return this.record(A.COPY_TTL_IN, []);
  }
  /** TCP/UDP/SCTP source port (host order value). */
  setTpSrc(port: number): this {
    return this.record(A.SET_TP_SRC, [...ActionList.u16(port), 0, 0]);
  }
  setTpDst(port: number): this {
    return this.record(A.SET_TP_DST, [...ActionList.u16(port), 0, 0]);
  }
  /** A 1-in-`rate` copy to userspace for sampler `samplerId`. */
  sample(samplerId: number, rate: number): this {
    return this.record(A.SAMPLE, [...ActionList.u32(samplerId), ...ActionList.u32(rate)]);
  }
  /** Runs datapath meter `slot` (assembly/meters/): a DROP band ends the list for the packet. */
  meter(slot: number): this {
    return this.record(A.METER, ActionList.u32(slot));
  }
  /** A one-byte set-field record: SET_ECN, SET_TTL, SET_ICMP4/6_TYPE/CODE. */
  setByte(type: number, v: number): this {
    if (BYTE_RECORDS[type] === undefined) throw new Error(`record ${type} has no one-byte value`);
    return this.record(type, [v & 0xff, 0, 0, 0]);
  }
  /** An address-valued set-field record: SET_ARP_SPA/TPA/SHA/THA, SET_ND_TARGET/SLL/TLL. */
  setAddr(type: number, bytes: Uint8Array): this {
    const r = ADDR_RECORDS[type];
    if (r === undefined) throw new Error(`record ${type} has no address value`);
    const payload = ActionList.wire(bytes, r[1]);
    while (payload.length % 4 !== 0) payload.push(0);
    return this.record(type, payload);
  }
  setArpOp(op: number): this {
    return this.record(A.SET_ARP_OP, [...ActionList.u16(op), 0, 0]);
  }
  setIpv6Label(label: number): this {
    return this.record(A.SET_IPV6_LABEL, ActionList.u32(label & 0xfffff));
  }
  /** Appends an encoded list (records as they are). */
  append(list: Uint8Array): this {
    for (const b of list) this.parts.push(b);
    return this;
  }
  get length(): number {
    return this.parts.length;
  }
  get empty(): boolean {
    return this.parts.length === 0;
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

/** Human-readable rendering of an encoded list, e.g. "pop_vlan,output:2". */
export function describeActions(list: Uint8Array): string {
  const v = new DataView(list.buffer, list.byteOffset, list.byteLength);
  const out: string[] = [];
  for (let off = 0; off + 4 <= list.length; ) {
    const type = v.getUint16(off, true);
    const len = v.getUint16(off + 2, true);
    if (len < 4 || off + len > list.length) {
      out.push(`<bad record at ${off}>`);
      break;
    }
    const u32 = () => v.getUint32(off + 4, true);
    const u16 = (at: number) => v.getUint16(off + 4 + at, true);
    const bytes = (n: number) => list.subarray(off + 4, off + 4 + n);
    const hex = (n: number) => Array.from(bytes(n), (b) => b.toString(16).padStart(2, "0"));
    switch (type) {
      case A.OUTPUT:
        out.push(`output:${u32()}`);
        break;
      case A.DROP:
        out.push(`drop(${u32()})`);
        break;
      case A.PUSH_VLAN:
        out.push(`push_vlan(tpid=0x${u16(0).toString(16)},vid=${u16(2) & 0xfff},pcp=${u16(2) >>> 13})`);
        break;
      case A.POP_VLAN:
        out.push("pop_vlan");
        break;
      case A.SET_VLAN_VID:
        out.push(`set_vlan_vid:${u16(0)}`);
        break;
      case A.USERSPACE:
        out.push(`userspace(${u32()})`);
        break;
      case A.OUTPUT_SET:
        out.push(`output_set:${u16(0)}${u16(2) & SET_EXCLUDE_IN ? "(exclude_in)" : ""}`);
        break;
      case A.SET_VLAN_PCP:
        out.push(`set_vlan_pcp:${list[off + 4]}`);
        break;
      case A.SET_ETH_SRC:
      case A.SET_ETH_DST:
        out.push(`set_eth_${type === A.SET_ETH_SRC ? "src" : "dst"}:${hex(6).join(":")}`);
        break;
      case A.SET_IPV4_SRC:
      case A.SET_IPV4_DST:
        out.push(`set_ipv4_${type === A.SET_IPV4_SRC ? "src" : "dst"}:${Array.from(bytes(4)).join(".")}`);
        break;
      case A.SET_IPV6_SRC:
      case A.SET_IPV6_DST: {
        const h = hex(16);
        const groups = [0, 2, 4, 6, 8, 10, 12, 14].map((i) => (h[i] + h[i + 1]).replace(/^0{1,3}/, ""));
        out.push(`set_ipv6_${type === A.SET_IPV6_SRC ? "src" : "dst"}:${groups.join(":")}`);
        break;
      }
      case A.SET_DSCP:
        out.push(`set_dscp:${list[off + 4]}`);
        break;
      case A.DEC_TTL:
        out.push("dec_ttl");
        break;
      case A.PUSH_MPLS:
        out.push(`push_mpls:0x${u16(0).toString(16).padStart(4, "0")}`);
        break;
      case A.POP_MPLS:
        out.push(`pop_mpls:0x${u16(0).toString(16).padStart(4, "0")}`);
        break;
      case A.SET_MPLS_LSE:
        out.push(`set_mpls_lse(0x${u32().toString(16)}/0x${v.getUint32(off + 8, true).toString(16)})`);
        break;
      case A.DEC_MPLS_TTL:
        out.push("dec_mpls_ttl");
        break;
      case A.COPY_TTL_OUT:
        out.push("copy_ttl_out");
        break;
      case A.COPY_TTL_IN:
        out.push("copy_ttl_in");
        break;
      case A.SET_TP_SRC:
        out.push(`set_tp_src:${u16(0)}`);
        break;
      case A.SET_TP_DST:
        out.push(`set_tp_dst:${u16(0)}`);
        break;
      case A.SAMPLE:
        out.push(`sample(sampler=${u32()},rate=${v.getUint32(off + 8, true)})`);
        break;
      case A.METER:
        out.push(`meter(${u32()})`);
        break;
      case A.SET_ARP_OP:
        out.push(`set_arp_op:${u16(0)}`);
        break;
      case A.SET_IPV6_LABEL:
        out.push(`set_ipv6_label:0x${u32().toString(16)}`);
        break;
      default:
        if (BYTE_RECORDS[type] !== undefined) out.push(`${BYTE_RECORDS[type]}:${list[off + 4]}`);
        else if (ADDR_RECORDS[type] !== undefined) {
          const [name, n] = ADDR_RECORDS[type];
          out.push(`${name}:${n === 4 ? Array.from(bytes(4)).join(".") : hex(n).join(n === 6 ? ":" : "")}`);
        } else out.push(`action${type}`);
    }
    off += len;
  }
  return out.length === 0 ? "drop" : out.join(",");
}
