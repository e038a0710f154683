// IPv6 header (RFC 8200) and the extension headers the parser skips.
//
// The length check happens once, in the parser, before any accessor is called: accessors
// are unchecked.
//
//   0                    4            6      7       8       24      40
//   ┌────────────────────┬────────────┬──────┬───────┬───────┬───────┐
//   │ver|tclass|flowlabel│payload len │ next │ hop   │ src   │ dst   │
//   └────────────────────┴────────────┴──────┴───────┴───────┴───────┘
//
//   extension header: next(1) | len(1) | ...   length (len+1)*8 (AH: (len+2)*4)
//   fragment header:  next(1) | 0(1) | offset<<3 | res(2) | M(1) | id(4)   length 8

@inline export const IPV6_VTC_FLOW: u32 = 0;
@inline export const IPV6_PAYLOAD_LEN: u32 = 4;
@inline export const IPV6_NEXT_HEADER: u32 = 6;
@inline export const IPV6_HOP_LIMIT: u32 = 7;
@inline export const IPV6_SRC: u32 = 8;
@inline export const IPV6_DST: u32 = 24;
@inline export const IPV6_HEADER_LEN: u32 = 40;
@inline export const IPV6_ADDR_LEN: u32 = 16;

// Next-header values.
@inline export const IPPROTO_HOPOPTS: u32 = 0;
@inline export const IPPROTO_ROUTING: u32 = 43;
@inline export const IPPROTO_FRAGMENT: u32 = 44;
@inline export const IPPROTO_ESP: u32 = 50;
@inline export const IPPROTO_AH: u32 = 51;
@inline export const IPPROTO_NONE: u32 = 59;
@inline export const IPPROTO_DSTOPTS: u32 = 60;

// Extension header fields.
@inline export const IPV6_EXT_NEXT: u32 = 0;
@inline export const IPV6_EXT_LEN: u32 = 1;
@inline export const IPV6_EXT_MIN_LEN: u32 = 8;
@inline export const IPV6_FRAG_OFFLG: u32 = 2; // offset<<3 | res(2) | M
@inline export const IPV6_FRAG_HEADER_LEN: u32 = 8;
@inline export const IPV6_FRAG_OFFSET_MASK: u32 = 0xfff8;
@inline export const IPV6_FRAG_MORE: u32 = 1;

@inline export function ipv6Version(p: usize): u32 {
  return <u32>load<u8>(p) >> 4;
}
@inline export function ipv6TrafficClass(p: usize): u32 {
  return (<u32>bswap<u16>(load<u16>(p)) >> 4) & 0xff;
}
/** Flow label kept in wire order inside a u32 (the 4 header bytes with version and traffic
 *  class masked off), ready to store as the key's be32 IPV6_LABEL. */
@inline export function ipv6FlowLabelWire(p: usize): u32 {
  return load<u32>(p) & 0xffff_0f00;
}
@inline export function ipv6PayloadLen(p: usize): u32 {
  return <u32>bswap<u16>(load<u16>(p + IPV6_PAYLOAD_LEN));
}
/** Length of a hop-by-hop, routing or destination options header. */
@inline export function ipv6ExtLen(p: usize): u32 {
  return (<u32>load<u8>(p + IPV6_EXT_LEN) + 1) << 3;
}
/** Length of an authentication header (RFC 4302: payload len in 4-byte units, minus 2). */
@inline export function ipv6AhLen(p: usize): u32 {
  return (<u32>load<u8>(p + IPV6_EXT_LEN) + 2) << 2;
}
/** Fragment offset-and-flags word of a fragment header, host order. */
@inline export function ipv6FragOffLg(p: usize): u32 {
  return <u32>bswap<u16>(load<u16>(p + IPV6_FRAG_OFFLG));
}
