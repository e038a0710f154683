// ARP (RFC 826) for Ethernet/IPv4: the only kind the flow key describes.
//
// The length check happens once, in the parser, before any accessor is called: accessors
// are unchecked.
//
//   0     2     4    5    6     8      14     18     24     28
//   ┌─────┬─────┬────┬────┬─────┬──────┬──────┬──────┬──────┐
//   │htype│ptype│hlen│plen│ op  │ sha  │ spa  │ tha  │ tpa  │
//   └─────┴─────┴────┴────┴─────┴──────┴──────┴──────┴──────┘

@inline export const ARP_HTYPE: u32 = 0;
@inline export const ARP_PTYPE: u32 = 2;
@inline export const ARP_HLEN: u32 = 4;
@inline export const ARP_PLEN: u32 = 5;
@inline export const ARP_OP: u32 = 6;
@inline export const ARP_SHA: u32 = 8;
@inline export const ARP_SPA: u32 = 14;
@inline export const ARP_THA: u32 = 18;
@inline export const ARP_TPA: u32 = 24;
@inline export const ARP_LEN: u32 = 28;

@inline export const ARP_HTYPE_ETHERNET: u16 = 1;

/** The first 6 bytes (htype, ptype, hlen, plen) as one little-endian load equals this for
 *  Ethernet/IPv4 ARP: htype 0x0001, ptype 0x0800, hlen 6, plen 4. */
@inline export const ARP_ETH_IPV4_PREFIX: u64 = 0x0406_0008_0100;

@inline export function arpPrefixOf(p: usize): u64 {
  return <u64>load<u32>(p) | (<u64>load<u16>(p, 4) << 32);
}
