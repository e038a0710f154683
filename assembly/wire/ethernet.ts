// Ethernet II header: offsets, lengths and accessors over raw bytes.
//
// The length check happens once, in the parser (assembly/parse/), before any accessor is
// called: the accessors here are unchecked loads and must only be used on a range the caller
// has already proved long enough.
//
//   0      6      12     14
//   ┌──────┬──────┬──────┐
//   │ dst  │ src  │ type │  type < 0x0600 is an 802.3 length, not an ethertype
//   └──────┴──────┴──────┘

@inline export const ETH_DST: u32 = 0;
@inline export const ETH_SRC: u32 = 6;
@inline export const ETH_TYPE: u32 = 12;
@inline export const ETH_HEADER_LEN: u32 = 14;
@inline export const ETH_ADDR_LEN: u32 = 6;

@inline export const ETHERTYPE_IPV4: u16 = 0x0800;
@inline export const ETHERTYPE_ARP: u16 = 0x0806;
@inline export const ETHERTYPE_RARP: u16 = 0x8035;
@inline export const ETHERTYPE_VLAN: u16 = 0x8100; // 802.1Q C-tag
@inline export const ETHERTYPE_QINQ: u16 = 0x88a8; // 802.1ad S-tag
@inline export const ETHERTYPE_IPV6: u16 = 0x86dd;
@inline export const ETHERTYPE_MPLS: u16 = 0x8847; // MPLS unicast
@inline export const ETHERTYPE_MPLS_MCAST: u16 = 0x8848; // MPLS multicast
/** Smallest ethertype; below it the field is an 802.3 length. */
@inline export const ETHERTYPE_MIN: u16 = 0x0600;
/** What the flow key stores for an 802.3 (length) frame: OVS's FLOW_DL_TYPE_NONE. */
@inline export const ETHERTYPE_NONE: u16 = 0x05ff;

/** The type/length field at byte `at` (12 for an untagged frame), host order. */
@inline export function ethTypeAt(p: usize, at: u32): u32 {
  return <u32>bswap<u16>(load<u16>(p + at));
}
