// Link state of the attached ports, polled: a port whose link goes down or comes back must
// change what the switch forwards (FAST_FAILOVER buckets, outputs to it), and the kernel does not
// tell us unless asked.
//
// What: LinkPoll.check(targets, onChange) reads each target's link (IFF_RUNNING: admin up and
//   carrier) and calls onChange for every one that differs from what it last reported; forget()
//   drops a port that went away. readLinkUp(netdev) is the reader the daemon uses.
// Design: polling (LiveDataplane calls check once a second, as OVS's netdev layer refreshes
//   carrier), one SIOCGIFFLAGS per port — no netlink socket to keep. A port is assumed up until
//   read otherwise, which is what ofproto assumes of a new port, so the first check reports only
//   ports found down. A device this namespace cannot see (a TAP moved into a container's
//   namespace: its file descriptor still carries frames) reads as unknown and changes nothing.
// Invariants: onChange is called only on a change of the reported state.
// Threading: main thread; synchronous ioctls, a few microseconds per port.

import { IFF_RUNNING, netdevFlags } from "../sys/netdev-ioctl.ts";

export interface LinkTarget {
  /** Unique per port ("bridge/port"). */
  key: string;
  netdev: string;
}

/** True when the link is up, false when down, undefined when the device cannot be read here. */
export type LinkReader = (netdev: string) => boolean | undefined;

export function readLinkUp(netdev: string): boolean | undefined {
  try {
    return (netdevFlags(netdev) & IFF_RUNNING) !== 0;
  } catch {
    return undefined;
  }
}

export class LinkPoll {
  private readonly reported = new Map<string, boolean>();

  constructor(private readonly read: LinkReader = readLinkUp) {}

  check<T extends LinkTarget>(targets: Iterable<T>, onChange: (target: T, up: boolean) => void): void {
    for (const t of targets) {
      const up = this.read(t.netdev);
      if (up === undefined || up === (this.reported.get(t.key) ?? true)) continue;
      this.reported.set(t.key, up);
      onChange(t, up);
    }
  }

  forget(key: string): void {
    this.reported.delete(key);
  }
}
