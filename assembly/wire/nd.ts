// IPv6 neighbour discovery (RFC 4861): neighbour solicitation (135) and advertisement (136)
// messages and their link-layer address options. The length check happens once, in the
// parser; accessors are unchecked.
//
//   ICMPv6 header (8) | target address (16) | options...
//   option: type(1) | len(1, in 8-byte units, 0 is invalid) | data
//   SLL (type 1) / TLL (type 2) option for Ethernet: len 1, data = 6-byte MAC

@inline export const ND_TARGET: u32 = 8; // from the start of the ICMPv6 header
@inline export const ND_OPTIONS: u32 = 24;
@inline export const ND_MSG_LEN: u32 = 24;

@inline export const ND_OPT_TYPE: u32 = 0;
@inline export const ND_OPT_LEN: u32 = 1;
@inline export const ND_OPT_LLADDR: u32 = 2;
@inline export const ND_OPT_UNIT: u32 = 8;

@inline export const ND_OPT_SOURCE_LINKADDR: u32 = 1;
@inline export const ND_OPT_TARGET_LINKADDR: u32 = 2;

/** Option length in bytes (0 means malformed). */
@inline export function ndOptLen(p: usize): u32 {
  return <u32>load<u8>(p + ND_OPT_LEN) << 3;
}
