// Parser exports beyond dpParse (datapath/exports.ts), for tests and `wasmvs trace`.
//
// parseAt takes raw addresses in this instance's memory and owns nothing: the caller keeps
// [pkt, pkt+len) and the 112 bytes at key. It returns parseFrame's l3 | (l4 << 16).

import { parseFrame } from "./parser";

export const parseAbiVersion: i32 = 1;

/** Parses [pkt, pkt+len) as received on inPort into the key at `key`. */
export function parseAt(pkt: usize, len: u32, inPort: u32, key: usize): u32 {
  return parseFrame(pkt, len, inPort, key);
}

/** Parses the same frame n times and returns the last result: measures parse cost without the
 *  JS↔WASM call in between (bench and perf checks; counts n packets). */
export function parseRepeat(pkt: usize, len: u32, inPort: u32, key: usize, n: u32): u32 {
  let r: u32 = 0;
  for (let i: u32 = 0; i < n; i++) r = parseFrame(pkt, len, inPort + (i & 1), key);
  return r;
}
