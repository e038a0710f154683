// STUB (to be written): exact-match cache. Contract fixed; see assembly/README.md.
export function emcInit(entries: u32): void {}
/** Megaflow id cached for this full key, or -1. */
export function emcLookup(key: usize, hash: u32): i32 {
  return -1;
}
export function emcInsert(key: usize, hash: u32, flow: u32): void {}
export function emcFlush(): void {}
