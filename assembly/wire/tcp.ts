// TCP header (RFC 9293).
//
// The length check happens once, in the parser, before any accessor is called: accessors
// are unchecked.
//
//   0      2      4      8      12                 14     16     18     20
//   ┌──────┬──────┬──────┬──────┬──────────────────┬──────┬──────┬──────┬─────────┐
//   │ sport│ dport│ seq  │ ack  │doff(4)|flags(12) │window│ csum │ urg  │ options │
//   └──────┴──────┴──────┴──────┴──────────────────┴──────┴──────┴──────┴─────────┘

@inline export const TCP_SRC_PORT: u32 = 0;
@inline export const TCP_DST_PORT: u32 = 2;
@inline export const TCP_SEQ: u32 = 4;
@inline export const TCP_ACK: u32 = 8;
@inline export const TCP_OFFSET_FLAGS: u32 = 12;
@inline export const TCP_MIN_HEADER_LEN: u32 = 20;

@inline export const TCP_FIN: u16 = 0x001;
@inline export const TCP_SYN: u16 = 0x002;
@inline export const TCP_RST: u16 = 0x004;
@inline export const TCP_PSH: u16 = 0x008;
@inline export const TCP_ACK_FLAG: u16 = 0x010;
@inline export const TCP_URG: u16 = 0x020;
@inline export const TCP_ECE: u16 = 0x040;
@inline export const TCP_CWR: u16 = 0x080;

/** Header length in bytes (data offset * 4). */
@inline export function tcpHeaderLen(p: usize): u32 {
  return (<u32>load<u8>(p + TCP_OFFSET_FLAGS) >> 4) << 2;
}
/** The 12 flag bits kept in wire order inside a u16, ready to store as the key's be16. */
@inline export function tcpFlagsWire(p: usize): u16 {
  return load<u16>(p + TCP_OFFSET_FLAGS) & 0xff0f;
}
