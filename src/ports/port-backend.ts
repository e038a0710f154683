// The port-backend contract: how the datapath worker moves frames between a port and WASM.
//
// What: `PortBackend`, the interface every port type (tap, system, internal; later
//   representor, vhost-user) implements, and `PortStats`, its counters.
// Design: a backend is opened with a fast-path instance (FastPath) and moves frames straight
//   between the kernel and that instance's pool buffers — iovecs, reads and rings address WASM
//   memory directly; JS never copies packet bytes.
//
//     worker loop:  poll(fds) ─► n = port.receive(BATCH) ─► fp.dpProcessBatch(inPort, n, now)
//                   for each p with fp.txCount(p) > 0:
//                     ports[p].transmit(view of fp.txBatchIds(p), fp.txCount(p)); fp.txDrain(p)
//
//   receive(maxN): fills fp.dpRxIds()[0..n) with up to maxN (clamped to fp.dpBatchSize())
//     APP buffer ids holding received frames and returns n. Returns 0 when nothing is ready;
//     never blocks. The buffers belong to the caller afterwards (pool ownership rules,
//     assembly/buffers/pool.ts). Frames the kernel delivered without their 802.1Q tag have it
//     restored. A frame that cannot be delivered (pool empty, too large) is dropped and counted.
//   transmit(ids, n): sends the frames of buffers ids[0..n) in order and returns how many the
//     kernel took. It never takes ownership: the caller then calls fp.txDrain(port) and the
//     buffers go back to the pool either way. Frames not sent are counted (txDrops when the
//     kernel had no room, txErrors when it refused one). Never blocks.
//   fd: the descriptor to poll for POLLIN before calling receive.
//   stats: a snapshot of the counters (kernel-side drops included where the kernel reports
//     them).
//   close(): releases the fd, unmaps any ring from WASM memory, removes devices the backend
//     created. Idempotent. No call but close/stats is allowed afterwards.
// Invariants: exceptions only from open (bad name, missing device, permissions: a SysError
//   whose message names the call and the device) and close; receive/transmit count failures.
// Threading: a backend belongs to the thread that owns its FastPath (the datapath worker).

export type PortType = "tap" | "system" | "internal";

export interface PortStats {
  rxPackets: number;
  rxBytes: number;
  /** Frames lost on receive: ring/socket overruns reported by the kernel, pool exhaustion. */
  rxDrops: number;
  rxErrors: number;
  txPackets: number;
  txBytes: number;
  /** Frames not sent because the kernel had no room (EAGAIN/ENOBUFS) or the device was down. */
  txDrops: number;
  txErrors: number;
}

export interface PortBackend {
  readonly type: PortType;
  /** The kernel netdev name. */
  readonly name: string;
  readonly fd: number;
  receive(maxN: number): number;
  transmit(ids: Uint32Array, n: number): number;
  readonly stats: PortStats;
  close(): void;
}

export function emptyStats(): PortStats {
  return { rxPackets: 0, rxBytes: 0, rxDrops: 0, rxErrors: 0, txPackets: 0, txBytes: 0, txDrops: 0, txErrors: 0 };
}
