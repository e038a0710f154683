// Reference parser: a plain TypeScript model of assembly/parse/ for differential tests.
//
// What: parseModel(frame, inPort) returns the 112-byte flow key (layout in
//   assembly/key/flow-key.ts), the l3/l4 offsets and the parse.* counters the packet should
//   bump. It is written for clarity, not speed: a cursor over a DataView, one function per
//   header, and the rules spelled out as the parser's design comment states them.
// Design: deliberately independent of the AssemblyScript code (no shared tables), so a slip in
//   one shows up as a difference. Rules: all-or-nothing per header; truncation and invalid
//   headers flag P_TRUNCATED / P_MALFORMED, count a reason and stop; IPv4 total length and
//   IPv6 payload length bound L4; ETH_TYPE 0x05ff for 802.3; later fragments have no L4.
// Invariants: never reads outside the frame (DataView would throw).

export const KEY_SIZE = 112;

export const K = {
  IN_PORT: 0,
  PRESENT: 4,
  ETH_DST: 8,
  ETH_SRC: 14,
  ETH_TYPE: 20,
  VLAN_TCI: 22,
  VLAN_TPID: 24,
  VLAN2_TCI: 26,
  IP_PROTO: 28,
  IP_TOS: 29,
  IP_TTL: 30,
  IP_FRAG: 31,
  NW_SRC: 32,
  NW_DST: 48,
  TP_SRC: 64,
  TP_DST: 66,
  TCP_FLAGS: 68,
  ARP_OP: 70,
  IPV6_LABEL: 72,
  MPLS_LSE: 76,
  ARP_SHA: 80,
  ARP_THA: 86,
  ND_TARGET: 96,
} as const;

export const P = {
  ETH: 1 << 0,
  VLAN: 1 << 1,
  VLAN2: 1 << 2,
  ARP: 1 << 3,
  IPV4: 1 << 4,
  IPV6: 1 << 5,
  TCP: 1 << 6,
  UDP: 1 << 7,
  SCTP: 1 << 8,
  ICMP4: 1 << 9,
  ICMP6: 1 << 10,
  ND: 1 << 11,
  IP_OPTIONS: 1 << 12,
  TRUNCATED: 1 << 13,
  MALFORMED: 1 << 14,
  MPLS: 1 << 15,
} as const;

export const FRAG_ANY = 1;
export const FRAG_LATER = 2;

export interface ModelResult {
  key: Uint8Array;
  l3: number;
  l4: number;
  /** parse.* counter names this packet increments (parse.packets included), with repeats. */
  counters: string[];
}

class Out {
  readonly key = new Uint8Array(KEY_SIZE);
  readonly kv = new DataView(this.key.buffer);
  readonly counters: string[] = ["parse.packets"];
  flag(bit: number): void {
    this.kv.setUint32(K.PRESENT, this.kv.getUint32(K.PRESENT, true) | bit, true);
  }
  truncated(why: string): void {
    this.flag(P.TRUNCATED);
    this.counters.push(`parse.${why}`);
  }
  malformed(why: string): void {
    this.flag(P.MALFORMED);
    this.counters.push(`parse.${why}`);
  }
  copy(to: number, from: Uint8Array, start: number, n: number): void {
    this.key.set(from.subarray(start, start + n), to);
  }
}

const isTpid = (t: number) => t === 0x8100 || t === 0x88a8;

export function parseModel(frameIn: Uint8Array, inPort = 0): ModelResult {
  const f = frameIn.length > 0xffff ? frameIn.subarray(0, 0xffff) : frameIn;
  const dv = new DataView(f.buffer, f.byteOffset, f.byteLength);
  const o = new Out();
  o.kv.setUint32(K.IN_PORT, inPort >>> 0, true);
  const done = (l3 = 0, l4 = 0): ModelResult => ({ key: o.key, l3, l4, counters: o.counters });

  if (f.length < 14) {
    o.truncated("truncated_eth");
    return done();
  }
  o.flag(P.ETH);
  o.copy(K.ETH_DST, f, 0, 12);
  let type = dv.getUint16(12);
  let at = 14;
  const setType = (t: number) => o.kv.setUint16(K.ETH_TYPE, t);
  setType(type);
  for (let depth = 0; isTpid(type); depth++) {
    if (depth === 2) {
      o.counters.push("parse.vlan_too_deep");
      return done();
    }
    if (f.length - at < 4) {
      o.truncated("truncated_vlan");
      return done();
    }
    const tci = dv.getUint16(at);
    if (depth === 0) {
      o.kv.setUint16(K.VLAN_TPID, type);
      o.kv.setUint16(K.VLAN_TCI, tci);
      o.flag(P.VLAN);
    } else {
      o.kv.setUint16(K.VLAN2_TCI, tci);
      o.flag(P.VLAN2);
    }
    type = dv.getUint16(at + 2);
    setType(type);
    at += 4;
  }
  switch (type) {
    case 0x0800:
      return ipv4(f, dv, at, o, done);
    case 0x86dd:
      return ipv6(f, dv, at, o, done);
    case 0x0806:
    case 0x8035:
      return arp(f, dv, at, o, done);
    case 0x8847:
    case 0x8848:
      // Only the top label stack entry; nothing beneath the stack is parsed (as OVS).
      if (f.length - at < 4) {
        o.truncated("truncated_mpls");
        return done();
      }
      o.copy(K.MPLS_LSE, f, at, 4);
      o.flag(P.MPLS);
      return done();
  }
  if (type < 0x600) setType(0x05ff);
  return done();
}

type Done = (l3?: number, l4?: number) => ModelResult;

function arp(f: Uint8Array, dv: DataView, at: number, o: Out, done: Done): ModelResult {
  if (f.length - at < 28) {
    o.truncated("truncated_arp");
    return done();
  }
  const ok = dv.getUint16(at) === 1 && dv.getUint16(at + 2) === 0x0800 && f[at + 4] === 6 && f[at + 5] === 4;
  if (!ok) {
    o.malformed("bad_arp_format");
    return done();
  }
  o.key[K.IP_PROTO] = f[at + 7];
  o.kv.setUint16(K.ARP_OP, dv.getUint16(at + 6));
  o.copy(K.ARP_SHA, f, at + 8, 6);
  o.copy(K.NW_SRC, f, at + 14, 4);
  o.copy(K.ARP_THA, f, at + 18, 6);
  o.copy(K.NW_DST, f, at + 24, 4);
  o.flag(P.ARP);
  return done(at);
}

function ipv4(f: Uint8Array, dv: DataView, l3: number, o: Out, done: Done): ModelResult {
  const avail = f.length - l3;
  if (avail < 20) {
    o.truncated("truncated_ipv4");
    return done();
  }
  if (f[l3] >> 4 !== 4) {
    o.malformed("bad_ipv4_version");
    return done();
  }
  const ihl = (f[l3] & 15) * 4;
  if (ihl < 20) {
    o.malformed("bad_ipv4_ihl");
    return done();
  }
  if (ihl > avail) {
    o.truncated("truncated_ipv4");
    return done();
  }
  let total = dv.getUint16(l3 + 2);
  if (total < ihl) {
    o.malformed("bad_ipv4_total_length");
    return done();
  }
  const proto = f[l3 + 9];
  o.key[K.IP_PROTO] = proto;
  o.key[K.IP_TOS] = f[l3 + 1];
  o.key[K.IP_TTL] = f[l3 + 8];
  o.copy(K.NW_SRC, f, l3 + 12, 4);
  o.copy(K.NW_DST, f, l3 + 16, 4);
  o.flag(P.IPV4);
  if (ihl > 20) o.flag(P.IP_OPTIONS);
  if (total > avail) {
    o.truncated("truncated_ipv4");
    total = avail;
  }
  const fragWord = dv.getUint16(l3 + 6);
  const more = (fragWord & 0x2000) !== 0;
  const offset = fragWord & 0x1fff;
  if (more || offset) {
    o.counters.push("parse.fragments");
    o.key[K.IP_FRAG] = FRAG_ANY | (offset ? FRAG_LATER : 0);
    if (offset) return done(l3);
  }
  return done(l3, transport(f, dv, l3 + ihl, l3 + total, proto, false, o));
}

function ipv6(f: Uint8Array, dv: DataView, l3: number, o: Out, done: Done): ModelResult {
  const avail = f.length - l3;
  if (avail < 40) {
    o.truncated("truncated_ipv6");
    return done();
  }
  const word0 = dv.getUint32(l3);
  if (word0 >>> 28 !== 6) {
    o.malformed("bad_ipv6_version");
    return done();
  }
  o.key[K.IP_TOS] = (word0 >>> 20) & 0xff;
  o.kv.setUint32(K.IPV6_LABEL, word0 & 0xfffff);
  o.key[K.IP_TTL] = f[l3 + 7];
  o.copy(K.NW_SRC, f, l3 + 8, 16);
  o.copy(K.NW_DST, f, l3 + 24, 16);
  o.flag(P.IPV6);
  const payload = dv.getUint16(l3 + 4);
  let end = l3 + 40 + payload;
  if (end > f.length) {
    o.truncated("truncated_ipv6");
    end = f.length;
  }
  let nh = f[l3 + 6];
  let at = l3 + 40;
  let frag = 0;
  let stopped = false;
  while ([0, 43, 60, 51, 44].includes(nh)) {
    if (end - at < 8) {
      o.truncated("truncated_ipv6_ext");
      stopped = true;
      break;
    }
    const len = nh === 44 ? 8 : nh === 51 ? (f[at + 1] + 2) * 4 : (f[at + 1] + 1) * 8;
    if (at + len > end) {
      o.truncated("truncated_ipv6_ext");
      stopped = true;
      break;
    }
    if (nh === 44) {
      frag |= FRAG_ANY;
      if (dv.getUint16(at + 2) >> 3 !== 0) {
        frag |= FRAG_LATER;
        stopped = true;
        break;
      }
    }
    nh = f[at];
    at += len;
  }
  o.key[K.IP_PROTO] = nh;
  if (frag) {
    o.counters.push("parse.fragments");
    o.key[K.IP_FRAG] = frag;
  }
  if (stopped) return done(l3);
  return done(l3, transport(f, dv, at, end, nh, true, o));
}

/** Returns the L4 offset, or 0. */
function transport(f: Uint8Array, dv: DataView, l4: number, end: number, proto: number, v6: boolean, o: Out): number {
  const avail = end - l4;
  const ports = (need: number, bit: number): number => {
    if (avail < need) {
      o.truncated("truncated_l4");
      return 0;
    }
    o.copy(K.TP_SRC, f, l4, 4);
    o.flag(bit);
    return l4;
  };
  if (proto === 17) return ports(8, P.UDP);
  if (proto === 132) return ports(12, P.SCTP);
  if (proto === 6) {
    if (avail < 20) {
      o.truncated("truncated_l4");
      return 0;
    }
    const doff = (f[l4 + 12] >> 4) * 4;
    if (doff < 20) {
      o.malformed("bad_tcp_offset");
      return 0;
    }
    if (doff > avail) {
      o.truncated("truncated_l4");
      return 0;
    }
    o.kv.setUint16(K.TCP_FLAGS, dv.getUint16(l4 + 12) & 0x0fff);
    return ports(20, P.TCP);
  }
  const icmp4 = proto === 1 && !v6;
  const icmp6 = proto === 58 && v6;
  if (!icmp4 && !icmp6) return 0;
  if (avail < 8) {
    o.truncated("truncated_l4");
    return 0;
  }
  const type = f[l4];
  const code = f[l4 + 1];
  o.kv.setUint16(K.TP_SRC, type);
  o.kv.setUint16(K.TP_DST, code);
  o.flag(icmp4 ? P.ICMP4 : P.ICMP6);
  if (icmp6 && code === 0 && (type === 135 || type === 136)) nd(f, l4, end, o);
  return l4;
}

function nd(f: Uint8Array, l4: number, end: number, o: Out): void {
  if (end - l4 < 24) {
    o.truncated("truncated_nd");
    return;
  }
  o.copy(K.ND_TARGET, f, l4 + 8, 16);
  o.flag(P.ND);
  let sll = false;
  let tll = false;
  for (let at = l4 + 24; at < end; ) {
    if (end - at < 8) {
      o.truncated("truncated_nd");
      return;
    }
    const len = f[at + 1] * 8;
    if (len === 0) {
      o.malformed("bad_nd_option");
      return;
    }
    if (at + len > end) {
      o.truncated("truncated_nd");
      return;
    }
    if (len === 8 && f[at] === 1 && !sll) {
      o.copy(K.ARP_SHA, f, at + 2, 6);
      sll = true;
    } else if (len === 8 && f[at] === 2 && !tll) {
      o.copy(K.ARP_THA, f, at + 2, 6);
      tll = true;
    }
    at += len;
  }
}

/** A key's fields in readable form (MACs "aa:bb:..", addresses and ND target as hex). */
export interface KeyFields {
  inPort: number;
  present: string[];
  ethDst: string;
  ethSrc: string;
  ethType: number;
  vlanTci: number;
  vlanTpid: number;
  vlan2Tci: number;
  ipProto: number;
  ipTos: number;
  ipTtl: number;
  ipFrag: number;
  nwSrc: string;
  nwDst: string;
  tpSrc: number;
  tpDst: number;
  tcpFlags: number;
  arpOp: number;
  ipv6Label: number;
  mplsLse: number;
  arpSha: string;
  arpTha: string;
  ndTarget: string;
}

/** Offsets of the key's padding bytes, which must always be zero. */
export const KEY_PADDING = [92, 93, 94, 95];

const mac = (k: Uint8Array, at: number) =>
  Array.from(k.subarray(at, at + 6), (b) => b.toString(16).padStart(2, "0")).join(":");
const hexOf = (k: Uint8Array, at: number, n: number) => Buffer.from(k.subarray(at, at + n)).toString("hex");

export function decodeKey(k: Uint8Array): KeyFields {
  const dv = new DataView(k.buffer, k.byteOffset, k.byteLength);
  const bits = dv.getUint32(K.PRESENT, true);
  return {
    inPort: dv.getUint32(K.IN_PORT, true),
    present: Object.entries(P)
      .filter(([, b]) => bits & b)
      .map(([n]) => n),
    ethDst: mac(k, K.ETH_DST),
    ethSrc: mac(k, K.ETH_SRC),
    ethType: dv.getUint16(K.ETH_TYPE),
    vlanTci: dv.getUint16(K.VLAN_TCI),
    vlanTpid: dv.getUint16(K.VLAN_TPID),
    vlan2Tci: dv.getUint16(K.VLAN2_TCI),
    ipProto: k[K.IP_PROTO],
    ipTos: k[K.IP_TOS],
    ipTtl: k[K.IP_TTL],
    ipFrag: k[K.IP_FRAG],
    nwSrc: hexOf(k, K.NW_SRC, 16),
    nwDst: hexOf(k, K.NW_DST, 16),
    tpSrc: dv.getUint16(K.TP_SRC),
    tpDst: dv.getUint16(K.TP_DST),
    tcpFlags: dv.getUint16(K.TCP_FLAGS),
    arpOp: dv.getUint16(K.ARP_OP),
    ipv6Label: dv.getUint32(K.IPV6_LABEL),
    mplsLse: dv.getUint32(K.MPLS_LSE),
    arpSha: mac(k, K.ARP_SHA),
    arpTha: mac(k, K.ARP_THA),
    ndTarget: hexOf(k, K.ND_TARGET, 16),
  };
}

/** The decoded form of an all-zero key. */
export const ZERO_FIELDS: KeyFields = decodeKey(new Uint8Array(KEY_SIZE));

/** An IPv4 address as it sits in NW_SRC/NW_DST (first 4 of 16 bytes), hex. */
export const ip4 = (s: string): string => Buffer.from(s.split(".").map(Number)).toString("hex").padEnd(32, "0");

/** An IPv6 address (with "::" allowed) as 16 bytes, hex. */
export function ip6(s: string): string {
  const [head, tail] = s.includes("::") ? s.split("::") : [s, undefined];
  const words = (part: string) => (part ? part.split(":") : []);
  const h = words(head);
  const t = tail === undefined ? [] : words(tail);
  const all = [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  return all.map((w) => w.padStart(4, "0")).join("");
}
