// `system` ports: any existing netdev (veth, NIC) through an AF_PACKET socket bound to it.
//
// What: `SystemBackend` receives from a TPACKET_V3 ring mapped inside the WASM memory (or, as
//   a fallback, with recvmmsg into pool buffers) and transmits with sendmmsg whose iovecs
//   point at the frames in the pool.
// Design: the socket is SOCK_RAW, non-blocking, bound with ETH_P_ALL to the ifindex after the
//   ring and options are set (so it hears no other interface). Three options make it a switch
//   port rather than a sniffer:
//   - VLAN tags the kernel stripped come back: from tp_vlan_tci/tp_vlan_tpid in the ring, or
//     from PACKET_AUXDATA with recvmmsg — without it trunks silently break;
//   - PACKET_IGNORE_OUTGOING: frames we transmit are not read back as received;
//   - PACKET_ADD_MEMBERSHIP(PACKET_MR_PROMISC): a NIC passes frames for every MAC (a refcount
//     the kernel drops when the socket closes, so we never leave a device promiscuous).
//   Measured on this machine by a colleague: recvmmsg/sendmmsg at batch ≥ 32 reach ~0.5 Mpps
//   per veth; the ring ~0.72–0.75 Mpps with no receive syscalls. Hence ring by default.
// Invariants: see port-backend.ts. A sendmmsg that fails on one message skips it (txErrors)
//   and goes on; EAGAIN/ENOBUFS drop the rest of the batch (txDrops) — the caller drains the
//   batch either way.
// Threading: on the thread that owns the fast path.

import type { FastPath } from "../datapath/fastpath-module.ts";
import { lastErrno, libc } from "../sys/libc.ts";
import { netdevIndex } from "../sys/netdev-ioctl.ts";
import {
  MSG_DONTWAIT,
  PACKET_AUXDATA,
  PACKET_IGNORE_OUTGOING,
  PACKET_QDISC_BYPASS,
  packetBind,
  packetSocket,
  SO_RCVBUFFORCE,
  SO_SNDBUF,
  SO_SNDBUFFORCE,
  SOL_PACKET,
  SOL_SOCKET,
  setIntOpt,
  setOptBytes,
} from "../sys/socket.ts";
import { EAGAIN, ENOBUFS } from "../sys/sys-error.ts";
import {
  PacketRing,
  type PacketRingOptions,
  packetStatistics,
  RING_STAT_BYTES,
  RING_STAT_DROPS,
  RING_STAT_PACKETS,
} from "./packet-ring.ts";
import { emptyStats, type PortBackend, type PortStats } from "./port-backend.ts";
import { WasmIo } from "./wasm-io.ts";

const PACKET_ADD_MEMBERSHIP = 1;
const PACKET_MR_PROMISC = 1;
const MMSGHDR_SIZE = 64;
const TX_MAX = 256; // = TX_BATCH_MAX of the fast path's tx batches
const RX_MAX = 256;
const MMSG_STAT_PACKETS = 0;
const MMSG_STAT_BYTES = 1;
const MMSG_STAT_DROPS = 2;

export interface SystemOptions {
  /** Receive through a TPACKET_V3 ring (default true) or recvmmsg. */
  ring?: boolean;
  ringOptions?: PacketRingOptions;
  /** PACKET_QDISC_BYPASS: faster transmit, but tcpdump on the device no longer sees it. */
  qdiscBypass?: boolean;
  /** Socket send buffer in bytes (default 4 MiB). */
  sndbuf?: number;
  /** Socket receive buffer in bytes for the recvmmsg path (default: the kernel's). A backlog
   *  benchmark sets it large; the ring path ignores it (the ring is the buffer). */
  rcvbuf?: number;
}

export class SystemBackend implements PortBackend {
  readonly type = "system" as const;
  readonly name: string;
  readonly fd: number;
  readonly ifindex: number;
  private readonly io: WasmIo;
  private ring: PacketRing | null = null;
  private rxMm = 0;
  private txMm = 0;
  private closed = false;
  private readonly counts: PortStats = emptyStats();

  constructor(fp: FastPath, name: string, opts: SystemOptions = {}) {
    this.name = name;
    this.io = new WasmIo(fp);
    this.ifindex = netdevIndex(name);
    this.fd = packetSocket();
    try {
      const what = `system port ${name}`;
      setIntOpt(this.fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1, "PACKET_IGNORE_OUTGOING");
      if (opts.qdiscBypass) setIntOpt(this.fd, SOL_PACKET, PACKET_QDISC_BYPASS, 1, "PACKET_QDISC_BYPASS");
      const sndbuf = opts.sndbuf ?? 4 << 20;
      try {
        setIntOpt(this.fd, SOL_SOCKET, SO_SNDBUFFORCE, sndbuf, "SO_SNDBUFFORCE");
      } catch {
        setIntOpt(this.fd, SOL_SOCKET, SO_SNDBUF, sndbuf, "SO_SNDBUF");
      }
      if (opts.ring ?? true) {
        this.ring = PacketRing.open(this.io, this.fd, what, opts.ringOptions);
      } else {
        setIntOpt(this.fd, SOL_PACKET, PACKET_AUXDATA, 1, "PACKET_AUXDATA");
        if (opts.rcvbuf) setIntOpt(this.fd, SOL_SOCKET, SO_RCVBUFFORCE, opts.rcvbuf, "SO_RCVBUFFORCE");
        this.rxMm = fp.portsMmsgCreate(RX_MAX, true, BigInt(this.io.base));
      }
      this.txMm = fp.portsMmsgCreate(TX_MAX, false, BigInt(this.io.base));
      const mreq = new Uint8Array(16);
      const v = new DataView(mreq.buffer);
      v.setInt32(0, this.ifindex, true);
      v.setUint16(4, PACKET_MR_PROMISC, true);
      setOptBytes(this.fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, mreq, "PACKET_ADD_MEMBERSHIP(PROMISC)");
      packetBind(this.fd, this.ifindex, name);
    } catch (e) {
      this.close();
      throw e;
    }
  }

  receive(maxN: number): number {
    const fp = this.io.fp;
    const n = Math.min(maxN, fp.dpBatchSize());
    if (n <= 0) return 0;
    if (this.ring) return this.ring.receive(fp.dpRxIds(), n);
    const k = fp.portsMmsgRxPrepare(this.rxMm, n);
    if (k === 0) return 0;
    let got = libc.recvmmsg(this.fd, this.io.base + fp.portsMmsgHeaders(this.rxMm), k, MSG_DONTWAIT, 0);
    if (got < 0) {
      if (lastErrno() !== EAGAIN) this.counts.rxErrors++;
      got = 0;
    }
    return fp.portsMmsgRxFinish(this.rxMm, got, fp.dpRxIds());
  }

  transmit(ids: Uint32Array, n: number): number {
    const fp = this.io.fp;
    const hdrs = this.io.base + fp.portsMmsgHeaders(this.txMm);
    let sent = 0;
    for (let done = 0; done < n; ) {
      const chunk = Math.min(n - done, TX_MAX);
      const at = this.io.idsOffset(ids.subarray(done, done + chunk), chunk, fp.portsMmsgIds(this.txMm));
      const k = fp.portsMmsgTxPrepare(this.txMm, at, chunk);
      let i = 0;
      while (i < k) {
        const r = libc.sendmmsg(this.fd, hdrs + i * MMSGHDR_SIZE, k - i, MSG_DONTWAIT);
        if (r > 0) {
          this.counts.txBytes += Number(fp.portsMmsgSentBytes(this.txMm, i, i + r));
          sent += r;
          i += r;
          continue;
        }
        const e = lastErrno();
        if (e === EAGAIN || e === ENOBUFS) {
          this.counts.txDrops += n - done - i;
          this.counts.txPackets += sent;
          return sent;
        }
        this.counts.txErrors++;
        i++;
      }
      done += k;
    }
    this.counts.txPackets += sent;
    return sent;
  }

  get stats(): PortStats {
    const s = { ...this.counts };
    if (!this.closed) {
      const [, kdrops] = packetStatistics(this.fd, this.name);
      this.counts.rxDrops += kdrops;
    }
    s.rxDrops = this.counts.rxDrops;
    const fp = this.io.fp;
    if (this.ring) {
      s.rxPackets = this.ring.stat(RING_STAT_PACKETS);
      s.rxBytes = this.ring.stat(RING_STAT_BYTES);
      s.rxDrops += this.ring.stat(RING_STAT_DROPS);
    } else if (this.rxMm) {
      s.rxPackets = Number(fp.portsMmsgStat(this.rxMm, MMSG_STAT_PACKETS));
      s.rxBytes = Number(fp.portsMmsgStat(this.rxMm, MMSG_STAT_BYTES));
      s.rxDrops += Number(fp.portsMmsgStat(this.rxMm, MMSG_STAT_DROPS));
    }
    return s;
  }

  close(): void {
    if (this.closed) return;
    const fp = this.io.fp;
    // Ring and batch stats live in WASM; keep the totals before they go away.
    Object.assign(this.counts, this.stats);
    this.closed = true;
    this.ring?.close();
    this.ring = null;
    if (this.rxMm) fp.portsMmsgDestroy(this.rxMm);
    if (this.txMm) fp.portsMmsgDestroy(this.txMm);
    this.rxMm = 0;
    this.txMm = 0;
    libc.close(this.fd);
  }
}
