// Fail-open for a standalone bridge with controllers (Open vSwitch's fail-open.c): when no
// configured controller has been connected for a while, the bridge switches everything with
// NORMAL until one connects again.
//
// What: FailOpenMonitor decides when a bridge is "failing open". configure(enabled) says whether
//   the bridge may fail open at all (failMode standalone AND at least one controller configured);
//   check() looks at the controllers now (called on a timer and whenever a controller connects
//   or disconnects); onChange(true/false) is called on each transition.
//
//     enabled ──► connected? ──yes──► lastConnected = now; leave fail-open
//                     │no
//                     ▼
//        now - lastConnected ≥ triggerMs ──► enter fail-open (NORMAL for all traffic)
//
// Design: triggerMs is OVS's: three inactivity-probe intervals. The failure is counted from the
//   last time a controller was seen connected, or from when fail-open became possible (the
//   bridge got its controllers, or the daemon started). OVS leaves fail-open only once a
//   controller is "admitted" (it sent something after connecting); wasmvs leaves it when a
//   controller finishes the HELLO exchange — a controller that connects is at once in charge.
//   What "NORMAL for all traffic" means is the ofproto's business (Ofproto.setFailOpen
//   translates with a NORMAL-only table and leaves the OpenFlow tables untouched).
// Invariants: onChange alternates (never true twice in a row); after configure(false) or
//   close() the bridge is not failing open.
// Threading: main thread; one unref'd interval timer per monitor.

export interface FailOpenOptions {
  triggerMs: number;
  /** True when some configured controller connection is up. */
  connected(): boolean;
  onChange(failOpen: boolean): void;
  /** Clock (ms); default Date.now. */
  now?: () => number;
  /** How often check() runs by itself; 0 = never (tests call check()). Default min(1000, triggerMs / 3). */
  tickMs?: number;
}

export class FailOpenMonitor {
  private enabled = false;
  private activeNow = false;
  private lastConnected: number;
  private readonly timer?: NodeJS.Timeout;
  private readonly now: () => number;

  constructor(private readonly opts: FailOpenOptions) {
    this.now = opts.now ?? Date.now;
    this.lastConnected = this.now();
    const tick = opts.tickMs ?? Math.max(50, Math.min(1000, Math.floor(opts.triggerMs / 3)));
    if (tick > 0) {
      this.timer = setInterval(() => this.check(), tick);
      this.timer.unref();
    }
  }

  get active(): boolean {
    return this.activeNow;
  }

  /** Whether the bridge may fail open (standalone with controllers configured). */
  configure(enabled: boolean): void {
    if (enabled && !this.enabled) this.lastConnected = this.now();
    this.enabled = enabled;
    if (!enabled) this.set(false);
    else this.check();
  }

  check(): void {
    if (!this.enabled) return;
    if (this.opts.connected()) {
      this.lastConnected = this.now();
      this.set(false);
    } else if (this.now() - this.lastConnected >= this.opts.triggerMs) {
      this.set(true);
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.enabled = false;
    this.set(false);
  }

  private set(on: boolean): void {
    if (on === this.activeNow) return;
    this.activeNow = on;
    this.opts.onChange(on);
  }
}
