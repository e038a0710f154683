// The inactivity probe of one OpenFlow connection (OVS rconn's "probe_interval").
//
// What: one timer of `intervalMs`, re-armed by every received byte (`touch`). The first expiry
//   of a silent interval calls `onIdle` (the channel sends an ECHO_REQUEST); a second expiry
//   with still nothing received calls `onDead` (the channel disconnects).
//
//        touch()                      touch()
//          │                            │
//   ───────┴──── interval ────┬──────────┴── interval ──── ...  (alive: never fires)
//                  silent ────┴─ onIdle ── interval ── onDead   (silent: gone after 2 intervals)
//
// Design: Timeout.refresh() re-arms without allocating, so touching on every read is cheap.
//   The timer is unref'd: a probe never keeps the process alive on its own.
// Invariants: after stop(), neither callback runs; intervalMs 0 disables the probe.
// Threading: event loop only.

export class InactivityProbe {
  private timer: NodeJS.Timeout | null = null;
  private idle = false;

  constructor(
    readonly intervalMs: number,
    private readonly onIdle: () => void,
    private readonly onDead: () => void,
  ) {
    if (intervalMs > 0) {
      this.timer = setTimeout(() => this.expire(), intervalMs);
      this.timer.unref();
    }
  }

  /** Something was received: the peer is alive. */
  touch(): void {
    this.idle = false;
    this.timer?.refresh();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private expire(): void {
    if (!this.timer) return;
    if (this.idle) {
      this.stop();
      this.onDead();
      return;
    }
    this.idle = true;
    this.timer.refresh();
    this.onIdle();
  }
}
