// MPLS label stack entry (RFC 3032): the 4 bytes after an ethertype of 0x8847 or 0x8848, and
// after each entry whose bottom-of-stack bit is clear.
//
// The length check happens once, in the caller (parser, MPLS actions), before any accessor is
// called: accessors are unchecked. Values are the entry as a host-order u32.
//
//    31                 12 11  9  8  7      0
//   ┌─────────────────────┬─────┬───┬────────┐
//   │ label (20)          │ tc  │ S │ ttl    │   S: bottom of stack
//   └─────────────────────┴─────┴───┴────────┘

@inline export const MPLS_LSE_LEN: u32 = 4;
@inline export const MPLS_LABEL_SHIFT: u32 = 12;
@inline export const MPLS_TC_SHIFT: u32 = 9;
@inline export const MPLS_BOS: u32 = 1 << 8;
@inline export const MPLS_TTL_MASK: u32 = 0xff;

/** The entry at p (host-order u32). */
@inline export function mplsLseAt(p: usize): u32 {
  return bswap<u32>(load<u32>(p));
}

/** Stores a host-order entry at p in wire order. */
@inline export function mplsLseStore(p: usize, lse: u32): void {
  store<u32>(p, bswap<u32>(lse));
}

/** True when a type field names MPLS (unicast or multicast). */
@inline export function isMplsType(t: u32): bool {
  return t == 0x8847 || t == 0x8848;
}
