// Flow key: the fixed-size, fixed-layout summary of a packet that every stage after the
// parser works on (exact-match cache, megaflow classifier, action execution, upcalls).
//
// What: 112 bytes (seven 16-byte lanes, so SIMD compares and masks take 7 v128 ops).
// Design: one layout for every protocol, as OVS's `struct flow` does; fields a packet does not
//   carry are zero and a presence bit in PRESENT says whether the layer was seen. Fields are
//   stored in network byte order exactly as they appear on the wire (MACs, addresses, ports),
//   so the control plane can compare them with OpenFlow values without swapping; the two
//   scalar metadata fields (IN_PORT, PRESENT) are little-endian u32 like everything else in
//   WASM memory.
// Invariants: every byte of the key is defined (padding is zero), so two keys are equal iff
//   their 112 bytes are equal, and a mask is a plain 112-byte AND.
//
//  off  size  field                    notes
//  ---  ----  -----------------------  ------------------------------------------------
//    0     4  IN_PORT      u32 LE      datapath port number the packet arrived on
//    4     4  PRESENT      u32 LE      presence bits P_* below
//    8     6  ETH_DST                  wire order
//   14     6  ETH_SRC                  wire order
//   20     2  ETH_TYPE     be16        ethertype after the VLAN tags; 802.3 (< 0x0600) -> 0x05ff
//   22     2  VLAN_TCI     be16        outer tag TCI (PCP|DEI|VID) as on the wire
//   24     2  VLAN_TPID    be16        outer tag TPID (0x8100 or 0x88a8), 0 if untagged
//   26     2  VLAN2_TCI    be16        inner tag TCI of a QinQ frame
//   28     1  IP_PROTO                 IPv4 protocol / IPv6 next header / ARP opcode (low 8)
//   29     1  IP_TOS                   DSCP<<2 | ECN (IPv6: traffic class)
//   30     1  IP_TTL                   TTL / hop limit
//   31     1  IP_FRAG                  FRAG_* bits
//   32    16  NW_SRC                   IPv6 source, or IPv4/ARP SPA in bytes 32..35
//   48    16  NW_DST                   IPv6 destination, or IPv4/ARP TPA in bytes 48..51
//   64     2  TP_SRC       be16        TCP/UDP/SCTP source port; ICMP type in the low byte
//   66     2  TP_DST       be16        TCP/UDP/SCTP dest port;   ICMP code in the low byte
//   68     2  TCP_FLAGS    be16        TCP flags (low 12 bits of offset/flags word)
//   70     2  ARP_OP       be16        ARP opcode, all 16 bits (IP_PROTO keeps the low 8, as OVS)
//   72     4  IPV6_LABEL   be32        IPv6 flow label (20 bits)
//   76     4  MPLS_LSE     be32        top MPLS label stack entry as on the wire:
//                                      label 20 | tc 3 | bos 1 | ttl 8 (P_MPLS)
//   80     6  ARP_SHA                  ARP sender MAC, or IPv6 ND source link-layer addr
//   86     6  ARP_THA                  ARP target MAC, or IPv6 ND target link-layer addr
//   92     4  (zero)
//   96    16  ND_TARGET                IPv6 neighbour discovery target address
//
// MPLS (ethertype 0x8847 / 0x8848 after the VLAN tags): only the top label stack entry is
// kept and nothing beneath it is parsed (OVS does the same: ETH_TYPE stays the MPLS type and
// the L3 fields stay zero).
//
// ICMP type/code live in TP_SRC/TP_DST as in OVS, stored as be16 with the value in the
// low (second) byte: TP_SRC = 0x00 type, TP_DST = 0x00 code.

@inline export const KEY_SIZE: u32 = 112;
@inline export const KEY_WORDS64: u32 = 14;
@inline export const KEY_LANES128: u32 = 7;

@inline export const K_IN_PORT: u32 = 0;
@inline export const K_PRESENT: u32 = 4;
@inline export const K_ETH_DST: u32 = 8;
@inline export const K_ETH_SRC: u32 = 14;
@inline export const K_ETH_TYPE: u32 = 20;
@inline export const K_VLAN_TCI: u32 = 22;
@inline export const K_VLAN_TPID: u32 = 24;
@inline export const K_VLAN2_TCI: u32 = 26;
@inline export const K_IP_PROTO: u32 = 28;
@inline export const K_IP_TOS: u32 = 29;
@inline export const K_IP_TTL: u32 = 30;
@inline export const K_IP_FRAG: u32 = 31;
@inline export const K_NW_SRC: u32 = 32;
@inline export const K_NW_DST: u32 = 48;
@inline export const K_TP_SRC: u32 = 64;
@inline export const K_TP_DST: u32 = 66;
@inline export const K_TCP_FLAGS: u32 = 68;
@inline export const K_ARP_OP: u32 = 70;
@inline export const K_IPV6_LABEL: u32 = 72;
@inline export const K_MPLS_LSE: u32 = 76;
@inline export const K_ARP_SHA: u32 = 80;
@inline export const K_ARP_THA: u32 = 86;
@inline export const K_ND_TARGET: u32 = 96;

// PRESENT bits: which layers the parser found intact.
@inline export const P_ETH: u32 = 1 << 0; // full Ethernet header
@inline export const P_VLAN: u32 = 1 << 1; // outer 802.1Q / 802.1ad tag
@inline export const P_VLAN2: u32 = 1 << 2; // inner tag (QinQ)
@inline export const P_ARP: u32 = 1 << 3;
@inline export const P_IPV4: u32 = 1 << 4;
@inline export const P_IPV6: u32 = 1 << 5;
@inline export const P_TCP: u32 = 1 << 6;
@inline export const P_UDP: u32 = 1 << 7;
@inline export const P_SCTP: u32 = 1 << 8;
@inline export const P_ICMP4: u32 = 1 << 9;
@inline export const P_ICMP6: u32 = 1 << 10;
@inline export const P_ND: u32 = 1 << 11; // ICMPv6 neighbour solicitation/advertisement
@inline export const P_IP_OPTIONS: u32 = 1 << 12; // IPv4 header longer than 20 bytes
@inline export const P_TRUNCATED: u32 = 1 << 13; // parsing stopped early: see parse counters
@inline export const P_MALFORMED: u32 = 1 << 14; // a header was present but invalid
@inline export const P_MPLS: u32 = 1 << 15; // an MPLS label stack entry (MPLS_LSE holds the top one)

// IP_FRAG bits (as OVS's FLOW_NW_FRAG_*).
@inline export const FRAG_ANY: u8 = 1; // the packet is a fragment
@inline export const FRAG_LATER: u8 = 2; // ...and not the first one (no L4 header)

/** Zeroes a key (every byte defined). */
@inline export function keyClear(key: usize): void {
  const z = i64x2.splat(0);
  v128.store(key, z, 0);
  v128.store(key, z, 16);
  v128.store(key, z, 32);
  v128.store(key, z, 48);
  v128.store(key, z, 64);
  v128.store(key, z, 80);
  v128.store(key, z, 96);
}

/** True when the 112 bytes at a and b are equal. */
@inline export function keyEquals(a: usize, b: usize): bool {
  let d = v128.xor(v128.load(a, 0), v128.load(b, 0));
  d = v128.or(d, v128.xor(v128.load(a, 16), v128.load(b, 16)));
  d = v128.or(d, v128.xor(v128.load(a, 32), v128.load(b, 32)));
  d = v128.or(d, v128.xor(v128.load(a, 48), v128.load(b, 48)));
  d = v128.or(d, v128.xor(v128.load(a, 64), v128.load(b, 64)));
  d = v128.or(d, v128.xor(v128.load(a, 80), v128.load(b, 80)));
  d = v128.or(d, v128.xor(v128.load(a, 96), v128.load(b, 96)));
  return !v128.any_true(d);
}

/** dst = src & mask over the whole key (dst may equal src). */
@inline export function keyMaskInto(dst: usize, src: usize, mask: usize): void {
  for (let off: usize = 0; off < 112; off += 16) {
    v128.store(dst + off, v128.and(v128.load(src + off), v128.load(mask + off)));
  }
}

/** Copies a key. */
@inline export function keyCopy(dst: usize, src: usize): void {
  for (let off: usize = 0; off < 112; off += 16) {
    v128.store(dst + off, v128.load(src + off));
  }
}
