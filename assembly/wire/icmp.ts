// ICMPv4 (RFC 792) and ICMPv6 (RFC 4443) headers: both start type(1) code(1) csum(2) and
// carry 4 more header bytes (echo id/seq, unused, MTU...). The parser requires all 8, as OVS
// does. The length check happens once, in the parser; accessors are unchecked.
//
//   0      1      2      4              8
//   ┌──────┬──────┬──────┬──────────────┐
//   │ type │ code │ csum │ rest of hdr  │
//   └──────┴──────┴──────┴──────────────┘

@inline export const ICMP_TYPE: u32 = 0;
@inline export const ICMP_CODE: u32 = 1;
@inline export const ICMP_CHECKSUM: u32 = 2;
@inline export const ICMP_HEADER_LEN: u32 = 8;

@inline export const ICMP4_ECHO_REPLY: u8 = 0;
@inline export const ICMP4_ECHO_REQUEST: u8 = 8;
@inline export const ICMP6_ECHO_REQUEST: u8 = 128;
@inline export const ICMP6_ECHO_REPLY: u8 = 129;
@inline export const ICMP6_NEIGHBOR_SOLICIT: u8 = 135;
@inline export const ICMP6_NEIGHBOR_ADVERT: u8 = 136;

@inline export const IPPROTO_ICMP: u32 = 1;
@inline export const IPPROTO_TCP: u32 = 6;
@inline export const IPPROTO_UDP: u32 = 17;
@inline export const IPPROTO_ICMPV6: u32 = 58;
@inline export const IPPROTO_SCTP: u32 = 132;
