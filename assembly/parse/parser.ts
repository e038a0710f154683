// Packet parser: one frame's bytes → the 112-byte flow key (key/flow-key.ts) and the offsets
// of its L3 and L4 headers.
//
// What: parseFrame(pkt, len, inPort, key) handles Ethernet II and 802.3 frames with up to two
//   VLAN tags (802.1Q 0x8100 or 802.1ad 0x88a8, in either position), MPLS (the top label stack
//   entry only), ARP/RARP, IPv4 and IPv6 (extension headers skipped), TCP, UDP, SCTP, ICMPv4,
//   ICMPv6 and IPv6 neighbour discovery.
//   parsePacket(id, key) runs it over a pool buffer and stores the offsets in its metadata.
// Design: stages in three files, each header read through its assembly/wire/ view:
//     parser.ts   Ethernet, VLAN tags, MPLS top entry, ethertype dispatch
//     parse-l3.ts ARP, IPv4, IPv6 + extension headers
//     parse-l4.ts TCP, UDP, SCTP, ICMP, ND
//   keyClear first, then each stage writes its fields in place; a stage that finds its header
//   cut short sets P_TRUNCATED, one that finds it invalid sets P_MALFORMED, counts why in the
//   parse.* counters, and parsing stops there with what was found so far (all-or-nothing per
//   header). Length checks are done once per header, in the stage, before the wire accessors.
//   Choices worth knowing:
//   - ETH_TYPE is the last type field read whole: after the tags, or the TPID of a tag that
//     is cut short, or of a third tag (not parsed, counted as parse.vlan_too_deep).
//   - An 802.3 frame (type/length < 0x0600) gets ETH_TYPE 0x05ff, OVS's FLOW_DL_TYPE_NONE, so
//     it differs from "no Ethernet header" (0) and OpenFlow dl_type=0x05ff matches it as in
//     OVS. LLC/SNAP is not decoded.
//   - VLAN_TPID/VLAN_TCI hold the outer tag, VLAN2_TCI the inner tag (its TPID is not kept).
//   - MPLS (0x8847 unicast, 0x8848 multicast): the top label stack entry goes to MPLS_LSE as
//     on the wire and P_MPLS is set; as in OVS nothing beneath the label stack is parsed
//     (ETH_TYPE stays the MPLS type, l3 stays 0). A cut entry is parse.truncated_mpls.
//   - l3 is non-zero only when an ARP/IPv4/IPv6 header was parsed intact (P_ARP/P_IPV4/P_IPV6),
//     l4 only when P_TCP/P_UDP/P_SCTP/P_ICMP4/P_ICMP6 is set, so an action that rewrites a
//     header at l3/l4 can trust it is there.
// Invariants: never reads outside [pkt, pkt + len); never traps, allocates or throws. Frames
//   longer than 65535 bytes are parsed in their first 65535 (offsets are u16 in the buffer
//   metadata). Every packet counts in parse.packets; a packet may count under several
//   parse.* reasons (e.g. an IPv4 total length past the frame and a cut TCP header).
// Threading: one WASM instance is one datapath thread.

import { Counter, count } from "../counters/counters";
import {
  K_ETH_DST,
  K_ETH_TYPE,
  K_IN_PORT,
  K_MPLS_LSE,
  K_PRESENT,
  K_VLAN2_TCI,
  K_VLAN_TCI,
  K_VLAN_TPID,
  P_ETH,
  P_MPLS,
  P_VLAN,
  P_VLAN2,
  keyClear,
} from "../key/flow-key";
import { bufData, bufInPort, bufLen, bufSetLayers } from "../buffers/pool";
import {
  ETH_HEADER_LEN,
  ETH_TYPE,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  ETHERTYPE_MIN,
  ETHERTYPE_MPLS,
  ETHERTYPE_MPLS_MCAST,
  ETHERTYPE_NONE,
  ETHERTYPE_RARP,
  ethTypeAt,
} from "../wire/ethernet";
import { MPLS_LSE_LEN } from "../wire/mpls";
import { VLAN_NEXT_TYPE, VLAN_TAG_LEN, VLAN_TCI, isVlanTpid } from "../wire/vlan";
import { parseArp, parseIpv4, parseIpv6 } from "./parse-l3";
import { markPresent, markTruncated } from "./present";

/** Longest prefix of a frame the parser looks at (offsets must fit in u16). */
@inline export const PARSE_MAX_LEN: u32 = 0xffff;

/** Parses the frame at [pkt, pkt+len) that arrived on inPort into the 112-byte key at `key`
 *  (every byte written). Returns l3 | (l4 << 16): offsets of the L3 and L4 headers from pkt,
 *  0 where absent. Never traps, never reads outside [pkt, pkt+len). */
export function parseFrame(pkt: usize, len: u32, inPort: u32, key: usize): u32 {
  keyClear(key);
  store<u32>(key + K_IN_PORT, inPort);
  count(Counter.PARSE_PACKETS);
  if (len > PARSE_MAX_LEN) len = PARSE_MAX_LEN;
  if (len < ETH_HEADER_LEN) {
    markTruncated(key, Counter.PARSE_TRUNC_ETH);
    return 0;
  }
  // Key bytes 8..22 mirror frame bytes 0..14 (dst, src, type): three copies.
  store<u64>(key + K_ETH_DST, load<u64>(pkt));
  store<u32>(key + K_ETH_DST + 8, load<u32>(pkt + 8));
  store<u16>(key + K_ETH_TYPE, load<u16>(pkt + ETH_TYPE));
  store<u32>(key + K_PRESENT, P_ETH);

  let t = ethTypeAt(pkt, ETH_TYPE);
  let off = ETH_HEADER_LEN;
  if (isVlanTpid(t)) {
    if (len - off < VLAN_TAG_LEN) {
      markTruncated(key, Counter.PARSE_TRUNC_VLAN);
      return 0;
    }
    store<u16>(key + K_VLAN_TPID, load<u16>(pkt + ETH_TYPE));
    store<u16>(key + K_VLAN_TCI, load<u16>(pkt + off + VLAN_TCI));
    store<u16>(key + K_ETH_TYPE, load<u16>(pkt + off + VLAN_NEXT_TYPE));
    markPresent(key, P_VLAN);
    t = ethTypeAt(pkt, off + VLAN_NEXT_TYPE);
    off += VLAN_TAG_LEN;
    if (isVlanTpid(t)) {
      if (len - off < VLAN_TAG_LEN) {
        markTruncated(key, Counter.PARSE_TRUNC_VLAN);
        return 0;
      }
      store<u16>(key + K_VLAN2_TCI, load<u16>(pkt + off + VLAN_TCI));
      store<u16>(key + K_ETH_TYPE, load<u16>(pkt + off + VLAN_NEXT_TYPE));
      markPresent(key, P_VLAN2);
      t = ethTypeAt(pkt, off + VLAN_NEXT_TYPE);
      off += VLAN_TAG_LEN;
      if (isVlanTpid(t)) {
        count(Counter.PARSE_VLAN_TOO_DEEP);
        return 0;
      }
    }
  }
  if (t == ETHERTYPE_IPV4) return parseIpv4(pkt, off, len, key);
  if (t == ETHERTYPE_IPV6) return parseIpv6(pkt, off, len, key);
  if (t == ETHERTYPE_ARP || t == ETHERTYPE_RARP) return parseArp(pkt, off, len, key);
  if (t == ETHERTYPE_MPLS || t == ETHERTYPE_MPLS_MCAST) {
    if (len - off < MPLS_LSE_LEN) {
      markTruncated(key, Counter.PARSE_TRUNC_MPLS);
      return 0;
    }
    store<u32>(key + K_MPLS_LSE, load<u32>(pkt + off));
    markPresent(key, P_MPLS);
    return 0;
  }
  if (t < ETHERTYPE_MIN) store<u16>(key + K_ETH_TYPE, bswap<u16>(ETHERTYPE_NONE));
  return 0;
}

/** parseFrame over pool buffer id; stores the layer offsets in the buffer's metadata. */
@inline export function parsePacket(id: u32, key: usize): void {
  const r = parseFrame(bufData(id), bufLen(id), bufInPort(id), key);
  bufSetLayers(id, r & 0xffff, r >>> 16);
}
