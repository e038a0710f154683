// fast-check arbitraries for wire scalars shared by the session-protocol families' arbitraries:
// unsigned integers of each width, byte strings, NUL-free Latin-1 fixed-field strings, xids.

import fc from "fast-check";

export const u8 = fc.integer({ min: 0, max: 0xff });
export const u16 = fc.integer({ min: 0, max: 0xffff });
export const u32 = fc.tuple(u16, u16).map(([hi, lo]) => hi * 0x10000 + lo);
export const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
export const xid = u32;

export function bytes(maxLength = 32): fc.Arbitrary<Uint8Array> {
  return fc.uint8Array({ maxLength });
}

/** Bytes whose length is a multiple of `unit` (for fields the spec aligns). */
export function alignedBytes(unit: number, maxUnits = 4): fc.Arbitrary<Uint8Array> {
  return fc
    .integer({ min: 0, max: maxUnits })
    .chain((n) => fc.uint8Array({ minLength: n * unit, maxLength: n * unit }));
}

/** A string that fits a NUL-padded field of `n` bytes (Latin-1, no NUL; may fill the field). */
export function fixedString(n: number): fc.Arbitrary<string> {
  return fc.string({ unit: fc.integer({ min: 1, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: n });
}

export const macAddr = fc.uint8Array({ minLength: 6, maxLength: 6 });
