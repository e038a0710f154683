// A packet built from a flow description, so `wasmvs trace` can translate a flow typed as text
// through exactly the code a real packet takes (the fast path's parser, then the pipeline).
//
// What: composeFrame(match) turns exact OXM fields (from parseMatch: `tcp,dl_src=..,tp_dst=80`)
//   into an Ethernet frame carrying those values, and the in_port the caller receives it on.
// Design: as `ovs-appctl ofproto/trace`, every field not given is zero — except the few a frame
//   needs to be parsed as the flow says: IPv4 version/IHL, TTL and hop limit 64 (so a dec_ttl
//   rule does not see an expired packet by accident), IPv4 header checksum, TCP data offset 5,
//   ND options only when sll/tll are given. Headers follow eth_type and ip_proto: the same
//   prerequisites the match already satisfies (validateMatch), so tcp_dst without tcp is
//   refused before we get here. Masks have no meaning for one packet and are refused by name.
//   MPLS (eth_type 0x8847/0x8848) is one label stack entry — mpls_label and mpls_tc as given,
//   bos 1 unless mpls_bos=0 is given (a stack has to end somewhere), TTL 64 like IP — with
//   nothing beneath it, as the fast path parses nothing beneath either. PBB fields are refused:
//   the datapath does not parse them, so a trace of them would show a flow no real packet
//   produces; so are metadata and tunnel_id (0 for every packet).
// Invariants: parsing the frame yields a key whose fields equal the given values (tested field by
//   field against the WASM parser); the frame is at least 60 bytes (padded like a NIC would).
// Threading: pure; main thread.

import type { OxmBasic } from "../../../openflow/match/match.ts";
import { OFPVID_PRESENT, type OxmName, type OxmValue } from "../../../openflow/match/oxm-fields.ts";

export interface ComposedFlow {
  frame: Uint8Array;
  /** OpenFlow in_port from the flow, if it gave one. */
  inPort?: number;
}

const UNSUPPORTED: Partial<Record<OxmName, string>> = {
  pbb_isid: "the datapath does not parse PBB",
  ipv6_exthdr: "the datapath does not record IPv6 extension headers",
  in_phy_port: "in_phy_port equals in_port on this switch; give in_port",
  metadata: "every packet enters table 0 with metadata 0",
  tunnel_id: "this switch has no tunnel ports; every packet has tunnel_id 0",
};

class Fields {
  private readonly m = new Map<OxmName, OxmValue>();
  constructor(match: readonly OxmBasic[]) {
    for (const f of match) {
      if (f.name === "vlan_vid" && f.mask === OFPVID_PRESENT && f.value === OFPVID_PRESENT) {
        this.m.set("vlan_vid", OFPVID_PRESENT); // "any tag" (dl_vlan_pcp alone): VID 0
        continue;
      }
      if (f.mask !== undefined) {
        throw new Error(`${f.name}: a trace flow is one packet; give an exact value, not a mask`);
      }
      const why = UNSUPPORTED[f.name];
      if (why) throw new Error(`${f.name}: not supported in a trace flow (${why})`);
      this.m.set(f.name, f.value);
    }
  }
  num(name: OxmName, dflt = 0): number {
    const v = this.m.get(name);
    return v === undefined ? dflt : Number(v);
  }
  bytes(name: OxmName, n: number): Uint8Array {
    const v = this.m.get(name);
    if (v instanceof Uint8Array) return v;
    if (v === undefined) return new Uint8Array(n);
    const out = new Uint8Array(n);
    let x = BigInt(v);
    for (let i = n - 1; i >= 0; i--, x >>= 8n) out[i] = Number(x & 0xffn);
    return out;
  }
  has(name: OxmName): boolean {
    return this.m.has(name);
  }
}

class Writer {
  private readonly parts: number[] = [];
  get length(): number {
    return this.parts.length;
  }
  u8(v: number): this {
    this.parts.push(v & 0xff);
    return this;
  }
  u16(v: number): this {
    return this.u8(v >>> 8).u8(v);
  }
  u32(v: number): this {
    return this.u16(v >>> 16).u16(v);
  }
  raw(b: Uint8Array): this {
    for (const x of b) this.parts.push(x);
    return this;
  }
  zeros(n: number): this {
    for (let i = 0; i < n; i++) this.parts.push(0);
    return this;
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

/** RFC 1071 checksum of `b`. */
function inetChecksum(b: Uint8Array, initial = 0): number {
  let sum = initial;
  for (let i = 0; i + 1 < b.length; i += 2) sum += (b[i] << 8) | b[i + 1];
  if (b.length & 1) sum += b[b.length - 1] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function l4(f: Fields, proto: number, v6: boolean): Uint8Array {
  const w = new Writer();
  switch (proto) {
    case 6:
      w.u16(f.num("tcp_src")).u16(f.num("tcp_dst")).u32(0).u32(0).u16(0x5000).u16(0xffff).u16(0).u16(0);
      break;
    case 17:
      w.u16(f.num("udp_src")).u16(f.num("udp_dst")).u16(8).u16(0);
      break;
    case 132:
      w.u16(f.num("sctp_src")).u16(f.num("sctp_dst")).u32(0).u32(0);
      break;
    case 1:
      w.u8(f.num("icmpv4_type")).u8(f.num("icmpv4_code")).u16(0).u32(0);
      break;
    case 58: {
      const type = f.num("icmpv6_type");
      w.u8(type).u8(f.num("icmpv6_code")).u16(0);
      if (v6 && (type === 135 || type === 136)) {
        w.u32(0).raw(f.bytes("ipv6_nd_target", 16));
        if (type === 135 && f.has("ipv6_nd_sll")) w.u8(1).u8(1).raw(f.bytes("ipv6_nd_sll", 6));
        if (type === 136 && f.has("ipv6_nd_tll")) w.u8(2).u8(1).raw(f.bytes("ipv6_nd_tll", 6));
      } else {
        w.u32(0);
      }
      break;
    }
  }
  return w.bytes();
}

function ipv4(f: Fields): Uint8Array {
  const proto = f.num("ip_proto");
  const payload = l4(f, proto, false);
  const h = new Writer()
    .u8(0x45)
    .u8((f.num("ip_dscp") << 2) | f.num("ip_ecn"))
    .u16(20 + payload.length)
    .u32(0)
    .u8(64)
    .u8(proto)
    .u16(0)
    .raw(f.bytes("ipv4_src", 4))
    .raw(f.bytes("ipv4_dst", 4))
    .bytes();
  const sum = inetChecksum(h);
  h[10] = sum >>> 8;
  h[11] = sum & 0xff;
  return new Writer().raw(h).raw(payload).bytes();
}

function ipv6(f: Fields): Uint8Array {
  const proto = f.num("ip_proto");
  const payload = l4(f, proto, true);
  const tc = (f.num("ip_dscp") << 2) | f.num("ip_ecn");
  return new Writer()
    .u32((6 << 28) | (tc << 20) | (f.num("ipv6_flabel") & 0xfffff))
    .u16(payload.length)
    .u8(proto)
    .u8(64)
    .raw(f.bytes("ipv6_src", 16))
    .raw(f.bytes("ipv6_dst", 16))
    .raw(payload)
    .bytes();
}

function arp(f: Fields): Uint8Array {
  return new Writer()
    .u16(1)
    .u16(0x0800)
    .u8(6)
    .u8(4)
    .u16(f.num("arp_op"))
    .raw(f.bytes("arp_sha", 6))
    .raw(f.bytes("arp_spa", 4))
    .raw(f.bytes("arp_tha", 6))
    .raw(f.bytes("arp_tpa", 4))
    .bytes();
}

/** The frame (and registers) of a flow given as exact OXM fields; throws Error naming the field. */
export function composeFrame(match: readonly OxmBasic[]): ComposedFlow {
  const f = new Fields(match);
  const w = new Writer().raw(f.bytes("eth_dst", 6)).raw(f.bytes("eth_src", 6));
  const vid = f.num("vlan_vid");
  if (vid & OFPVID_PRESENT) w.u16(0x8100).u16((f.num("vlan_pcp") << 13) | (vid & 0xfff));
  const ethType = f.num("eth_type");
  w.u16(ethType);
  if (ethType === 0x0800) w.raw(ipv4(f));
  else if (ethType === 0x86dd) w.raw(ipv6(f));
  else if (ethType === 0x0806) w.raw(arp(f));
  else if (ethType === 0x8847 || ethType === 0x8848) {
    const bos = f.num("mpls_bos", 1) & 1;
    w.u32((((f.num("mpls_label") & 0xfffff) << 12) | ((f.num("mpls_tc") & 7) << 9) | (bos << 8) | 64) >>> 0);
  }
  if (w.length < 60) w.zeros(60 - w.length);
  return {
    frame: w.bytes(),
    inPort: f.has("in_port") ? f.num("in_port") >>> 0 : undefined,
  };
}
