// STUB (to be written): action execution. Contract fixed; see assembly/README.md.
import { poolFree } from "../buffers/pool";
/** Runs the action list [list, list+len) over packet `id`, which the caller hands over: when
 *  this returns the packet (and any clones) are in tx batches, the upcall queue, or free.
 *  `key` is the packet's ingress flow key (read-only). */
export function actionsExecute(id: u32, key: usize, list: usize, len: u32): void {
  poolFree(id);
}
