// SCTP common header (RFC 9260). The length check happens once, in the parser; accessors
// are unchecked. Only the ports reach the flow key.
//
//   0      2      4             8          12
//   ┌──────┬──────┬─────────────┬──────────┐
//   │ sport│ dport│ verif. tag  │ checksum │
//   └──────┴──────┴─────────────┴──────────┘

@inline export const SCTP_SRC_PORT: u32 = 0;
@inline export const SCTP_DST_PORT: u32 = 2;
@inline export const SCTP_VTAG: u32 = 4;
@inline export const SCTP_CHECKSUM: u32 = 8;
@inline export const SCTP_HEADER_LEN: u32 = 12;
