// Per-bridge subscriptions to the asynchronous events a switch sends its controllers
// (FLOW_REMOVED, PORT_STATUS): who listens to which bridge, and delivery to them.
//
// What: BridgeListeners<T>.subscribe(bridge, listener) → unsubscribe; emit(bridge, event) calls
//   every listener of that bridge and returns how many there were.
// Design: a Map of Sets, the same shape Ofproto uses for packet-ins; of-connections.ts is the
//   usual subscriber (one listener per bridge's connection set). Events raised while nobody
//   listens are dropped: asynchronous messages are not queued for controllers that connect
//   later (OpenFlow keeps no such backlog either).
// Invariants: a bridge with no listener left has no entry; unsubscribing twice is harmless.
// Threading: main thread; listeners run synchronously inside emit, in subscription order.

export type BridgeListener<T> = (event: T) => void;

export class BridgeListeners<T> {
  private readonly byBridge = new Map<string, Set<BridgeListener<T>>>();

  subscribe(bridge: string, listener: BridgeListener<T>): () => void {
    let set = this.byBridge.get(bridge);
    if (!set) {
      set = new Set();
      this.byBridge.set(bridge, set);
    }
    set.add(listener);
    const s = set;
    return () => {
      s.delete(listener);
      if (s.size === 0 && this.byBridge.get(bridge) === s) this.byBridge.delete(bridge);
    };
  }

  /** Whether anyone listens to `bridge` (callers may skip building events nobody gets). */
  has(bridge: string): boolean {
    return this.byBridge.has(bridge);
  }

  emit(bridge: string, event: T): number {
    const set = this.byBridge.get(bridge);
    if (!set) return 0;
    for (const l of [...set]) l(event);
    return set.size;
  }
}
