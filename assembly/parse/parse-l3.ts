// Network-layer stage of the parser: ARP, IPv4 and IPv6 (with extension headers), into the
// flow key's IP_*, NW_SRC/NW_DST, IPV6_LABEL and ARP_* fields; then hands off to parseL4.
//
// What: parseArp / parseIpv4 / parseIpv6 (pkt, l3, len, key) read the header at pkt + l3 of a
//   frame of len bytes and return l3 | (l4 << 16), l3 = 0 when the header was not intact.
// Design: all-or-nothing per header, as in OVS's miniflow_extract. A header's fields are
//   written, its P_* bit set and its offset returned only when its fixed part is whole and
//   valid; otherwise the stage flags P_TRUNCATED or P_MALFORMED, counts why and stops.
//   - ARP: only Ethernet/IPv4 (htype 1, ptype 0x0800, hlen 6, plen 4); others are malformed.
//     The opcode goes to ARP_OP whole and its low byte to IP_PROTO (as OVS's nw_proto).
//   - IPv4: version 4, IHL >= 5, the whole header with options inside the frame, total
//     length >= header length. The total length bounds L4 (Ethernet padding ignored); a total
//     length past the frame's end flags P_TRUNCATED and L4 is parsed in what is there.
//     Fragments set FRAG_ANY (MF or offset) and FRAG_LATER (offset != 0); later fragments
//     keep IP_PROTO and have no L4.
//   - IPv6: version 6; the payload length bounds L4 like IPv4's total length. Hop-by-hop,
//     routing, destination options, AH and fragment headers are skipped in any order;
//     IP_PROTO is the last next-header value read (also when an extension header is cut
//     short). A later fragment (offset != 0) sets IP_PROTO = 44 and stops, as OVS does.
//     ESP (50), no-next-header (59) and unknown values stop with no L4.
// Invariants: every read lies in [pkt + l3, pkt + len); offsets stay below 2^16 because the
//   parser clamps len (parser.ts).
// Threading: one WASM instance is one datapath thread.

import { Counter, count } from "../counters/counters";
import {
  FRAG_ANY,
  FRAG_LATER,
  K_ARP_SHA,
  K_ARP_THA,
  K_IP_FRAG,
  K_ARP_OP,
  K_IP_PROTO,
  K_IP_TOS,
  K_IP_TTL,
  K_IPV6_LABEL,
  K_NW_DST,
  K_NW_SRC,
  P_ARP,
  P_IP_OPTIONS,
  P_IPV4,
  P_IPV6,
} from "../key/flow-key";
import { ARP_ETH_IPV4_PREFIX, ARP_LEN, ARP_OP, ARP_SHA, ARP_SPA, ARP_THA, ARP_TPA, arpPrefixOf } from "../wire/arp";
import {
  IPV4_DST,
  IPV4_FLAG_MF,
  IPV4_FRAG_OFFSET_MASK,
  IPV4_MIN_HEADER_LEN,
  IPV4_PROTO,
  IPV4_SRC,
  IPV4_TOS,
  IPV4_TTL,
  ipv4FragWord,
  ipv4HeaderLen,
  ipv4TotalLen,
  ipv4Version,
} from "../wire/ipv4";
import {
  IPPROTO_AH,
  IPPROTO_DSTOPTS,
  IPPROTO_FRAGMENT,
  IPPROTO_HOPOPTS,
  IPPROTO_ROUTING,
  IPV6_DST,
  IPV6_EXT_MIN_LEN,
  IPV6_EXT_NEXT,
  IPV6_FRAG_HEADER_LEN,
  IPV6_FRAG_OFFSET_MASK,
  IPV6_HEADER_LEN,
  IPV6_HOP_LIMIT,
  IPV6_NEXT_HEADER,
  IPV6_SRC,
  ipv6AhLen,
  ipv6ExtLen,
  ipv6FlowLabelWire,
  ipv6FragOffLg,
  ipv6PayloadLen,
  ipv6TrafficClass,
  ipv6Version,
} from "../wire/ipv6";
import { parseL4 } from "./parse-l4";
import { markMalformed, markPresent, markTruncated } from "./present";

/** ARP (or RARP) at pkt + l3. */
@inline export function parseArp(pkt: usize, l3: u32, len: u32, key: usize): u32 {
  const a = pkt + l3;
  if (len - l3 < ARP_LEN) {
    markTruncated(key, Counter.PARSE_TRUNC_ARP);
    return 0;
  }
  if (arpPrefixOf(a) != ARP_ETH_IPV4_PREFIX) {
    markMalformed(key, Counter.PARSE_BAD_ARP_FORMAT);
    return 0;
  }
  store<u8>(key + K_IP_PROTO, load<u8>(a + ARP_OP + 1));
  store<u16>(key + K_ARP_OP, load<u16>(a + ARP_OP));
  store<u32>(key + K_NW_SRC, load<u32>(a + ARP_SPA));
  store<u32>(key + K_NW_DST, load<u32>(a + ARP_TPA));
  store<u32>(key + K_ARP_SHA, load<u32>(a + ARP_SHA));
  store<u16>(key + K_ARP_SHA + 4, load<u16>(a + ARP_SHA + 4));
  store<u32>(key + K_ARP_THA, load<u32>(a + ARP_THA));
  store<u16>(key + K_ARP_THA + 4, load<u16>(a + ARP_THA + 4));
  markPresent(key, P_ARP);
  return l3;
}

/** IPv4 at pkt + l3, then its transport header. */
@inline export function parseIpv4(pkt: usize, l3: u32, len: u32, key: usize): u32 {
  const ip = pkt + l3;
  const avail = len - l3;
  if (avail < IPV4_MIN_HEADER_LEN) {
    markTruncated(key, Counter.PARSE_TRUNC_IPV4);
    return 0;
  }
  if (ipv4Version(ip) != 4) {
    markMalformed(key, Counter.PARSE_BAD_IPV4_VERSION);
    return 0;
  }
  const hlen = ipv4HeaderLen(ip);
  if (hlen < IPV4_MIN_HEADER_LEN) {
    markMalformed(key, Counter.PARSE_BAD_IPV4_IHL);
    return 0;
  }
  if (hlen > avail) {
    markTruncated(key, Counter.PARSE_TRUNC_IPV4);
    return 0;
  }
  let total = ipv4TotalLen(ip);
  if (total < hlen) {
    markMalformed(key, Counter.PARSE_BAD_IPV4_LEN);
    return 0;
  }
  const proto = <u32>load<u8>(ip + IPV4_PROTO);
  store<u8>(key + K_IP_PROTO, <u8>proto);
  store<u8>(key + K_IP_TOS, load<u8>(ip + IPV4_TOS));
  store<u8>(key + K_IP_TTL, load<u8>(ip + IPV4_TTL));
  store<u32>(key + K_NW_SRC, load<u32>(ip + IPV4_SRC));
  store<u32>(key + K_NW_DST, load<u32>(ip + IPV4_DST));
  markPresent(key, hlen > IPV4_MIN_HEADER_LEN ? P_IPV4 | P_IP_OPTIONS : P_IPV4);
  if (total > avail) {
    markTruncated(key, Counter.PARSE_TRUNC_IPV4);
    total = avail;
  }
  const frag = ipv4FragWord(ip);
  if (frag & (IPV4_FLAG_MF | IPV4_FRAG_OFFSET_MASK)) {
    count(Counter.PARSE_FRAGMENTS);
    if (frag & IPV4_FRAG_OFFSET_MASK) {
      store<u8>(key + K_IP_FRAG, FRAG_ANY | FRAG_LATER);
      return l3;
    }
    store<u8>(key + K_IP_FRAG, FRAG_ANY);
  }
  return l3 | (parseL4(pkt, l3 + hlen, l3 + total, proto, false, key) << 16);
}

/** IPv6 at pkt + l3, its extension headers, then its transport header. */
export function parseIpv6(pkt: usize, l3: u32, len: u32, key: usize): u32 {
  const ip = pkt + l3;
  const avail = len - l3;
  if (avail < IPV6_HEADER_LEN) {
    markTruncated(key, Counter.PARSE_TRUNC_IPV6);
    return 0;
  }
  if (ipv6Version(ip) != 6) {
    markMalformed(key, Counter.PARSE_BAD_IPV6_VERSION);
    return 0;
  }
  v128.store(key + K_NW_SRC, v128.load(ip + IPV6_SRC));
  v128.store(key + K_NW_DST, v128.load(ip + IPV6_DST));
  store<u8>(key + K_IP_TOS, <u8>ipv6TrafficClass(ip));
  store<u8>(key + K_IP_TTL, load<u8>(ip + IPV6_HOP_LIMIT));
  store<u32>(key + K_IPV6_LABEL, ipv6FlowLabelWire(ip));
  markPresent(key, P_IPV6);
  const plen = ipv6PayloadLen(ip);
  let end = l3 + IPV6_HEADER_LEN + plen;
  if (plen > avail - IPV6_HEADER_LEN) {
    markTruncated(key, Counter.PARSE_TRUNC_IPV6);
    end = len;
  }

  let nh = <u32>load<u8>(ip + IPV6_NEXT_HEADER);
  let off = l3 + IPV6_HEADER_LEN;
  let frag: u8 = 0;
  while (true) {
    const isOpts = nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING || nh == IPPROTO_DSTOPTS;
    if (!isOpts && nh != IPPROTO_AH && nh != IPPROTO_FRAGMENT) break;
    const h = pkt + off;
    // Every extension header is at least 8 bytes (the fragment header exactly 8).
    if (end - off < IPV6_EXT_MIN_LEN) {
      markTruncated(key, Counter.PARSE_TRUNC_IPV6_EXT);
      off = 0;
      break;
    }
    let hlen = IPV6_FRAG_HEADER_LEN;
    if (isOpts) hlen = ipv6ExtLen(h);
    else if (nh == IPPROTO_AH) hlen = ipv6AhLen(h);
    if (hlen > end - off) {
      markTruncated(key, Counter.PARSE_TRUNC_IPV6_EXT);
      off = 0;
      break;
    }
    if (nh == IPPROTO_FRAGMENT) {
      frag |= FRAG_ANY;
      if (ipv6FragOffLg(h) & IPV6_FRAG_OFFSET_MASK) {
        frag |= FRAG_LATER;
        off = 0; // later fragment: IP_PROTO stays 44, no L4
        break;
      }
    }
    nh = <u32>load<u8>(h + IPV6_EXT_NEXT);
    off += hlen;
  }
  store<u8>(key + K_IP_PROTO, <u8>nh);
  if (frag) {
    count(Counter.PARSE_FRAGMENTS);
    store<u8>(key + K_IP_FRAG, frag);
  }
  if (off == 0) return l3;
  return l3 | (parseL4(pkt, off, end, nh, true, key) << 16);
}
