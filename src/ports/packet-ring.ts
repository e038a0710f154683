// A TPACKET_V3 receive ring of an AF_PACKET socket, mapped inside a fast path's WASM memory.
//
// What: `PacketRing.open(io, fd, opts)` switches the socket to TPACKET_V3, asks the kernel
//   for a ring (PACKET_RX_RING with a tpacket_req3), reserves a page-aligned range of WASM
//   memory for it (portsRingCreate) and mmaps the ring there with MAP_FIXED | MAP_SHARED.
//   The fast path's walker (assembly/ports/tpacket-ring.ts) then reads frames with plain
//   loads: no receive syscall at all, only poll() when idle.
// Design: sizes default to 16 blocks of 256 KiB (4 MiB, about 32k minimum-size frames); a
//   block is retired to us when full or after retireMs (1 ms keeps ping latency low; at load
//   blocks fill long before). A benchmark that queues a large backlog asks for more blocks.
//
//   struct tpacket_req3 (28 bytes): block_size, block_nr, frame_size, frame_nr,
//     retire_blk_tov (ms), sizeof_priv, feature_req_word — all u32
// Invariants: close() maps anonymous memory back over the range before the WASM side frees
//   it, so no stale kernel pages stay in the heap and nothing is left unmapped.
// Threading: on the thread that owns the fast path.

import {
  getOptBytes,
  PACKET_RX_RING,
  PACKET_VERSION,
  SOL_PACKET,
  setIntOpt,
  setOptBytes,
  TPACKET_V3,
} from "../sys/socket.ts";
import { mapIntoWasm, PAGE_SIZE, unmapFromWasm } from "../sys/wasm-memory.ts";
import type { WasmIo } from "./wasm-io.ts";

export interface PacketRingOptions {
  /** Bytes per block, a multiple of 4096 and at least one frame (default 256 KiB). */
  blockSize?: number;
  /** Number of blocks (default 16). */
  blockCount?: number;
  /** Retire a partly filled block after this many ms (default 1). */
  retireMs?: number;
  /** Largest frame expected, to size tp_frame_size (default 2048). */
  frameSize?: number;
}

export const RING_STAT_PACKETS = 0;
export const RING_STAT_BYTES = 1;
export const RING_STAT_DROPS = 2;
export const RING_STAT_VLAN = 3;

export class PacketRing {
  readonly id: number;
  readonly offset: number;
  readonly size: number;
  private readonly io: WasmIo;
  private mapped = false;

  private constructor(io: WasmIo, id: number, offset: number, size: number) {
    this.io = io;
    this.id = id;
    this.offset = offset;
    this.size = size;
  }

  static open(io: WasmIo, fd: number, what: string, opts: PacketRingOptions = {}): PacketRing {
    const blockSize = opts.blockSize ?? 256 * 1024;
    const blockCount = opts.blockCount ?? 16;
    const frameSize = Math.max(2048, (opts.frameSize ?? 2048) + 127) & ~127;
    if (blockSize % PAGE_SIZE !== 0 || blockSize < frameSize) {
      throw new Error(
        `ring block size ${blockSize} must be a multiple of ${PAGE_SIZE} and hold a ${frameSize}-byte frame`,
      );
    }
    setIntOpt(fd, SOL_PACKET, PACKET_VERSION, TPACKET_V3, "PACKET_VERSION=TPACKET_V3");
    const req = new Uint32Array([
      blockSize,
      blockCount,
      frameSize,
      (blockSize / frameSize) * blockCount,
      opts.retireMs ?? 1,
      0,
      0,
    ]);
    setOptBytes(fd, SOL_PACKET, PACKET_RX_RING, new Uint8Array(req.buffer), `PACKET_RX_RING on ${what}`);
    const fp = io.fp;
    const id = fp.portsRingCreate(blockSize, blockCount);
    if (id < 0) throw new Error(`no room for a ${blockCount} x ${blockSize} ring for ${what} in WASM memory`);
    const ring = new PacketRing(io, id, fp.portsRingBase(id), fp.portsRingSize(id));
    try {
      mapIntoWasm(fp.memory, ring.offset, ring.size, fd, `of the packet ring of ${what}`);
      ring.mapped = true;
    } catch (e) {
      fp.portsRingDestroy(id);
      throw e;
    }
    return ring;
  }

  /** Receives up to maxN frames into new APP buffers, ids at ids (an offset). */
  receive(ids: number, maxN: number): number {
    return this.io.fp.portsRingReceive(this.id, ids, maxN);
  }

  stat(which: number): number {
    return Number(this.io.fp.portsRingStat(this.id, which));
  }

  close(): void {
    if (!this.mapped) return;
    unmapFromWasm(this.io.fp.memory, this.offset, this.size);
    this.mapped = false;
    this.io.fp.portsRingDestroy(this.id);
  }
}

/** Reads and resets the kernel's PACKET_STATISTICS: [packets, drops]. */
export function packetStatistics(fd: number, what: string): [number, number] {
  const b = getOptBytes(fd, SOL_PACKET, 6, 12, `PACKET_STATISTICS on ${what}`);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return [v.getUint32(0, true), v.getUint32(4, true)];
}
