// What: the read side of the datapath that the configuration service exposes over REST — port
// counters and link state, the learned MAC table (FDB), and FDB flushes.
//
// Design: an interface injected into SwitchService, so the service never reaches into the
// datapath runtime (worker threads, WASM memory) directly. The runtime built by the datapath
// issue implements it; until it is wired, the daemon injects `NullDataplane`. Methods may answer
// synchronously or with a promise (the real FDB may live behind a worker message).
//
// Invariants: bridge and port names passed in have already been checked to exist by the
// service; an implementation may still throw if the datapath has not attached the port yet.
// Returned objects belong to the caller.
//
// Threading: called on the main thread (the control plane).

export interface PortStats {
  rxPackets: number;
  rxBytes: number;
  rxDropped: number;
  rxErrors: number;
  txPackets: number;
  txBytes: number;
  txDropped: number;
  txErrors: number;
  linkUp: boolean;
  mtu: number;
}

export interface FdbEntry {
  vlan: number;
  /** Lower-case, colon-separated: aa:bb:cc:dd:ee:ff. */
  mac: string;
  /** Port name. */
  port: string;
  ageSeconds: number;
  static: boolean;
}

export interface FdbFlushFilter {
  port?: string;
  vlan?: number;
}

type Awaitable<T> = T | Promise<T>;

export interface DataplaneView {
  portStats(bridge: string, port: string): Awaitable<PortStats>;
  /** Every entry the datapath holds for the bridge: learned and static. */
  fdb(bridge: string): Awaitable<FdbEntry[]>;
  /** Removes learned (non-static) entries matching the filter; returns how many went. */
  fdbFlush(bridge: string, filter: FdbFlushFilter): Awaitable<number>;
}

/**
 * A stand-in with no datapath behind it: every counter is zero, links report down with MTU 0,
 * the FDB is always empty and flushes remove nothing. It exists only so the daemon, REST API
 * and CLI run before the datapath runtime is wired in; it forwards no traffic and learns nothing.
 */
export class NullDataplane implements DataplaneView {
  portStats(_bridge: string, _port: string): PortStats {
    return {
      rxPackets: 0,
      rxBytes: 0,
      rxDropped: 0,
      rxErrors: 0,
      txPackets: 0,
      txBytes: 0,
      txDropped: 0,
      txErrors: 0,
      linkUp: false,
      mtu: 0,
    };
  }

  fdb(_bridge: string): FdbEntry[] {
    return [];
  }

  fdbFlush(_bridge: string, _filter: FdbFlushFilter): number {
    return 0;
  }
}
