// Transport-layer stage of the parser: TCP, UDP, SCTP, ICMPv4, ICMPv6 and IPv6 neighbour
// discovery, into the flow key's TP_*, TCP_FLAGS, ND_TARGET and ARP_SHA/ARP_THA fields.
//
// What: parseL4(pkt, l4, end, proto, v6, key) reads the transport header at pkt + l4 that
//   the IP stage bounded by `end` (the IP packet's end: trailing Ethernet padding and bytes
//   past the captured length are outside) and returns l4 if the header was intact, else 0.
// Design: a header is all-or-nothing, as in OVS's miniflow_extract: its fields are written
//   only when its whole fixed header (TCP: with options, per the data offset) lies in
//   [l4, end). Ports are copied as one u32 in wire order; ICMP type/code go to the low byte
//   of the be16 TP_SRC/TP_DST. ICMPv4 is only parsed under IPv4, ICMPv6 only under IPv6.
//   ND (type 135/136, code 0): the target is all-or-nothing; link-layer address options of
//   length 8 fill ARP_SHA (type 1) / ARP_THA (type 2), the first of each kind wins, options
//   of other types or lengths are skipped; a zero-length option is malformed, an option
//   running past `end` (or fewer than 8 bytes left) is truncated — both keep what was read.
// Invariants: l4 <= end <= frame length, so every load is inside [pkt, pkt + len).
// Threading: one WASM instance is one datapath thread.

import { Counter } from "../counters/counters";
import {
  K_ARP_SHA,
  K_ARP_THA,
  K_ND_TARGET,
  K_TCP_FLAGS,
  K_TP_DST,
  K_TP_SRC,
  P_ICMP4,
  P_ICMP6,
  P_ND,
  P_SCTP,
  P_TCP,
  P_UDP,
} from "../key/flow-key";
import {
  ICMP_CODE,
  ICMP_HEADER_LEN,
  ICMP_TYPE,
  ICMP6_NEIGHBOR_ADVERT,
  ICMP6_NEIGHBOR_SOLICIT,
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_SCTP,
  IPPROTO_TCP,
  IPPROTO_UDP,
} from "../wire/icmp";
import {
  ND_MSG_LEN,
  ND_OPT_LLADDR,
  ND_OPT_SOURCE_LINKADDR,
  ND_OPT_TARGET_LINKADDR,
  ND_OPT_TYPE,
  ND_OPT_UNIT,
  ND_OPTIONS,
  ND_TARGET,
  ndOptLen,
} from "../wire/nd";
import { SCTP_HEADER_LEN } from "../wire/sctp";
import { TCP_MIN_HEADER_LEN, tcpFlagsWire, tcpHeaderLen } from "../wire/tcp";
import { UDP_HEADER_LEN } from "../wire/udp";
import { markMalformed, markPresent, markTruncated } from "./present";

/** Parses the transport header at pkt + l4, bounded by end. Returns l4, or 0 if absent. */
@inline export function parseL4(pkt: usize, l4: u32, end: u32, proto: u32, v6: bool, key: usize): u32 {
  const p = pkt + l4;
  const avail = end - l4;
  if (proto == IPPROTO_UDP || proto == IPPROTO_TCP || proto == IPPROTO_SCTP) {
    let need = UDP_HEADER_LEN;
    let bit = P_UDP;
    if (proto == IPPROTO_TCP) {
      need = TCP_MIN_HEADER_LEN;
      bit = P_TCP;
    } else if (proto == IPPROTO_SCTP) {
      need = SCTP_HEADER_LEN;
      bit = P_SCTP;
    }
    if (avail < need) {
      markTruncated(key, Counter.PARSE_TRUNC_L4);
      return 0;
    }
    if (proto == IPPROTO_TCP) {
      const hlen = tcpHeaderLen(p);
      if (hlen < TCP_MIN_HEADER_LEN) {
        markMalformed(key, Counter.PARSE_BAD_TCP_OFFSET);
        return 0;
      }
      if (hlen > avail) {
        markTruncated(key, Counter.PARSE_TRUNC_L4);
        return 0;
      }
      store<u16>(key + K_TCP_FLAGS, tcpFlagsWire(p));
    }
    store<u32>(key + K_TP_SRC, load<u32>(p)); // source and destination ports, wire order
    markPresent(key, bit);
    return l4;
  }
  if ((proto == IPPROTO_ICMP && !v6) || (proto == IPPROTO_ICMPV6 && v6)) {
    if (avail < ICMP_HEADER_LEN) {
      markTruncated(key, Counter.PARSE_TRUNC_L4);
      return 0;
    }
    const type = load<u8>(p + ICMP_TYPE);
    const code = load<u8>(p + ICMP_CODE);
    store<u8>(key + K_TP_SRC + 1, type);
    store<u8>(key + K_TP_DST + 1, code);
    if (!v6) {
      markPresent(key, P_ICMP4);
      return l4;
    }
    markPresent(key, P_ICMP6);
    if (code == 0 && (type == ICMP6_NEIGHBOR_SOLICIT || type == ICMP6_NEIGHBOR_ADVERT)) {
      parseNd(pkt, l4, end, key);
    }
    return l4;
  }
  return 0;
}

/** Neighbour solicitation/advertisement body after the ICMPv6 header at pkt + l4. */
function parseNd(pkt: usize, l4: u32, end: u32, key: usize): void {
  if (end - l4 < ND_MSG_LEN) {
    markTruncated(key, Counter.PARSE_TRUNC_ND);
    return;
  }
  v128.store(key + K_ND_TARGET, v128.load(pkt + l4 + ND_TARGET));
  markPresent(key, P_ND);
  let haveSll = false;
  let haveTll = false;
  let o = l4 + ND_OPTIONS;
  while (o < end) {
    const opt = pkt + o;
    const rest = end - o;
    if (rest < ND_OPT_UNIT) {
      markTruncated(key, Counter.PARSE_TRUNC_ND);
      return;
    }
    const olen = ndOptLen(opt);
    if (olen == 0) {
      markMalformed(key, Counter.PARSE_BAD_ND_OPTION);
      return;
    }
    if (olen > rest) {
      markTruncated(key, Counter.PARSE_TRUNC_ND);
      return;
    }
    if (olen == ND_OPT_UNIT) {
      const t = <u32>load<u8>(opt + ND_OPT_TYPE);
      if (t == ND_OPT_SOURCE_LINKADDR && !haveSll) {
        store<u32>(key + K_ARP_SHA, load<u32>(opt + ND_OPT_LLADDR));
        store<u16>(key + K_ARP_SHA + 4, load<u16>(opt + ND_OPT_LLADDR + 4));
        haveSll = true;
      } else if (t == ND_OPT_TARGET_LINKADDR && !haveTll) {
        store<u32>(key + K_ARP_THA, load<u32>(opt + ND_OPT_LLADDR));
        store<u16>(key + K_ARP_THA + 4, load<u16>(opt + ND_OPT_LLADDR + 4));
        haveTll = true;
      }
    }
    o += olen;
  }
}
