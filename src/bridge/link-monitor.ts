// Link state of the switch's ports, polled: the kernel's view of each port's device, turned
// into change notifications so forwarding (liveness, FAST_FAILOVER, floods) and PORT_STATUS
// follow a cable pull or `ip link set … down` within about a second.
//
// What: LinkMonitor.watch(key, read, initial) starts following one port (`read()` says whether
//   its link is up now); unwatch(key) stops; poll() reads every watched port once and calls
//   onChange(key, up) for each one whose state differs from the last seen; start(intervalMs)
//   polls on a timer (unref'd, so it never keeps the process alive), stop() ends it.
// Design: a poll (one SIOCGIFFLAGS ioctl per port per second) rather than rtnetlink: no socket
//   to own, nothing to resynchronise after a lost message, and a second's latency is what Open
//   vSwitch's own netdev polling gives for carrier changes. What "link up" means per port type
//   is the reader's business (live-dataplane.ts: IFF_RUNNING; a TAP moved into another
//   namespace, which this namespace cannot see, counts as up — the switch holds its fd).
// Invariants: onChange is called only on a change, with the new state, and never for a key
//   after unwatch(key); a reader that throws counts as link down.
// Threading: main thread.

export type LinkReader = () => boolean;

export class LinkMonitor {
  private readonly watched = new Map<string, { read: LinkReader; up: boolean }>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly onChange: (key: string, up: boolean) => void) {}

  watch(key: string, read: LinkReader, initial: boolean): void {
    this.watched.set(key, { read, up: initial });
  }

  unwatch(key: string): void {
    this.watched.delete(key);
  }

  /** The last state seen for `key`, if watched. */
  state(key: string): boolean | undefined {
    return this.watched.get(key)?.up;
  }

  poll(): void {
    for (const [key, w] of [...this.watched]) {
      let up: boolean;
      try {
        up = w.read();
      } catch {
        up = false;
      }
      if (up === w.up || this.watched.get(key) !== w) continue;
      w.up = up;
      this.onChange(key, up);
    }
  }

  start(intervalMs = 1000): void {
    this.stop();
    this.timer = setInterval(() => this.poll(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
