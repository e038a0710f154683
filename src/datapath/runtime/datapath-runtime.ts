// The control plane's handle on the datapath worker: starts it, manages its ports, installs
// megaflows and packet-outs down one ring and delivers what comes up the other.
//
// What: DatapathRuntime.start(opts, sink) spawns datapath-worker.ts with two SPSC rings and an
//   eventfd; `sink` receives misses, action upcalls, flow stats and flow removals.
// Design: per-flow traffic goes through the shared-memory rings (no structured clone, no event
//   loop hop on the worker side); rare requests (ports, stats) go over a MessagePort with
//   request ids. After writing to the down ring or posting a request, the eventfd wakes the
//   worker out of poll(). fence() is the ordering point: it resolves once the worker has applied
//   every down record written before it (deletes included), which is what a BARRIER needs.
//   Down records are counted; a fence carries the count written before it, and its echo says
//   the worker applied that many. With nothing written since the last echo (`settled`: say,
//   FLOW_MODs that had no megaflow to revalidate) no fence is written and fence() resolves at
//   once, so a BARRIER costs no worker round trip (no eventfd write, no wake-up).
//   Deletes and flushes are never lost: one that finds the down ring full waits in `backlog`
//   (FIFO, retried every millisecond and before any other down write); while it waits, installs
//   and packet-outs are refused (the caller drops the packet, the next miss retries) so no
//   record overtakes a delete, and fence() writes its record only behind the backlog.
// Threading: main thread. The up ring is consumed here, the down ring produced here.

import { MessageChannel, Worker } from "node:worker_threads";
import type { PortStats } from "../../ports/port-backend.ts";
import { libc } from "../../sys/libc.ts";
import { eventfdOpen, eventfdSignal } from "../../sys/poll.ts";
import { KEY_SIZE } from "../flow-key.ts";
import type { DatapathWorkerData } from "./datapath-worker.ts";
import type { MegaflowDump } from "./megaflow-dump.ts";
import {
  DOWN_DELETE,
  DOWN_EXECUTE,
  DOWN_FENCE,
  DOWN_FLUSH,
  DOWN_INSTALL,
  DOWN_METER_DEL,
  DOWN_METER_SET,
  executeLength,
  FLOW_GONE_RECORD,
  FLOW_STATS_RECORD,
  installLength,
  METER_BAND_RECORD,
  meterSetLength,
  UP_ACTION,
  UP_CAPTURE,
  UP_FENCE,
  UP_FLOW_GONE,
  UP_FLOW_STATS,
  UP_MISS,
} from "./ring-messages.ts";
import { SpscRing } from "./spsc-ring.ts";
import type { DatapathMeterStats, WorkerReply, WorkerRequestBody } from "./worker-protocol.ts";

/** One band of a fast-path meter (assembly/meters/meter-table.ts): type 1 DROP, 2 DSCP_REMARK. */
export interface DatapathMeterBand {
  type: number;
  rate: number;
  burstSize: number;
  precLevel: number;
}

export interface DatapathSink {
  onMiss(inPort: number, key: Uint8Array, packet: Uint8Array): void;
  onActionUpcall(reason: number, userdata: number, key: Uint8Array, packet: Uint8Array): void;
  onFlowStats(handle: number, used: number, packets: number, bytes: number): void;
  onFlowGone(handle: number, why: number, packets: number, bytes: number): void;
  /** Frames mirrored by captured ports: records as assembly/capture/capture.ts lays them out. */
  onCapture?(timeMs: number, records: Uint8Array): void;
}

export interface DatapathOptions {
  buffers?: number;
  maxFlows?: number;
  /** Megaflows unused this long leave the fast path (OVS: 10 s). */
  idleMs?: number;
  ringBytes?: number;
}

export class DatapathRuntime {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private stopped = false;
  private readonly pump: Promise<void>;
  private fenceNext = 1;
  /** Fences written and not yet echoed, by id (ids increase; an echo settles all up to it),
   *  with the count of down records written before each. */
  private readonly fences = new Map<number, { resolve: () => void; writes: number }>();
  /** Down-ring records written (fences not counted). */
  private downWrites = 0;
  /** Of those, how many the worker is known to have applied (the last echoed fence's count). */
  private appliedWrites = 0;
  /** The newest fence written and not yet echoed: a fence() with nothing written since shares it. */
  private lastFence: { writes: number; done: Promise<void> } | undefined;
  /** Deletes/flushes that found the down ring full, oldest first (see the design note). */
  private readonly backlog: Array<{ type: number; handle: number }> = [];
  private backlogTimer?: NodeJS.Timeout;

  private constructor(
    private readonly worker: Worker,
    private readonly control: MessageChannel["port1"],
    private readonly up: SpscRing,
    private readonly down: SpscRing,
    private readonly wakeFd: number,
    private readonly sink: DatapathSink,
  ) {
    control.on("message", (r: WorkerReply) => {
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (r.ok) p.resolve(r.result);
      else p.reject(new Error(r.error));
    });
    worker.on("error", (e) => {
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    });
    this.pump = this.pumpUp();
  }

  static async start(sink: DatapathSink, opts: DatapathOptions = {}): Promise<DatapathRuntime> {
    const ringBytes = opts.ringBytes ?? 32 << 20;
    const up = SpscRing.create(ringBytes);
    const down = SpscRing.create(ringBytes);
    const wakeFd = eventfdOpen();
    const { port1, port2 } = new MessageChannel();
    const data: DatapathWorkerData = {
      up: up.sab,
      down: down.sab,
      control: port2,
      wakeFd,
      buffers: opts.buffers ?? 8192,
      maxFlows: opts.maxFlows ?? 200_000,
      idleMs: opts.idleMs ?? 10_000,
    };
    const worker = new Worker(new URL("./worker-bootstrap.mjs", import.meta.url), {
      workerData: { ...data, entry: new URL("./datapath-worker.ts", import.meta.url).href },
      transferList: [port2],
    });
    const rt = new DatapathRuntime(worker, port1, up, down, wakeFd, sink);
    await rt.request({ op: "counters" }); // the worker is up and its fast path initialised
    return rt;
  }

  private request<T>(body: WorkerRequestBody): Promise<T> {
    if (this.stopped) return Promise.reject(new Error("the datapath is stopped"));
    const id = this.nextId++;
    const p = new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
    });
    this.control.postMessage({ id, ...body });
    eventfdSignal(this.wakeFd);
    return p;
  }

  addPort(dpPort: number, spec: unknown): Promise<{ fd: number }> {
    return this.request({ op: "add-port", dpPort, spec });
  }
  removePort(dpPort: number): Promise<boolean> {
    return this.request({ op: "del-port", dpPort });
  }
  portStats(dpPort: number): Promise<PortStats> {
    return this.request({ op: "port-stats", dpPort });
  }
  counters(): Promise<Record<string, number>> {
    return this.request({ op: "counters" });
  }

  /** A snapshot of the fast path's megaflows (dpctl dump-flows). */
  dumpFlows(): Promise<MegaflowDump> {
    return this.request({ op: "dump-flows" });
  }
  /** Mirrors datapath port dpPort's frames up (dirs: 1 received, 2 transmitted, 3 both; 0 off). */
  setCapture(dpPort: number, dirs: number): Promise<{ lost: number }> {
    return this.request({ op: "capture", dpPort, dirs });
  }

  /** Installs megaflow `handle` (key & mask → actions); with a packet, also runs it through. */
  install(
    handle: number,
    key: Uint8Array,
    mask: Uint8Array,
    actions: Uint8Array,
    packet?: { inPort: number; bytes: Uint8Array },
  ): boolean {
    if (!this.drainBacklog()) return false;
    const plen = packet?.bytes.length ?? 0;
    const ok = this.write(DOWN_INSTALL, installLength(actions.length, plen), (v, b, o) => {
      v.setUint32(o, handle, true);
      b.set(key, o + 4);
      b.set(mask, o + 4 + KEY_SIZE);
      v.setUint32(o + 4 + 2 * KEY_SIZE, actions.length, true);
      const ao = o + 8 + 2 * KEY_SIZE;
      b.set(actions, ao);
      v.setUint32(ao + actions.length, packet?.inPort ?? 0, true);
      v.setUint32(ao + actions.length + 4, plen, true);
      if (packet) b.set(packet.bytes, ao + actions.length + 8);
    });
    this.wake();
    return ok;
  }

  /** Runs actions over a packet as if received on inPort (packet-out). */
  execute(inPort: number, actions: Uint8Array, packet: Uint8Array): boolean {
    if (!this.drainBacklog()) return false;
    const ok = this.write(DOWN_EXECUTE, executeLength(actions.length, packet.length), (v, b, o) => {
      v.setUint32(o, inPort, true);
      v.setUint32(o + 4, actions.length, true);
      b.set(actions, o + 8);
      v.setUint32(o + 8 + actions.length, packet.length, true);
      b.set(packet, o + 12 + actions.length);
    });
    this.wake();
    return ok;
  }

  /** Queues the removal of megaflow `handle`; never lost (a full ring defers it, in order). */
  deleteFlow(handle: number): void {
    this.backlog.push({ type: DOWN_DELETE, handle });
    this.drainBacklog();
  }

  /** Queues the removal of every megaflow; never lost, like deleteFlow. */
  flushFlows(): void {
    this.backlog.push({ type: DOWN_FLUSH, handle: 0 });
    this.drainBacklog();
  }

  /** Deletes/flushes waiting for ring space (0 in steady state; exposed for tests and stats). */
  get backlogLength(): number {
    return this.backlog.length;
  }

  /** Writes waiting deletes/flushes in order; true when none is left waiting. */
  private drainBacklog(): boolean {
    if (this.backlog.length === 0) return true;
    let n = 0;
    for (const r of this.backlog) {
      const ok =
        r.type === DOWN_DELETE
          ? this.write(DOWN_DELETE, 4, (v, _b, o) => v.setUint32(o, r.handle, true))
          : this.write(DOWN_FLUSH, 0, () => {});
      if (!ok) break;
      n++;
    }
    if (n > 0) {
      this.backlog.splice(0, n);
      this.wake();
    }
    if (this.backlog.length > 0 && !this.backlogTimer && !this.stopped) {
      this.backlogTimer = setTimeout(() => {
        this.backlogTimer = undefined;
        this.drainBacklog();
      }, 1);
    }
    return this.backlog.length === 0;
  }

  /** Defines or replaces fast-path meter `slot` in place (flags: OFPMF_* bits; fresh: a new
   *  meter, counters from zero). False when the down ring is full (nothing was queued). */
  setMeter(slot: number, flags: number, bands: readonly DatapathMeterBand[], fresh: boolean): boolean {
    const ok = this.write(DOWN_METER_SET, meterSetLength(bands.length), (v, _b, o) => {
      v.setUint32(o, slot, true);
      v.setUint32(o + 4, flags, true);
      v.setUint32(o + 8, fresh ? 1 : 0, true);
      v.setUint32(o + 12, bands.length, true);
      bands.forEach((band, i) => {
        const r = o + 16 + i * METER_BAND_RECORD;
        v.setUint32(r, band.type, true);
        v.setUint32(r + 4, band.rate, true);
        v.setUint32(r + 8, band.burstSize, true);
        v.setUint32(r + 12, band.precLevel, true);
      });
    });
    this.wake();
    return ok;
  }

  /** Removes fast-path meter `slot`. False when the down ring is full. */
  deleteMeter(slot: number): boolean {
    const ok = this.write(DOWN_METER_DEL, 4, (v, _b, o) => v.setUint32(o, slot, true));
    this.wake();
    return ok;
  }

  /** The counters of fast-path meters, in the order asked (null: no meter in that slot), after
   *  every meter change written before this call. */
  meterStats(slots: number[]): Promise<Array<DatapathMeterStats | null>> {
    return this.request({ op: "meter-stats", slots });
  }

  /** Counts every down record but fences: what fence() has to wait for. */
  private write(type: number, length: number, fill: Parameters<SpscRing["tryWrite"]>[2]): boolean {
    const ok = this.down.tryWrite(type, length, fill);
    if (ok) this.downWrites++;
    return ok;
  }

  /**
   * True when the worker has applied every down record written so far and no delete waits in
   * the backlog: a fence() now would have nothing to wait for (a BARRIER can be answered at
   * once). Also true once stopped.
   */
  get settled(): boolean {
    return this.stopped || (this.backlog.length === 0 && this.appliedWrites === this.downWrites);
  }

  /**
   * Resolves once the worker has applied every down-ring record written before this call
   * (installs, deletes, flushes, packet-outs, meters). Writes no fence when there is nothing to
   * wait for (settled: resolves at once) or when the newest outstanding fence already follows
   * every record (its promise is shared). Retries while the down ring is full; resolves at once
   * when the datapath is stopped (there is nothing left to be stale).
   */
  fence(): Promise<void> {
    if (this.settled) return Promise.resolve();
    const last = this.lastFence;
    if (last && this.backlog.length === 0 && last.writes === this.downWrites) return last.done;
    return this.writeFence();
  }

  /**
   * Resolves once the worker has gone round its loop after this call and the main thread has
   * handled everything the worker sent up before that (the up ring is read in order, and the
   * fence's echo is behind it): e.g. every frame a capture copied before the call. Always writes
   * a fence, unlike fence().
   */
  roundTrip(): Promise<void> {
    return this.writeFence();
  }

  /** Writes a fence record (retrying every millisecond while the ring is full); its promise. */
  private writeFence(): Promise<void> {
    const id = this.fenceNext;
    this.fenceNext = (this.fenceNext + 1) >>> 0 || 1;
    let resolve = () => {};
    const done = new Promise<void>((r) => {
      resolve = r;
    });
    const attempt = (): void => {
      if (
        !this.stopped &&
        !(this.drainBacklog() && this.down.tryWrite(DOWN_FENCE, 4, (v, _b, o) => v.setUint32(o, id, true)))
      ) {
        this.wake();
        setTimeout(attempt, 1);
        return;
      }
      // Written (or stopped): it follows every record counted so far.
      this.fences.set(id, { resolve, writes: this.downWrites });
      this.lastFence = { writes: this.downWrites, done };
      if (this.stopped) this.settleFences(Number.POSITIVE_INFINITY);
      this.wake();
    };
    attempt();
    return done;
  }

  private settleFences(upTo: number): void {
    for (const [id, f] of this.fences) {
      if (id <= upTo) {
        this.fences.delete(id);
        if (f.writes > this.appliedWrites) this.appliedWrites = f.writes;
        f.resolve();
      }
    }
    if (this.fences.size === 0) this.lastFence = undefined;
  }

  private wake(): void {
    // After stop() the eventfd is closed and its number may belong to another file by now.
    if (this.stopped) return;
    eventfdSignal(this.wakeFd);
  }

  private async pumpUp(): Promise<void> {
    while (!this.stopped) {
      await this.up.waitAsync(200);
      this.up.read((type, v, b, o, length) => this.dispatchUp(type, v, b, o, length), 1024);
      if (this.up.pending) await new Promise((r) => setImmediate(r));
    }
  }

  private dispatchUp(type: number, v: DataView, b: Uint8Array, o: number, length: number): void {
    const s = this.sink;
    if (type === UP_MISS) {
      const len = v.getUint32(o + 4 + KEY_SIZE, true);
      s.onMiss(
        v.getUint32(o, true),
        b.slice(o + 4, o + 4 + KEY_SIZE),
        b.slice(o + 8 + KEY_SIZE, o + 8 + KEY_SIZE + len),
      );
    } else if (type === UP_ACTION) {
      const len = v.getUint32(o + 8 + KEY_SIZE, true);
      s.onActionUpcall(
        v.getUint32(o, true),
        v.getUint32(o + 4, true),
        b.slice(o + 8, o + 8 + KEY_SIZE),
        b.slice(o + 12 + KEY_SIZE, o + 12 + KEY_SIZE + len),
      );
    } else if (type === UP_FLOW_STATS) {
      const n = v.getUint32(o, true);
      for (let j = 0; j < n; j++) {
        const r = o + 4 + j * FLOW_STATS_RECORD;
        s.onFlowStats(
          v.getUint32(r, true),
          v.getUint32(r + 4, true),
          v.getFloat64(r + 8, true),
          v.getFloat64(r + 16, true),
        );
      }
    } else if (type === UP_CAPTURE) {
      s.onCapture?.(v.getFloat64(o, true), b.slice(o + 8, o + length));
    } else if (type === UP_FENCE) {
      this.settleFences(v.getUint32(o, true));
    } else if (type === UP_FLOW_GONE) {
      const n = v.getUint32(o, true);
      for (let j = 0; j < n; j++) {
        const r = o + 4 + j * FLOW_GONE_RECORD;
        s.onFlowGone(
          v.getUint32(r, true),
          v.getUint32(r + 4, true),
          v.getFloat64(r + 8, true),
          v.getFloat64(r + 16, true),
        );
      }
    }
  }

  /** Shuts the worker down (it closes its ports, removing the TAPs it created) and waits for
   *  it to exit; a worker that does not exit within 3 s is terminated. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    const exited = new Promise<void>((resolve) => this.worker.once("exit", () => resolve()));
    // No reply is awaited: the worker exits right after, and a reply posted by a thread that is
    // exiting may never arrive.
    this.control.postMessage({ id: 0, op: "shutdown" });
    this.wake();
    const timer = setTimeout(() => void this.worker.terminate(), 3000);
    await exited;
    clearTimeout(timer);
    this.stopped = true;
    if (this.backlogTimer) clearTimeout(this.backlogTimer);
    this.backlog.length = 0; // nothing is left to delete from
    this.settleFences(Number.POSITIVE_INFINITY);
    for (const p of this.pending.values()) p.reject(new Error("the datapath stopped"));
    this.pending.clear();
    // Wake the pump out of Atomics.waitAsync (whose timeout alone does not keep Node running).
    this.up.ring();
    await this.pump;
    this.control.close();
    libc.close(this.wakeFd);
  }
}
