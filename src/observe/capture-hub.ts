// Port capture sessions on the control plane: who is watching which datapath port, and the
// fast path's mirror flags that follow from it.
//
// What: CaptureHub.open(dpPort, dirs, listener) starts a session (the port's flag in the fast
//   path becomes the union of its sessions' directions) and returns its close(); deliver()
//   takes the UP_CAPTURE records the worker sends and hands each frame to the sessions that
//   asked for its port and direction; portGone(dpPort) ends a removed port's sessions.
// Design: the fast path copies frames only for ports whose flag is set (capture/capture.ts), so
//   closing the last session of a port clears its flag and the port costs nothing again. Flag
//   changes are serialised per hub (a promise chain) so an open racing a close on the same port
//   cannot leave the flag stale.
// Invariants: a port's flag in the fast path = OR of its live sessions' directions (after the
//   pending flag writes settle); a closed session receives nothing more.
// Threading: main thread.

export const CAP_IN = 1;
export const CAP_OUT = 2;
export const CAP_BOTH = CAP_IN | CAP_OUT;

export interface CapturedFrame {
  /** Wall-clock time the worker drained the frame's batch (ms since the epoch, µs precision). */
  timeMs: number;
  dpPort: number;
  /** CAP_IN: received on the port; CAP_OUT: transmitted on it. */
  dir: number;
  /** Length on the wire. */
  origLen: number;
  /** The bytes captured (a copy, the listener's). */
  data: Uint8Array;
}

export type CaptureListener = (frame: CapturedFrame) => void;

interface Session {
  dpPort: number;
  dirs: number;
  listener: CaptureListener;
  onEnd?: (why: string) => void;
}

const RECORD_HEADER = 16;

/** Splits a capture area's records (assembly/capture/capture.ts layout) into frames. */
export function parseCaptureRecords(timeMs: number, records: Uint8Array): CapturedFrame[] {
  const v = new DataView(records.buffer, records.byteOffset, records.byteLength);
  const out: CapturedFrame[] = [];
  for (let o = 0; o + RECORD_HEADER <= records.length; ) {
    const len = v.getUint32(o + 12, true);
    if (o + RECORD_HEADER + len > records.length) break; // cannot happen: records are whole
    out.push({
      timeMs,
      dpPort: v.getUint32(o, true),
      dir: v.getUint32(o + 4, true),
      origLen: v.getUint32(o + 8, true),
      data: records.slice(o + RECORD_HEADER, o + RECORD_HEADER + len),
    });
    o += RECORD_HEADER + ((len + 3) & ~3);
  }
  return out;
}

export class CaptureHub {
  private readonly sessions = new Set<Session>();
  private flagWrites: Promise<unknown> = Promise.resolve();

  /** setFlags writes a port's mirror flags into the fast path (DatapathRuntime.setCapture). */
  constructor(private readonly setFlags: (dpPort: number, dirs: number) => Promise<unknown>) {}

  /** Sessions open now (for tests and /metrics). */
  get size(): number {
    return this.sessions.size;
  }

  /**
   * Starts mirroring dpPort's frames in `dirs` to listener; resolves once the fast path copies
   * them. The returned close() stops this session (and the port's mirror if it was the last).
   * onEnd is called if the hub ends the session itself (port removed, daemon closing).
   */
  async open(
    dpPort: number,
    dirs: number,
    listener: CaptureListener,
    onEnd?: (why: string) => void,
  ): Promise<() => Promise<void>> {
    const s: Session = { dpPort, dirs: dirs & CAP_BOTH, listener, onEnd };
    this.sessions.add(s);
    try {
      await this.syncFlags(dpPort);
    } catch (e) {
      this.sessions.delete(s);
      await this.syncFlags(dpPort).catch(() => {});
      throw e;
    }
    let closed = false;
    return async () => {
      if (closed) return;
      closed = true;
      this.sessions.delete(s);
      await this.syncFlags(dpPort).catch(() => {}); // a stopped datapath has no flags left
    };
  }

  /** Frames from the worker (DatapathSink.onCapture). */
  deliver(timeMs: number, records: Uint8Array): void {
    if (this.sessions.size === 0) return;
    for (const f of parseCaptureRecords(timeMs, records)) {
      for (const s of this.sessions) if (s.dpPort === f.dpPort && (s.dirs & f.dir) !== 0) s.listener(f);
    }
  }

  /** Ends every session on a port that is going away (its number may be reused). */
  portGone(dpPort: number, why = "the port was removed"): void {
    this.end((s) => s.dpPort === dpPort, why);
  }

  /** Ends every session (daemon shutdown). */
  closeAll(why = "the switch is shutting down"): void {
    this.end(() => true, why);
  }

  private end(which: (s: Session) => boolean, why: string): void {
    const ports = new Set<number>();
    for (const s of [...this.sessions]) {
      if (!which(s)) continue;
      this.sessions.delete(s);
      ports.add(s.dpPort);
      s.onEnd?.(why);
    }
    for (const p of ports) void this.syncFlags(p).catch(() => {});
  }

  private syncFlags(dpPort: number): Promise<unknown> {
    const next = this.flagWrites.then(() => {
      let dirs = 0;
      for (const s of this.sessions) if (s.dpPort === dpPort) dirs |= s.dirs;
      return this.setFlags(dpPort, dirs);
    });
    this.flagWrites = next.catch(() => {});
    return next;
  }
}
