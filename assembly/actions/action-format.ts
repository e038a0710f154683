// Datapath action list format: what the control plane writes and the executor reads.
//
// What: a megaflow's actions are a byte string of TLV records in linear memory:
//
//    0        2        4
//   ┌────────┬────────┬───────────────────────────┐
//   │ type   │ len    │ payload (len - 4 bytes)    │   len: total record size in bytes,
//   │ u16 LE │ u16 LE │                            │   a multiple of 4, >= 4
//   └────────┴────────┴───────────────────────────┘
//
// Design: records run in order over one packet (OVS datapath semantics: each output sends the
//   packet as modified so far). An empty list drops the packet. Multi-byte payload values are
//   little-endian u16/u32 unless marked "wire", which are bytes in network order copied as is.
// Invariants: a record whose type is unknown, whose len is not a multiple of 4, is shorter
//   than its payload or runs past the list, stops execution: the packet is dropped and counted
//   (action.bad_action). The control plane validates lists before installing them, with the
//   same rules (`actionsValidate`).
//
//  type                  payload                                 effect
//  --------------------  --------------------------------------  ------------------------------
//  A_OUTPUT        1     u32 port                                 send to port
//  A_OUTPUT_SET    2     u16 set id, u16 flags (SET_EXCLUDE_IN)   send to each port of a set
//  A_DROP          3     u32 reason                               drop, counted by reason
//  A_PUSH_VLAN     4     u16 tpid, u16 tci (host order values)    push an outer tag
//  A_POP_VLAN      5     (none)                                   pop the outer tag
//  A_SET_VLAN_VID  6     u16 vid, u16 (zero)                      set the outer tag's VID
//  A_SET_VLAN_PCP  7     u8 pcp, 3 bytes (zero)                   set the outer tag's PCP
//  A_SET_ETH_SRC   8     6 bytes wire MAC, 2 bytes (zero)
//  A_SET_ETH_DST   9     6 bytes wire MAC, 2 bytes (zero)
//  A_SET_IPV4_SRC  10    4 bytes wire address                     + IPv4 and L4 checksums
//  A_SET_IPV4_DST  11    4 bytes wire address                     + IPv4 and L4 checksums
//  A_SET_IPV6_SRC  12    16 bytes wire address                    + L4 checksum
//  A_SET_IPV6_DST  13    16 bytes wire address                    + L4 checksum
//  A_SET_DSCP      14    u8 dscp (0..63), 3 bytes (zero)          IPv4 TOS / IPv6 TC, ECN kept
//  A_DEC_TTL       15    u32 userdata                             TTL/hop limit - 1; at <= 1 the
//                                                                 packet goes to userspace with
//                                                                 reason UPCALL_TTL and this
//                                                                 userdata, and stops
//  A_SET_TP_SRC    16    u16 port, u16 (zero)                     TCP/UDP/SCTP source port
//  A_SET_TP_DST    17    u16 port, u16 (zero)                     TCP/UDP/SCTP dest port
//  A_SAMPLE        18    u32 sampler id, u32 rate N               1-in-N copy to userspace,
//                                                                 reason UPCALL_SAMPLE
//  A_USERSPACE     19    u32 userdata                             copy to userspace,
//                                                                 reason UPCALL_ACTION
//  A_METER         20    u32 meter slot                           run meter (assembly/meters/):
//                                                                 a DROP band frees the packet
//                                                                 and ends execution; a
//                                                                 DSCP_REMARK band raises the
//                                                                 DSCP drop precedence
//
// MPLS and TTL copies (types 21..29; mpls-ops.ts). "LSE" is a label stack entry as a host-order
// u32: label 20 | tc 3 | bos 1 | ttl 8. The stack sits after the VLAN tags (OVS's datapath
// position; the packet bytes, not the key, say where). Each record but the push leaves a
// packet without MPLS alone.
//  A_PUSH_MPLS     21    u16 ethertype, u16 (zero)                new top LSE after the tags; a
//                                                                 copy of the old top with bos
//                                                                 clear, else (OVS) label 0 (2
//                                                                 for IPv6), tc = DSCP & 7, bos,
//                                                                 ttl = IP TTL (64 if not IP);
//                                                                 no headroom: drop, ends
//  A_POP_MPLS      22    u16 ethertype, u16 (zero)                remove the top LSE, set type
//  A_SET_MPLS_LSE  23    u32 value, u32 mask                      top LSE = (LSE & ~mask) |
//                                                                 (value & mask)
//  A_DEC_MPLS_TTL  24    u32 userdata                             top LSE ttl - 1; at <= 1 as
//                                                                 A_DEC_TTL (UPCALL_TTL, ends)
//  A_COPY_TTL_OUT  25    (none)                                   top ttl = next LSE's ttl, or
//                                                                 the IP TTL beneath the bottom
//  A_COPY_TTL_IN   26    (none)                                   next LSE's ttl, or the IP TTL
//                                                                 / hop limit beneath the bottom
//                                                                 (IPv4 checksum kept) = top ttl
//   Beneath the bottom of the stack the IP version nibble (4 or 6) says which header it is;
//   after a push the l3/l4 offsets are cleared (the IP header is no longer the packet's L3,
//   so IP rewrites do nothing), and a pop leaves them cleared.
//  Set-field records for the remaining writable OXM fields (numbered from 30; each acts only
//  when the packet has the header, bounds-checked, checksums updated incrementally):
//  A_SET_ECN       30    u8 ecn (0..3), 3 bytes (zero)            IPv4 TOS / IPv6 TC low bits
//  A_SET_TTL       31    u8 ttl, 3 bytes (zero)                   IPv4 TTL (+ csum) / hop limit
//  A_SET_ARP_OP    32    u16 opcode, u16 (zero)                   ARP (Ethernet/IPv4) opcode
//  A_SET_ARP_SPA   33    4 bytes wire address
//  A_SET_ARP_TPA   34    4 bytes wire address
//  A_SET_ARP_SHA   35    6 bytes wire MAC, 2 bytes (zero)
//  A_SET_ARP_THA   36    6 bytes wire MAC, 2 bytes (zero)
//  A_SET_ICMP4_TYPE 37   u8 type, 3 bytes (zero)                  + ICMP checksum
//  A_SET_ICMP4_CODE 38   u8 code, 3 bytes (zero)                  + ICMP checksum
//  A_SET_ICMP6_TYPE 39   u8 type, 3 bytes (zero)                  + ICMPv6 checksum
//  A_SET_ICMP6_CODE 40   u8 code, 3 bytes (zero)                  + ICMPv6 checksum
//  A_SET_IPV6_LABEL 41   u32 flow label (20 bits)                 IPv6 flow label
//  A_SET_ND_TARGET 42    16 bytes wire address                    NS/NA target + ICMPv6 csum
//  A_SET_ND_SLL    43    6 bytes wire MAC, 2 bytes (zero)         the NS's first SLL option
//  A_SET_ND_TLL    44    6 bytes wire MAC, 2 bytes (zero)         the NA's first TLL option
//                                                                 (no option: no change, as OVS)

@inline export const A_OUTPUT: u16 = 1;
@inline export const A_OUTPUT_SET: u16 = 2;
@inline export const A_DROP: u16 = 3;
@inline export const A_PUSH_VLAN: u16 = 4;
@inline export const A_POP_VLAN: u16 = 5;
@inline export const A_SET_VLAN_VID: u16 = 6;
@inline export const A_SET_VLAN_PCP: u16 = 7;
@inline export const A_SET_ETH_SRC: u16 = 8;
@inline export const A_SET_ETH_DST: u16 = 9;
@inline export const A_SET_IPV4_SRC: u16 = 10;
@inline export const A_SET_IPV4_DST: u16 = 11;
@inline export const A_SET_IPV6_SRC: u16 = 12;
@inline export const A_SET_IPV6_DST: u16 = 13;
@inline export const A_SET_DSCP: u16 = 14;
@inline export const A_DEC_TTL: u16 = 15;
@inline export const A_SET_TP_SRC: u16 = 16;
@inline export const A_SET_TP_DST: u16 = 17;
@inline export const A_SAMPLE: u16 = 18;
@inline export const A_USERSPACE: u16 = 19;
@inline export const A_METER: u16 = 20;
// MPLS block: 21..29 (27..29 free).
@inline export const A_PUSH_MPLS: u16 = 21;
@inline export const A_POP_MPLS: u16 = 22;
@inline export const A_SET_MPLS_LSE: u16 = 23;
@inline export const A_DEC_MPLS_TTL: u16 = 24;
@inline export const A_COPY_TTL_OUT: u16 = 25;
@inline export const A_COPY_TTL_IN: u16 = 26;

// Set-field records for the remaining writable fields (set-field-ip/arp/icmp.ts).
@inline export const A_SET_ECN: u16 = 30;
@inline export const A_SET_TTL: u16 = 31;
@inline export const A_SET_ARP_OP: u16 = 32;
@inline export const A_SET_ARP_SPA: u16 = 33;
@inline export const A_SET_ARP_TPA: u16 = 34;
@inline export const A_SET_ARP_SHA: u16 = 35;
@inline export const A_SET_ARP_THA: u16 = 36;
@inline export const A_SET_ICMP4_TYPE: u16 = 37;
@inline export const A_SET_ICMP4_CODE: u16 = 38;
@inline export const A_SET_ICMP6_TYPE: u16 = 39;
@inline export const A_SET_ICMP6_CODE: u16 = 40;
@inline export const A_SET_IPV6_LABEL: u16 = 41;
@inline export const A_SET_ND_TARGET: u16 = 42;
@inline export const A_SET_ND_SLL: u16 = 43;
@inline export const A_SET_ND_TLL: u16 = 44;
@inline export const A_MAX: u16 = 44;

/** A_OUTPUT_SET flag: leave out the port the packet came in on (flood semantics). */
@inline export const SET_EXCLUDE_IN: u16 = 1;

/** Payload size each type requires (bytes after the 4-byte header); -1 for unknown types. */
export function actionPayloadSize(type: u16): i32 {
  switch (type) {
    case A_POP_VLAN:
    case A_COPY_TTL_OUT:
    case A_COPY_TTL_IN:
      return 0;
    case A_OUTPUT:
    case A_OUTPUT_SET:
    case A_DROP:
    case A_PUSH_VLAN:
    case A_SET_VLAN_VID:
    case A_SET_VLAN_PCP:
    case A_SET_IPV4_SRC:
    case A_SET_IPV4_DST:
    case A_SET_DSCP:
    case A_SET_TP_SRC:
    case A_SET_TP_DST:
    case A_USERSPACE:
    case A_METER:
    case A_DEC_TTL:
    case A_PUSH_MPLS:
    case A_POP_MPLS:
    case A_DEC_MPLS_TTL:
      return 4;
    // Set-field records 30..44.
    case A_SET_ECN:
    case A_SET_TTL:
    case A_SET_ARP_OP:
    case A_SET_ARP_SPA:
    case A_SET_ARP_TPA:
    case A_SET_ICMP4_TYPE:
    case A_SET_ICMP4_CODE:
    case A_SET_ICMP6_TYPE:
    case A_SET_ICMP6_CODE:
    case A_SET_IPV6_LABEL:
      return 4;
    case A_SET_ARP_SHA:
    case A_SET_ARP_THA:
    case A_SET_ND_SLL:
    case A_SET_ND_TLL:
      return 8;
    case A_SET_ND_TARGET:
      return 16;
    case A_SET_ETH_SRC:
    case A_SET_ETH_DST:
    case A_SAMPLE:
    case A_SET_MPLS_LSE:
      return 8;
    case A_SET_IPV6_SRC:
    case A_SET_IPV6_DST:
      return 16;
    default:
      return -1;
  }
}

/** Checks a whole list: returns -1 when valid, else the byte offset of the first bad record. */
export function actionsValidate(list: usize, len: u32): i32 {
  let off: u32 = 0;
  while (off < len) {
    if (len - off < 4) return <i32>off;
    const type = load<u16>(list + off);
    const rlen = <u32>load<u16>(list + off, 2);
    const need = actionPayloadSize(type);
    if (need < 0 || (rlen & 3) != 0 || rlen < 4 + <u32>need || rlen > len - off) return <i32>off;
    off += rlen;
  }
  return -1;
}
