// STUB (to be written): parser. Contract below is fixed; see assembly/README.md.
import { keyClear, K_IN_PORT } from "../key/flow-key";
import { bufData, bufLen, bufInPort, bufSetLayers } from "../buffers/pool";

/** Parses the frame at [pkt, pkt+len) that arrived on inPort into the 112-byte key at `key`
 *  (every byte written). Returns l3 | (l4 << 16): offsets of the L3 and L4 headers from pkt,
 *  0 where absent. Never traps, never reads outside [pkt, pkt+len). */
export function parseFrame(pkt: usize, len: u32, inPort: u32, key: usize): u32 {
  keyClear(key);
  store<u32>(key + K_IN_PORT, inPort);
  return 0;
}

/** parseFrame over pool buffer id; stores the layer offsets in the buffer's metadata. */
@inline export function parsePacket(id: u32, key: usize): void {
  const r = parseFrame(bufData(id), bufLen(id), bufInPort(id), key);
  bufSetLayers(id, r & 0xffff, r >>> 16);
}
