// IPv4 header (RFC 791).
//
// The length check happens once, in the parser, before any accessor is called: accessors
// are unchecked.
//
//   0        1     2         4      6              8     9      10     12    16    20
//   ┌────────┬─────┬─────────┬──────┬──────────────┬─────┬──────┬──────┬─────┬─────┬─────────┐
//   │ver|ihl │ tos │ tot len │  id  │flags|frag off│ ttl │proto │ csum │ src │ dst │ options │
//   └────────┴─────┴─────────┴──────┴──────────────┴─────┴──────┴──────┴─────┴─────┴─────────┘

@inline export const IPV4_VER_IHL: u32 = 0;
@inline export const IPV4_TOS: u32 = 1;
@inline export const IPV4_TOTAL_LEN: u32 = 2;
@inline export const IPV4_ID: u32 = 4;
@inline export const IPV4_FRAG: u32 = 6;
@inline export const IPV4_TTL: u32 = 8;
@inline export const IPV4_PROTO: u32 = 9;
@inline export const IPV4_CHECKSUM: u32 = 10;
@inline export const IPV4_SRC: u32 = 12;
@inline export const IPV4_DST: u32 = 16;
@inline export const IPV4_MIN_HEADER_LEN: u32 = 20;

@inline export const IPV4_FLAG_MF: u32 = 0x2000; // more fragments
@inline export const IPV4_FRAG_OFFSET_MASK: u32 = 0x1fff;

@inline export function ipv4Version(p: usize): u32 {
  return <u32>load<u8>(p) >> 4;
}
/** Header length in bytes (IHL * 4). */
@inline export function ipv4HeaderLen(p: usize): u32 {
  return (<u32>load<u8>(p) & 0x0f) << 2;
}
@inline export function ipv4TotalLen(p: usize): u32 {
  return <u32>bswap<u16>(load<u16>(p + IPV4_TOTAL_LEN));
}
/** The flags + fragment offset word, host order. */
@inline export function ipv4FragWord(p: usize): u32 {
  return <u32>bswap<u16>(load<u16>(p + IPV4_FRAG));
}
