// UDP header (RFC 768). The length check happens once, in the parser; accessors are
// unchecked. The length field is not validated: the IP length bounds the datagram.
//
//   0      2      4      6      8
//   ┌──────┬──────┬──────┬──────┐
//   │ sport│ dport│ len  │ csum │
//   └──────┴──────┴──────┴──────┘

@inline export const UDP_SRC_PORT: u32 = 0;
@inline export const UDP_DST_PORT: u32 = 2;
@inline export const UDP_LENGTH: u32 = 4;
@inline export const UDP_CHECKSUM: u32 = 6;
@inline export const UDP_HEADER_LEN: u32 = 8;
