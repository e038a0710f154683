// OpenFlow port numbers and plain numbers as ovs-ofctl writes them in flow text.
//
// What: formatPort / parsePort (reserved ports by name: IN_PORT, TABLE, NORMAL, FLOOD, ALL,
//   CONTROLLER, LOCAL, ANY), parseUint (decimal or 0x hex, range-checked), parseU64 (also "-1"
//   for all-ones, as ovs-ofctl's strtoull accepts for cookie masks), hexText (0x%x, "0" for 0).
// Invariants: parsePort(formatPort(p)) = p for every u32 p; parse errors are Errors whose
//   message quotes the offending text.

import { OFPP } from "./constants.ts";

const NAMES = new Map<number, string>(
  (["IN_PORT", "TABLE", "NORMAL", "FLOOD", "ALL", "CONTROLLER", "LOCAL", "ANY"] as const).map((n) => [OFPP[n], n]),
);
const BY_NAME = new Map([...NAMES].map(([v, n]) => [n, v]));

export function formatPort(port: number): string {
  return NAMES.get(port >>> 0) ?? String(port >>> 0);
}

export function parsePort(text: string): number {
  const named = BY_NAME.get(text.trim().toUpperCase());
  if (named !== undefined) return named;
  return parseUint(text, 32, "a port number or name (IN_PORT, TABLE, NORMAL, FLOOD, ALL, CONTROLLER, LOCAL)");
}

/** A decimal or 0x-hex unsigned integer of at most `bits` bits (<= 32). */
export function parseUint(text: string, bits: number, what = "a number"): number {
  const s = text.trim();
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(s)) throw new Error(`"${text}" is not ${what}`);
  const n = Number(s);
  if (!Number.isSafeInteger(n) || n >= 2 ** bits) throw new Error(`"${text}" does not fit in ${bits} bits`);
  return n;
}

/** A decimal or 0x-hex unsigned 64-bit integer; "-1" means all ones. */
export function parseU64(text: string, what = "a 64-bit number"): bigint {
  const s = text.trim();
  if (s === "-1") return (1n << 64n) - 1n;
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(s)) throw new Error(`"${text}" is not ${what}`);
  const n = BigInt(s);
  if (n >= 1n << 64n) throw new Error(`"${text}" does not fit in 64 bits`);
  return n;
}

/** 0x-prefixed lower-case hex, or "0" for zero (C's %#x). */
export function hexText(n: number | bigint): string {
  return n === 0 || n === 0n ? "0" : `0x${n.toString(16)}`;
}
