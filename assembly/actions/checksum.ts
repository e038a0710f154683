// Checksums that set-field actions keep right: the internet checksum, updated incrementally
// (RFC 1624), and CRC32c (SCTP), computed in full.
//
// What: `csumReplace16/32/128` turn a stored checksum field into the one the packet has after
//   replacing an aligned 16-, 32- or 128-bit chunk of the covered bytes; `csumFull` computes
//   a checksum from scratch (tests, and nothing on the hot path); `crc32c` is the Castagnoli
//   CRC (reflected, poly 0x82F63B78, init and final xor 0xFFFFFFFF) as SCTP uses it.
// Design: RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'), in one's complement arithmetic. The
//   arithmetic is byte-order agnostic: summing 16-bit words read byte-swapped gives the
//   byte-swapped sum. So every value here is a raw little-endian `load<u16>` of wire bytes and
//   the result is stored back with `store<u16>`: no swaps anywhere. Chunks must start at an
//   even offset from the start of the checksummed data (all header fields we rewrite do).
// Invariants: results are canonical: the folded sum is never +0 (0x0000) unless every input
//   is zero, so a checksum is never 0xFFFF and an incremental update equals a full
//   recomputation byte for byte. Callers handle UDP's "0 means none / 0xFFFF means 0" rule.
// Threading: the CRC table is built once at module start; read-only afterwards.

/** Folds a 32-bit one's complement accumulator to 16 bits (end-around carry). */
@inline export function csumFold(s: u32): u32 {
  s = (s & 0xffff) + (s >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  return s;
}

/** ~fold(sum), keeping the canonical form (a sum of +0 is read as -0, i.e. 0xFFFF). */
@inline function csumFinish(sum: u32): u16 {
  const f = csumFold(sum);
  return <u16>(~(f == 0 ? 0xffff : f) & 0xffff);
}

/** New checksum after a 16-bit word changes from `old` to `nw` (raw loads). */
@inline export function csumReplace16(hc: u16, old: u16, nw: u16): u16 {
  return csumFinish((~(<u32>hc) & 0xffff) + (~(<u32>old) & 0xffff) + <u32>nw);
}

/** New checksum after a 32-bit chunk changes from `old` to `nw` (raw loads). */
@inline export function csumReplace32(hc: u16, old: u32, nw: u32): u16 {
  const s: u32 =
    (~(<u32>hc) & 0xffff) +
    (~old & 0xffff) +
    (~old >>> 16) +
    (nw & 0xffff) +
    (nw >>> 16);
  return csumFinish(s);
}

/** New checksum after the 16 bytes at `oldp` are replaced by the 16 bytes at `newp`. Both are
 *  read before anything is written, so call it before copying the new value in. */
export function csumReplace128(hc: u16, oldp: usize, newp: usize): u16 {
  let s: u64 = <u64>(~(<u32>hc) & 0xffff);
  for (let i: usize = 0; i < 16; i += 4) {
    const o = ~load<u32>(oldp + i);
    const n = load<u32>(newp + i);
    s += <u64>(o & 0xffff) + <u64>(o >>> 16) + <u64>(n & 0xffff) + <u64>(n >>> 16);
  }
  // At most 1 + 16 * 0xFFFF: fits in 32 bits.
  return csumFinish(<u32>s);
}

/** One's complement sum (folded to 16 bits, raw byte order) of [p, p+len) plus `initial`. */
export function csumPartial(p: usize, len: u32, initial: u32): u32 {
  let s: u64 = <u64>initial;
  let i: u32 = 0;
  for (; i + 1 < len; i += 2) s += <u64>load<u16>(p + i);
  if (i < len) s += <u64>load<u8>(p + i); // odd tail: pad with a zero byte (LE: low byte)
  s = (s & 0xffff_ffff) + (s >>> 32);
  return csumFold(<u32>s + <u32>(s >>> 32));
}

/** Full internet checksum over [p, p+len) plus a pre-summed pseudo-header (raw byte order). */
export function csumFull(p: usize, len: u32, initial: u32): u16 {
  return csumFinish(csumPartial(p, len, initial));
}

// CRC32c, reflected, byte at a time from a 256-entry table (1 KiB). SCTP packets whose
// ports we rewrite are rare; slicing-by-8 would be faster and is not worth 8 KiB here.
const crcTable = new StaticArray<u32>(256);
for (let i: u32 = 0; i < 256; i++) {
  let c = i;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  unchecked((crcTable[i] = c));
}

/** CRC32c of [p, p+len) (init and final xor 0xFFFFFFFF). SCTP stores it little-endian. */
export function crc32c(p: usize, len: u32): u32 {
  let c: u32 = 0xffffffff;
  for (let i: u32 = 0; i < len; i++) {
    c = unchecked(crcTable[(c ^ load<u8>(p + i)) & 0xff]) ^ (c >>> 8);
  }
  return ~c;
}
