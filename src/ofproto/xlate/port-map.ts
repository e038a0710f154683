// The translator's view of a bridge's ports: OpenFlow port numbers ↔ datapath ports, liveness.
//
// What: PortMap is the interface xlate reads (toDatapath, isLive, allPorts, and optionally a
//   datapath port set for wide floods); StaticPortMap is a plain implementation over a list,
//   used by tests and by callers that rebuild the map on each port change.
// Design: the translator never owns port state; it asks. OpenFlow's reserved LOCAL port is an
//   ordinary entry (ofPort = OFPP.LOCAL) mapped to the bridge's internal port. `live` is
//   OpenFlow liveness (admin up, link up, not blocked): FAST_FAILOVER watches it, outputs and
//   floods skip ports that are not live. `config` holds the port's OFPPC_* bits (PORT_MOD):
//   xlate drops input from NO_RECV ports, skips NO_FWD ports as outputs and drops CONTROLLER
//   outputs for packets from NO_PACKET_IN ports. A port change therefore revalidates megaflows.
// Invariants: allPorts() lists each port once; dpPort values are distinct.
// Threading: main thread.

export interface PortInfo {
  ofPort: number;
  dpPort: number;
  name: string;
  /** OpenFlow liveness: administratively up, link up, not blocked. */
  live: boolean;
  /** OFPPC_NO_FLOOD (an OpenFlow 1.0 bit OVS keeps): left out of FLOOD, kept in ALL. */
  noFlood?: boolean;
  /** OFPPC_* bits (port-state.ts); absent = 0. */
  config?: number;
}

export interface PortMap {
  /** The datapath port of OpenFlow port `ofPort`, or undefined when there is none. */
  toDatapath(ofPort: number): number | undefined;
  isLive(ofPort: number): boolean;
  /** The OFPPC_* config bits of `ofPort` (0 for a port without config or no port). */
  portConfig?(ofPort: number): number;
  allPorts(): Iterable<PortInfo>;
  /**
   * Optional: the id of a datapath port set (A_OUTPUT_SET) holding exactly `dpPorts`, in this
   * order, defining it if needed; undefined to fall back to one A_OUTPUT per port.
   */
  portSet?(dpPorts: readonly number[]): number | undefined;
}

export class StaticPortMap implements PortMap {
  private readonly byOf = new Map<number, PortInfo>();
  /** Set by owners that manage datapath port sets (see PortMap.portSet). */
  portSet?: (dpPorts: readonly number[]) => number | undefined;

  constructor(ports: Iterable<PortInfo> = []) {
    for (const p of ports) this.add(p);
  }

  add(p: PortInfo): this {
    this.byOf.set(p.ofPort, p);
    return this;
  }

  get(ofPort: number): PortInfo | undefined {
    return this.byOf.get(ofPort);
  }

  toDatapath(ofPort: number): number | undefined {
    return this.byOf.get(ofPort)?.dpPort;
  }

  isLive(ofPort: number): boolean {
    return this.byOf.get(ofPort)?.live ?? false;
  }

  portConfig(ofPort: number): number {
    return this.byOf.get(ofPort)?.config ?? 0;
  }

  allPorts(): Iterable<PortInfo> {
    return this.byOf.values();
  }
}
