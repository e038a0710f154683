// `tap` ports: a TAP device (VM or container side) read and written through /dev/net/tun.
//
// What: `TapBackend` creates TAP `name` (or attaches to an existing persistent one) and moves
//   whole Ethernet frames between it and pool buffers.
// Design: a TAP fd delivers exactly one frame per read() and takes one per write(), so a
//   receive batch is one WASM call that allocates buffers and aims an iovec at each
//   (portsMmsgRxPrepare), one read() per frame straight into the buffer until EAGAIN, and one
//   WASM call that sets lengths and frees what was not used (portsMmsgRxFinish). Transmit is
//   one write() per frame from the buffer. No frame bytes pass through JS.
//   With IFF_NO_PI and no IFF_VNET_HDR the kernel hands us complete frames with finished
//   checksums, and VLAN tags stay in the frame.
// Invariants: see port-backend.ts. A TAP this backend created disappears on close(); an
//   existing persistent one is left in place. write() failing with EIO (device down) counts
//   txDrops for the rest of the batch.
// Threading: on the thread that owns the fast path.

import type { FastPath } from "../datapath/fastpath-module.ts";
import { lastErrno, libc } from "../sys/libc.ts";
import { netdevSetUp } from "../sys/netdev-ioctl.ts";
import { EAGAIN } from "../sys/sys-error.ts";
import { tapOpen, tapSetPersist } from "../sys/tun.ts";
import { emptyStats, type PortBackend, type PortStats, type PortType } from "./port-backend.ts";
import { WasmIo } from "./wasm-io.ts";

const RX_MAX = 256;
const MMSGHDR_SIZE = 64;
const IOVEC_SIZE = 16;
const MSG_LEN = 56;
const EIO = 5;

export interface TapOptions {
  /** Set the device administratively up after opening (default false: leave as found). */
  up?: boolean;
}

export class TapBackend implements PortBackend {
  readonly type: PortType = "tap";
  readonly name: string;
  readonly fd: number;
  /** True when this backend created the device (it is removed on close). */
  readonly created: boolean;
  private readonly io: WasmIo;
  private rxMm = 0;
  private closed = false;
  private readonly counts: PortStats = emptyStats();

  constructor(fp: FastPath, name: string, opts: TapOptions = {}) {
    this.io = new WasmIo(fp);
    const h = tapOpen(name);
    this.fd = h.fd;
    this.name = h.name;
    this.created = h.created;
    try {
      this.rxMm = fp.portsMmsgCreate(RX_MAX, false, BigInt(this.io.base));
      if (opts.up) netdevSetUp(this.name, true);
    } catch (e) {
      this.close();
      throw e;
    }
  }

  receive(maxN: number): number {
    const fp = this.io.fp;
    const n = Math.min(maxN, fp.dpBatchSize());
    if (n <= 0) return 0;
    const k = fp.portsMmsgRxPrepare(this.rxMm, n);
    const hdrs = fp.portsMmsgHeaders(this.rxMm);
    const iovs = fp.portsMmsgIovecs(this.rxMm);
    let got = 0;
    for (; got < k; got++) {
      const iov = iovs + got * IOVEC_SIZE;
      const r = libc.read(this.fd, this.io.u64(iov), this.io.u64(iov + 8));
      if (r < 0) {
        if (lastErrno() !== EAGAIN) this.counts.rxErrors++;
        break;
      }
      this.io.view().setUint32(hdrs + got * MMSGHDR_SIZE + MSG_LEN, r, true);
    }
    const delivered = fp.portsMmsgRxFinish(this.rxMm, got, fp.dpRxIds());
    this.counts.rxDrops += got - delivered;
    return delivered;
  }

  transmit(ids: Uint32Array, n: number): number {
    const fp = this.io.fp;
    let sent = 0;
    for (let i = 0; i < n; i++) {
      const id = ids[i];
      const len = fp.bufferLength(id);
      const r = libc.write(this.fd, this.io.base + fp.bufferData(id), len);
      if (r >= 0) {
        sent++;
        this.counts.txBytes += r;
        continue;
      }
      const e = lastErrno();
      if (e === EAGAIN || e === EIO) {
        this.counts.txDrops += n - i;
        break;
      }
      this.counts.txErrors++;
    }
    this.counts.txPackets += sent;
    return sent;
  }

  get stats(): PortStats {
    const s = { ...this.counts };
    if (this.rxMm) {
      s.rxPackets = this.counts.rxPackets + Number(this.io.fp.portsMmsgStat(this.rxMm, 0));
      s.rxBytes = this.counts.rxBytes + Number(this.io.fp.portsMmsgStat(this.rxMm, 1));
    }
    return s;
  }

  close(): void {
    if (this.closed) return;
    Object.assign(this.counts, this.stats);
    this.closed = true;
    if (this.rxMm) this.io.fp.portsMmsgDestroy(this.rxMm);
    this.rxMm = 0;
    if (this.created) {
      try {
        tapSetPersist(this.fd, false);
      } catch {
        // Not persistent, or already gone: closing the fd removes it.
      }
    }
    libc.close(this.fd);
  }
}
