// The datapath worker: one thread that owns a fast-path instance and its ports' I/O.
//
// What: a loop that waits in poll() on every port's fd and an eventfd the control plane
//   signals, then, for each ready port: receive a batch into WASM buffers → dpProcessBatch →
//   transmit every tx batch → send misses and action upcalls up the ring. It applies what
//   comes down the other ring (megaflow installs with the packet that missed, packet-outs,
//   deletes, flushes, fences) and answers port management requests on a MessagePort, read
//   synchronously (receiveMessageOnPort) so the loop never has to return to the event loop.
// Design: the worker knows nothing of OpenFlow or NORMAL: the control plane translates and
//   names each megaflow by a handle it chose; the worker maps handles to fast-path ids, feeds
//   flow stats back every STATS_INTERVAL_MS and expires idle megaflows itself. A DOWN_FENCE is
//   echoed up (UP_FENCE) after every record before it has been applied and its packets sent;
//   an echo that does not fit in a full up ring is retried on every loop, never lost. A
//   DOWN_DELETE is answered with UP_FLOW_GONE(GONE_DELETED) and the flow's final counts.
//   Meters: DOWN_METER_SET / DOWN_METER_DEL configure fast-path meter slots in place; the
//   meters' clock (µs, performance.now()) is set before every batch and every down-ring pass.
//   Meter counters are read with a "meter-stats" request on the MessagePort, which first
//   applies the down ring, so a stats request sees every meter change written before it.
//   Up-ring backpressure (as Open vSwitch, whose handlers read upcalls only as fast as they
//   handle them): before each receive from a port the worker asks for no more frames than the
//   up ring can take in the worst case, so a miss or a packet-in is never lost to a full ring;
//   frames it does not take wait in the kernel (TPACKET ring / socket / TAP queue), which
//   counts its own drops if they overflow. The bound per frame: a frame either misses (one
//   UP_MISS, 4+KEY_SIZE+4+len) or runs actions; FRAME_UPCALLS action upcalls per frame are
//   reserved (UP_ACTION, 8+KEY_SIZE+4+len, e.g. a CONTROLLER output and a sample), each with
//   len at most the pool's buffer stride (the data room plus the headroom a VLAN push may use).
//   With a captured port, also a received and a transmitted copy per frame (16+len each) plus
//   what the capture area holds already. Once per run of writes one record may be padded to the
//   ring's end, so the largest record is reserved once more. UP_HEADROOM_DIV (1/8) of the ring
//   is kept free for what is not held back: fence echoes, flow stats, gone reports, packet-outs'
//   upcalls. Frames are taken a full batch at a time: when a batch's worst case does not fit
//   (and the ring is not empty: an empty ring always takes what fits and at least one frame,
//   so a ring smaller than the reserve still makes progress) the port is held back for this
//   turn (counter up.backpressure) and the loop sleeps in poll() on the eventfd alone for
//   BACKPRESSURE_WAIT_MS instead of on the ports, so it neither spins nor stops applying the
//   down ring, control requests and fences. Waiting for room for a whole batch rather than a
//   frame keeps the worker from waking for a few frames at a time while the main thread drains
//   (measured on the packet-in bench: taking whatever fit cost ~14 µs of CPU per packet-in,
//   whole batches ~9 µs, as before backpressure). Whatever is still refused (a frame with more
//   action upcalls than reserved, a capture of a flood) is counted: up.ring_full,
//   capture.ring_full.
// Threading: everything here runs on the worker thread; the rings are SPSC (we produce `up`,
//   consume `down`); the eventfd is written by the main thread.

import { writeFileSync } from "node:fs";
import { type MessagePort, receiveMessageOnPort, workerData } from "node:worker_threads";
import { openPortBackend, type PortBackendSpec } from "../../ports/backends.ts";
import type { PortBackend } from "../../ports/port-backend.ts";
import { eventfdDrain, PollSet } from "../../sys/poll.ts";
import { createFastPath, type FastPath, readCounters, readDropReasons } from "../fastpath-module.ts";
import { KEY_SIZE } from "../flow-key.ts";
import { dumpMegaflows } from "./megaflow-dump.ts";
import {
  DOWN_DELETE,
  DOWN_EXECUTE,
  DOWN_FENCE,
  DOWN_FLUSH,
  DOWN_INSTALL,
  DOWN_METER_DEL,
  DOWN_METER_SET,
  FLOW_GONE_RECORD,
  FLOW_STATS_RECORD,
  GONE_DELETED,
  GONE_IDLE,
  GONE_REJECTED,
  METER_BAND_RECORD,
  UP_ACTION,
  UP_CAPTURE,
  UP_FENCE,
  UP_FLOW_GONE,
  UP_FLOW_STATS,
  UP_MISS,
} from "./ring-messages.ts";
import { SpscRing } from "./spsc-ring.ts";
import type { DatapathMeterStats, WorkerReply, WorkerRequest } from "./worker-protocol.ts";

export interface DatapathWorkerData {
  up: SharedArrayBuffer;
  down: SharedArrayBuffer;
  control: MessagePort;
  wakeFd: number;
  buffers: number;
  maxFlows: number;
  idleMs: number;
}

/** Flow stats go up this often: rules' last-used times (OpenFlow idle timeouts, MAC refresh)
 *  lag the fast path by at most this much; 500 ms is Open vSwitch's revalidator period and
 *  keeps a 1 s idle timeout honest (src/ofproto/rule-expiry.ts). */
const STATS_INTERVAL_MS = 500;
const POLL_TIMEOUT_MS = 100;
/** Sleep of a loop turn that held a port back: the main thread frees up-ring space meanwhile. */
const BACKPRESSURE_WAIT_MS = 1;
/** The ring's share kept free for records not held back (fences, flow stats, gone reports). */
const UP_HEADROOM_DIV = 8;
/** Action upcalls reserved per received frame (see the design note). */
const FRAME_UPCALLS = 2;
/** Bytes before a frame in a capture record (assembly/capture/capture.ts RECORD_HEADER). */
const CAPTURE_RECORD_HEADER = 16;

class DatapathWorker {
  private readonly ports = new Map<number, PortBackend>();
  private readonly pollSet = new PollSet();
  /** Just the eventfd: what a held-back turn waits on. */
  private readonly wakeSet = new PollSet();
  private readonly handleToId = new Map<number, number>();
  private idToHandle: Int32Array;
  /** Datapath clock at install, by fast-path id (dump-flows shows the age). */
  private readonly installedAt: Uint32Array;
  /** Ports with a capture flag set: only then is the capture area looked at. */
  private readonly capturing = new Set<number>();
  private readonly scratch: number;
  private lastStats = 0;
  private running = true;
  private readonly start = Date.now();
  /** Capture batches that found the up ring full. */
  private captureLost = 0;
  /** The highest fence id applied but not yet echoed up (0: none). */
  private fenceToEcho = 0;
  /** Up-ring bytes one received frame may need (its miss or action upcalls), and with capture. */
  private readonly frameUpBytes: number;
  private readonly frameCaptureBytes: number;
  /** Up-ring bytes kept free for records that are not held back. */
  private readonly upHeadroom: number;
  /** Loop turns on which a port was not read for want of up-ring space. */
  private backpressureTurns = 0;
  /** Misses and action upcalls lost to a full up ring anyway (see the design note). */
  private upLost = 0;
  /** Set by serviceReceive when a port was held back on this turn. */
  private heldBack = false;

  constructor(
    private readonly fp: FastPath,
    private readonly up: SpscRing,
    private readonly down: SpscRing,
    private readonly data: DatapathWorkerData,
  ) {
    this.idToHandle = new Int32Array(data.maxFlows + 1).fill(-1);
    this.installedAt = new Uint32Array(data.maxFlows + 1);
    this.scratch = fp.classifyScratch();
    this.pollSet.add(data.wakeFd);
    this.wakeSet.add(data.wakeFd);
    // The largest frame a buffer can hold: its stride (headroom + data room) from offset 0.
    const probe = fp.bufferAlloc();
    const frameMax = fp.bufferOffset(probe) + fp.bufferRoom(probe);
    fp.bufferFree(probe);
    this.frameUpBytes = FRAME_UPCALLS * SpscRing.recordBytes(8 + KEY_SIZE + 4 + frameMax);
    this.frameCaptureBytes = 2 * (CAPTURE_RECORD_HEADER + frameMax);
    this.upHeadroom = Math.floor(up.capacity / UP_HEADROOM_DIV);
  }

  /** How many frames to receive now: a full batch when the up ring can take its worst case,
   *  else none (see the design note) — unless the ring is empty, which always takes what fits
   *  and at least one frame. */
  private upBudget(batch: number): number {
    const capturing = this.capturing.size > 0;
    const perFrame = this.frameUpBytes + (capturing ? 2 * this.frameCaptureBytes : 0);
    const fixed = capturing ? 2 * SpscRing.recordBytes(8 + this.fp.captureUsed()) : 0;
    const free = this.up.free;
    const n = Math.floor((free - this.upHeadroom - fixed - this.frameUpBytes) / perFrame);
    if (n >= batch) return batch;
    return free === this.up.capacity ? Math.max(1, n) : 0;
  }

  /** Sets the meters' clock (µs, monotonic) for what runs next. */
  private meterClock(): void {
    this.fp.meterClock(Math.floor(performance.now() * 1000));
  }

  /** The datapath clock: ms since the worker started, wrapping at 2^32. */
  private now(): number {
    return (Date.now() - this.start) >>> 0;
  }

  run(): void {
    while (this.running) {
      // A held-back port stays readable: waiting on it would spin, so wait on the eventfd only.
      if (this.heldBack) this.wakeSet.wait(BACKPRESSURE_WAIT_MS);
      else this.pollSet.wait(POLL_TIMEOUT_MS);
      this.heldBack = false;
      eventfdDrain(this.data.wakeFd);
      this.handleControl();
      this.applyDown();
      this.echoFence();
      for (const [dpPort, port] of this.ports) this.serviceReceive(dpPort, port);
      const t = this.now();
      if ((t - this.lastStats) >>> 0 >= STATS_INTERVAL_MS) {
        this.lastStats = t;
        this.reportFlowStats(t);
      }
    }
  }

  private serviceReceive(dpPort: number, port: PortBackend): void {
    const fp = this.fp;
    const batch = fp.dpBatchSize();
    for (let round = 0; round < 8; round++) {
      const want = this.upBudget(batch);
      if (want <= 0) {
        this.heldBack = true;
        this.backpressureTurns++;
        break;
      }
      const n = port.receive(want);
      if (n === 0) break;
      this.meterClock();
      const misses = fp.dpProcessBatch(dpPort, n, this.now());
      this.transmitAll();
      this.sendMisses(dpPort, misses);
      this.sendActionUpcalls();
      if (n < want) break;
    }
  }

  private transmitAll(): void {
    const fp = this.fp;
    for (let p = fp.txNextPort(0); p >= 0; p = fp.txNextPort(p + 1)) {
      const port = this.ports.get(p);
      if (port) port.transmit(new Uint32Array(fp.memory.buffer, fp.txBatchIds(p), fp.txCount(p)), fp.txCount(p));
      fp.txDrain(p);
    }
    if (this.capturing.size > 0) this.sendCapture();
  }

  /** Moves the capture area's records (frames received and transmitted by captured ports since
   *  the last call) up the ring, stamped with the time; a full ring drops them (counted as
   *  capture.ring_full among the counters). */
  private sendCapture(): void {
    const fp = this.fp;
    const used = fp.captureUsed();
    if (used === 0) return;
    const at = fp.captureArea();
    const mem = new Uint8Array(fp.memory.buffer);
    const time = performance.timeOrigin + performance.now();
    if (
      !this.up.tryWrite(UP_CAPTURE, 8 + used, (v, b, o) => {
        v.setFloat64(o, time, true);
        b.set(mem.subarray(at, at + used), o + 8);
      })
    ) {
      this.captureLost++;
    }
    fp.captureReset();
    this.up.ring();
  }

  private sendMisses(dpPort: number, misses: number): void {
    if (misses === 0) return;
    const fp = this.fp;
    const ids = new Uint32Array(fp.memory.buffer, fp.dpRxIds(), misses);
    const mem = new Uint8Array(fp.memory.buffer);
    for (let i = 0; i < misses; i++) {
      const id = ids[i];
      const len = fp.bufferLength(id);
      const data = fp.bufferData(id);
      const key = fp.dpMissKey(i);
      const sent = this.up.tryWrite(UP_MISS, 4 + KEY_SIZE + 4 + len, (v, b, o) => {
        v.setUint32(o, dpPort, true);
        b.set(mem.subarray(key, key + KEY_SIZE), o + 4);
        v.setUint32(o + 4 + KEY_SIZE, len, true);
        b.set(mem.subarray(data, data + len), o + 8 + KEY_SIZE);
      });
      if (!sent) this.upLost++;
      fp.bufferFree(id);
    }
    this.up.ring();
  }

  private sendActionUpcalls(): void {
    const fp = this.fp;
    const n = fp.upcallCount();
    if (n === 0) return;
    const mem = new Uint8Array(fp.memory.buffer);
    const view = new DataView(fp.memory.buffer);
    for (let i = 0; i < n; i++) {
      const r = fp.upcallRecord(i);
      const id = view.getUint32(r, true);
      const len = fp.bufferLength(id);
      const data = fp.bufferData(id);
      const sent = this.up.tryWrite(UP_ACTION, 8 + KEY_SIZE + 4 + len, (v, b, o) => {
        v.setUint32(o, view.getUint32(r + 4, true), true);
        v.setUint32(o + 4, view.getUint32(r + 8, true), true);
        b.set(mem.subarray(r + 16, r + 16 + KEY_SIZE), o + 8);
        v.setUint32(o + 8 + KEY_SIZE, len, true);
        b.set(mem.subarray(data, data + len), o + 12 + KEY_SIZE);
      });
      if (!sent) this.upLost++;
    }
    fp.upcallClear();
    this.up.ring();
  }

  /** Copies a packet into a fresh buffer; -1 when the pool is empty. */
  private packetIn(bytes: Uint8Array, off: number, len: number): number {
    const id = this.fp.bufferAlloc();
    if (id < 0) return -1;
    new Uint8Array(this.fp.memory.buffer, this.fp.bufferData(id), len).set(bytes.subarray(off, off + len));
    this.fp.bufferSetLength(id, len);
    return id;
  }

  private applyDown(): void {
    const fp = this.fp;
    const s = this.scratch;
    let touched = false;
    const deleted: Array<[number, number, number, number]> = [];
    this.meterClock();
    this.down.read((type, v, b, o) => {
      touched = true;
      const mem = new Uint8Array(fp.memory.buffer);
      if (type === DOWN_INSTALL) {
        const handle = v.getUint32(o, true);
        mem.set(b.subarray(o + 4, o + 4 + 2 * KEY_SIZE), s);
        const alen = v.getUint32(o + 4 + 2 * KEY_SIZE, true);
        const ao = o + 8 + 2 * KEY_SIZE;
        mem.set(b.subarray(ao, ao + alen), s + 2 * KEY_SIZE);
        const id = fp.megaflowInsertAt(s, s + KEY_SIZE, s + 2 * KEY_SIZE, alen, this.now());
        if (id >= 0) {
          this.handleToId.set(handle, id);
          this.idToHandle[id] = handle;
          this.installedAt[id] = this.now();
        } else {
          this.reportGone([[handle, GONE_REJECTED, 0, 0]]);
        }
        const inPort = v.getUint32(ao + alen, true);
        const len = v.getUint32(ao + alen + 4, true);
        if (len > 0) {
          const pkt = this.packetIn(b, ao + alen + 8, len);
          if (pkt >= 0) fp.dpExecute(pkt, inPort, s + 2 * KEY_SIZE, alen);
        }
      } else if (type === DOWN_EXECUTE) {
        const inPort = v.getUint32(o, true);
        const alen = v.getUint32(o + 4, true);
        mem.set(b.subarray(o + 8, o + 8 + alen), s + 2 * KEY_SIZE);
        const len = v.getUint32(o + 8 + alen, true);
        const pkt = this.packetIn(b, o + 12 + alen, len);
        if (pkt >= 0) fp.dpExecute(pkt, inPort, s + 2 * KEY_SIZE, alen);
      } else if (type === DOWN_DELETE) {
        // Reported gone with its final counts (0 if it was not here), so the control plane
        // can credit the last traffic and forget the handle.
        const handle = v.getUint32(o, true);
        const id = this.handleToId.get(handle);
        if (id !== undefined) {
          deleted.push([handle, GONE_DELETED, Number(fp.megaflowPackets(id)), Number(fp.megaflowBytes(id))]);
          fp.megaflowRemove(id);
          this.handleToId.delete(handle);
          this.idToHandle[id] = -1;
        } else {
          deleted.push([handle, GONE_DELETED, 0, 0]);
        }
      } else if (type === DOWN_FLUSH) {
        fp.megaflowFlush();
        this.handleToId.clear();
        this.idToHandle.fill(-1);
      } else if (type === DOWN_METER_SET) {
        const slot = v.getUint32(o, true);
        const n = v.getUint32(o + 12, true);
        mem.set(b.subarray(o + 16, o + 16 + n * METER_BAND_RECORD), s);
        if (v.getUint32(o + 8, true) !== 0) fp.meterRemove(slot);
        fp.meterConfigure(slot, v.getUint32(o + 4, true), n, s);
      } else if (type === DOWN_METER_DEL) {
        fp.meterRemove(v.getUint32(o, true));
      } else if (type === DOWN_FENCE) {
        this.fenceToEcho = v.getUint32(o, true);
      }
    });
    if (touched) {
      this.transmitAll();
      this.sendActionUpcalls();
      this.reportGone(deleted);
    }
  }

  /** Echoes the last applied fence (after applyDown has sent what came before it). */
  private echoFence(): void {
    const id = this.fenceToEcho;
    if (id === 0) return;
    if (this.up.tryWrite(UP_FENCE, 4, (v, _b, o) => v.setUint32(o, id, true))) {
      this.fenceToEcho = 0;
      this.up.ring();
    }
  }

  private reportFlowStats(now: number): void {
    const fp = this.fp;
    const live: Array<[number, number, number, number]> = [];
    for (const [handle, id] of this.handleToId) {
      live.push([handle, fp.megaflowUsed(id), Number(fp.megaflowPackets(id)), Number(fp.megaflowBytes(id))]);
    }
    for (let i = 0; i < live.length; i += 256) {
      const chunk = live.slice(i, i + 256);
      this.up.tryWrite(UP_FLOW_STATS, 4 + chunk.length * FLOW_STATS_RECORD, (v, _b, o) => {
        v.setUint32(o, chunk.length, true);
        chunk.forEach(([h, used, pk, by], j) => {
          const r = o + 4 + j * FLOW_STATS_RECORD;
          v.setUint32(r, h, true);
          v.setUint32(r + 4, used, true);
          v.setFloat64(r + 8, pk, true);
          v.setFloat64(r + 16, by, true);
        });
      });
    }
    // Idle expiry: flows unused for idleMs leave the fast path; the control plane hears why.
    const out = this.scratch;
    const gone: Array<[number, number, number, number]> = [];
    for (;;) {
      const n = fp.megaflowExpireIdle(now, this.data.idleMs, out, 64);
      const ids = new Uint32Array(fp.memory.buffer, out, n);
      for (const id of ids) {
        const handle = this.idToHandle[id];
        if (handle < 0) continue;
        gone.push([handle, GONE_IDLE, Number(fp.megaflowPackets(id)), Number(fp.megaflowBytes(id))]);
        this.handleToId.delete(handle);
        this.idToHandle[id] = -1;
      }
      if (n < 64) break;
    }
    this.reportGone(gone);
    if (live.length > 0 || gone.length > 0) this.up.ring();
  }

  private reportGone(gone: Array<[number, number, number, number]>): void {
    for (let i = 0; i < gone.length; i += 256) {
      const chunk = gone.slice(i, i + 256);
      this.up.tryWrite(UP_FLOW_GONE, 4 + chunk.length * FLOW_GONE_RECORD, (v, _b, o) => {
        v.setUint32(o, chunk.length, true);
        chunk.forEach(([h, why, pk, by], j) => {
          const r = o + 4 + j * FLOW_GONE_RECORD;
          v.setUint32(r, h, true);
          v.setUint32(r + 4, why, true);
          v.setFloat64(r + 8, pk, true);
          v.setFloat64(r + 16, by, true);
        });
      });
    }
    if (gone.length > 0) this.up.ring();
  }

  private handleControl(): void {
    for (let m = receiveMessageOnPort(this.data.control); m; m = receiveMessageOnPort(this.data.control)) {
      const req = m.message as WorkerRequest;
      if (req.op === "shutdown") {
        this.control(req);
        return;
      }
      let reply: WorkerReply;
      try {
        reply = { id: req.id, ok: true, result: this.control(req) };
      } catch (e) {
        reply = { id: req.id, ok: false, error: (e as Error).message };
      }
      this.data.control.postMessage(reply);
    }
  }

  private control(req: WorkerRequest): unknown {
    switch (req.op) {
      case "add-port": {
        if (this.ports.has(req.dpPort)) throw new Error(`datapath port ${req.dpPort} is in use`);
        const port = openPortBackend(this.fp, req.spec as PortBackendSpec);
        this.ports.set(req.dpPort, port);
        this.pollSet.add(port.fd);
        return { fd: port.fd };
      }
      case "del-port": {
        const port = this.ports.get(req.dpPort);
        if (!port) return false;
        this.pollSet.remove(port.fd);
        this.ports.delete(req.dpPort);
        port.close();
        return true;
      }
      case "port-stats": {
        const port = this.ports.get(req.dpPort);
        if (!port) throw new Error(`no datapath port ${req.dpPort}`);
        return port.stats;
      }
      case "dump-flows":
        return dumpMegaflows(this.fp, this.handleToId, this.installedAt, this.now());
      case "capture": {
        if (!this.fp.captureSet(req.dpPort, req.dirs)) throw new Error(`no datapath port ${req.dpPort}`);
        if (req.dirs === 0) this.capturing.delete(req.dpPort);
        else this.capturing.add(req.dpPort);
        // Nobody captures any more: drop what was not sent, so a later session starts clean.
        if (this.capturing.size === 0) this.fp.captureReset();
        return { lost: this.captureLost };
      }
      case "define-port-set":
        return this.definePortSet(req.set, req.ports);
      case "meter-stats":
        this.applyDown(); // meter changes written before this request are in place
        return req.slots.map((slot) => this.meterStats(slot));
      case "counters":
        return {
          ...Object.fromEntries(Object.entries(readCounters(this.fp)).map(([k, v]) => [k, Number(v)])),
          // A_DROP records executed, by their reason (action.drop.vlan_mismatch, ...).
          ...Object.fromEntries(Object.entries(readDropReasons(this.fp)).map(([k, v]) => [k, Number(v)])),
          // The worker's own: capture batches lost to a full up ring.
          "capture.ring_full": this.captureLost,
          // Loop turns a port was not read for want of up-ring space (frames wait in the kernel).
          "up.backpressure": this.backpressureTurns,
          // Misses and action upcalls lost to a full up ring all the same (see the design note).
          "up.ring_full": this.upLost,
        };
      case "shutdown":
        this.running = false;
        for (const port of this.ports.values()) port.close();
        this.ports.clear();
        this.data.control.close();
        return true;
    }
  }

  private meterStats(slot: number): DatapathMeterStats | null {
    const fp = this.fp;
    if (!fp.meterIsDefined(slot)) return null;
    const bands: DatapathMeterStats["bands"] = [];
    for (let b = 0; b < fp.meterBandCount(slot); b++) {
      bands.push({ packets: Number(fp.meterBandPackets(slot, b)), bytes: Number(fp.meterBandBytes(slot, b)) });
    }
    return { packets: Number(fp.meterPacketsIn(slot)), bytes: Number(fp.meterBytesIn(slot)), bands };
  }

  private definePortSet(set: number, ports: number[]): number {
    new Uint32Array(this.fp.memory.buffer, this.scratch, ports.length).set(ports);
    return this.fp.actionsPortSetDefine(set, this.scratch, ports.length);
  }
}

const data = workerData as DatapathWorkerData;
// Name this thread (comm "wasmvs-dp", as OVS names its pmd threads) so an operator or a
// benchmark can find it in /proc/<pid>/task and pin it to a core. Sync fs calls run on the
// calling thread, so thread-self is this worker.
try {
  writeFileSync("/proc/thread-self/comm", "wasmvs-dp");
} catch {
  // not Linux, or /proc not mounted: the name is a convenience only
}
const fp = await createFastPath({ buffers: data.buffers, maxFlows: data.maxFlows });
new DatapathWorker(fp, SpscRing.attach(data.up), SpscRing.attach(data.down), data).run();
