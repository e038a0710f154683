// Builds TPACKET_V3 blocks by hand inside a fast-path instance's memory, laid out as the
// kernel lays them out (include/uapi/linux/if_packet.h), so the WASM walker can be tested
// without a socket.

import type { FastPath } from "../../../src/datapath/fastpath-module.ts";

export const TP_STATUS_KERNEL = 0;
export const TP_STATUS_USER = 1;
export const TP_STATUS_VLAN_VALID = 0x10;
export const TP_STATUS_VLAN_TPID_VALID = 0x40;

export interface RingFrame {
  bytes: Uint8Array;
  status?: number;
  tci?: number;
  tpid?: number;
  /** Original length when larger than bytes (the ring truncated the frame). */
  wireLen?: number;
  /** Override tp_mac (to build a malformed header). */
  mac?: number;
}

const FIRST_PKT = 48;
const MAC_OFFSET = 66; // tpacket3_hdr (48) + sockaddr_ll room, as the kernel leaves it

/** Writes a block with these frames at ring block b and marks it retired (or `status`). */
export function writeBlock(
  fp: FastPath,
  ring: number,
  blockSize: number,
  b: number,
  frames: RingFrame[],
  status = TP_STATUS_USER | 0x20,
): void {
  const blk = fp.portsRingBase(ring) + b * blockSize;
  const dv = new DataView(fp.memory.buffer);
  const u8 = new Uint8Array(fp.memory.buffer);
  u8.fill(0, blk, blk + blockSize);
  dv.setUint32(blk, 3, true);
  dv.setUint32(blk + 12, frames.length, true);
  dv.setUint32(blk + 16, FIRST_PKT, true);
  let off = FIRST_PKT;
  frames.forEach((f, i) => {
    const h = blk + off;
    const mac = f.mac ?? MAC_OFFSET;
    const next = (mac + f.bytes.length + 15) & ~15;
    dv.setUint32(h, i === frames.length - 1 ? 0 : next, true);
    dv.setUint32(h + 12, f.bytes.length, true);
    dv.setUint32(h + 16, f.wireLen ?? f.bytes.length, true);
    dv.setUint32(h + 20, (f.status ?? 0) | TP_STATUS_USER, true);
    dv.setUint16(h + 24, mac, true);
    dv.setUint32(h + 32, f.tci ?? 0, true);
    dv.setUint16(h + 36, f.tpid ?? 0, true);
    if (mac + f.bytes.length <= blockSize - off) u8.set(f.bytes, h + mac);
    off += next;
  });
  dv.setUint32(blk + 20, off, true);
  dv.setUint32(blk + 8, status, true);
}

export function blockStatus(fp: FastPath, ring: number, blockSize: number, b: number): number {
  return new DataView(fp.memory.buffer).getUint32(fp.portsRingBase(ring) + b * blockSize + 8, true);
}

/** The frames of rx ids [0, n) as hex strings; frees the buffers. */
export function takeRx(fp: FastPath, n: number): string[] {
  const ids = new Uint32Array(fp.memory.buffer, fp.dpRxIds(), n).slice();
  return Array.from(ids, (id) => {
    const hex = Buffer.from(new Uint8Array(fp.memory.buffer, fp.bufferData(id), fp.bufferLength(id))).toString("hex");
    fp.bufferFree(id);
    return hex;
  });
}

/** A frame of len bytes: dst, src, then type and a counting payload. */
export function rawFrame(len: number, seed: number, type = 0x0800): Uint8Array {
  const f = new Uint8Array(len);
  for (let i = 0; i < len; i++) f[i] = (i * 5 + seed) & 0xff;
  f[12] = type >> 8;
  f[13] = type & 0xff;
  return f;
}

/** The frame with a tag (tpid, tci) inserted after the MAC addresses. */
export function tagged(f: Uint8Array, tpid: number, tci: number): Uint8Array {
  const t = new Uint8Array(f.length + 4);
  t.set(f.subarray(0, 12), 0);
  t[12] = tpid >> 8;
  t[13] = tpid & 0xff;
  t[14] = tci >> 8;
  t[15] = tci & 0xff;
  t.set(f.subarray(12), 16);
  return t;
}

export const hexOf = (b: Uint8Array) => Buffer.from(b).toString("hex");
