// STUB (to be written): megaflow classifier. Contract fixed; see assembly/README.md.
export function megaflowInit(maxFlows: u32): void {}
export function megaflowLookup(key: usize): i32 {
  return -1;
}
export function megaflowActions(id: u32): usize {
  return 0;
}
export function megaflowActionsLen(id: u32): u32 {
  return 0;
}
export function megaflowCredit(id: u32, packets: u32, bytes: u32, tcpFlags: u16, now: u32): void {}
