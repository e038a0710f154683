// Userdata of the datapath USERSPACE action that output:CONTROLLER translates to: enough for
// the control plane to build the PACKET_IN (reason, table id, cookie, max_len) from the upcall.
//
// What: ControllerUserdata.encode({reason, tableId, cookie, maxLen}) → u32 userdata;
//   decode(u32) → the same fields, or undefined when the userdata is not a controller one.
// Design: the datapath carries a single u32 (A_USERSPACE payload), too small for a 64-bit
//   cookie and a 16-bit max_len, so the two are interned in a table and the u32 carries a
//   handle to them, next to the fields that fit directly:
//
//    31 30  29   28          21 20                      0
//   ┌─────┬────┬──────────────┬──────────────────────────┐
//   │kind │ R  │  table id    │  handle → (cookie, max_len) │
//   │ 01  │    │  (8 bits)    │  (21 bits)               │
//   └─────┴────┴──────────────┴──────────────────────────┘
//   kind: 01 = controller (other values are free for other userspace users);
//   R: 0 = OFPR_NO_MATCH (the rule was a table-miss entry), 1 = OFPR_ACTION.
//   INVALID_TTL packet-ins do not come through here: the datapath's A_DEC_TTL upcalls with
//   its own reason (UPCALL_TTL).
// Invariants: equal (cookie, max_len) pairs share a handle; a handle is never reused while
//   the table lives (megaflows may still carry it), so the table only grows until `reset()`,
//   which the owner calls only after flushing every megaflow. When 2^21 pairs are interned,
//   encode returns undefined and translation fails closed.
// Threading: main thread.

export const USERDATA_KIND_SHIFT = 30;
export const USERDATA_KIND_CONTROLLER = 1;
export const USERDATA_HANDLE_BITS = 21;
const HANDLE_MASK = (1 << USERDATA_HANDLE_BITS) - 1;

/** OpenFlow packet-in reasons this encoding carries (OFPR_*). */
export const PACKET_IN_REASON = { NO_MATCH: 0, ACTION: 1, INVALID_TTL: 2 } as const;

export interface ControllerPacketIn {
  reason: typeof PACKET_IN_REASON.NO_MATCH | typeof PACKET_IN_REASON.ACTION;
  tableId: number;
  cookie: bigint;
  /** Bytes of the packet to send (OFPCML_NO_BUFFER = 0xffff: all of it). */
  maxLen: number;
}

/** What translation needs: the userdata for a CONTROLLER output (undefined: table full). */
export interface UserdataEncoder {
  encode(p: ControllerPacketIn): number | undefined;
}

function userdataOf(p: ControllerPacketIn, handle: number): number {
  const r = p.reason === PACKET_IN_REASON.ACTION ? 1 : 0;
  return ((USERDATA_KIND_CONTROLLER << USERDATA_KIND_SHIFT) | (r << 29) | ((p.tableId & 0xff) << 21) | handle) >>> 0;
}

const pairKey = (p: ControllerPacketIn) => `${p.cookie}/${p.maxLen}`;

export class ControllerUserdata implements UserdataEncoder {
  private readonly entries: Array<{ cookie: bigint; maxLen: number }> = [];
  private readonly index = new Map<string, number>();

  get size(): number {
    return this.entries.length;
  }

  encode(p: ControllerPacketIn): number | undefined {
    const k = pairKey(p);
    let handle = this.index.get(k);
    if (handle === undefined) {
      if (this.entries.length > HANDLE_MASK) return undefined;
      handle = this.entries.length;
      this.entries.push({ cookie: p.cookie, maxLen: p.maxLen });
      this.index.set(k, handle);
    }
    return userdataOf(p, handle);
  }

  /**
   * An encoder that interns nothing (`wasmvs trace`): a known pair gets its handle, a new one
   * the handle encode() would give it next, so the trace shows the userdata a miss would
   * install — and a trace never grows this table.
   */
  dryRun(): UserdataEncoder {
    const provisional = new Map<string, number>();
    return {
      encode: (p) => {
        const k = pairKey(p);
        let handle = this.index.get(k) ?? provisional.get(k);
        if (handle === undefined) {
          handle = this.entries.length + provisional.size;
          if (handle > HANDLE_MASK) return undefined;
          provisional.set(k, handle);
        }
        return userdataOf(p, handle);
      },
    };
  }

  decode(userdata: number): ControllerPacketIn | undefined {
    if (userdata >>> USERDATA_KIND_SHIFT !== USERDATA_KIND_CONTROLLER) return undefined;
    const e = this.entries[userdata & HANDLE_MASK];
    if (!e) return undefined;
    const reason = (userdata >>> 29) & 1 ? PACKET_IN_REASON.ACTION : PACKET_IN_REASON.NO_MATCH;
    return { reason, tableId: (userdata >>> 21) & 0xff, cookie: e.cookie, maxLen: e.maxLen };
  }

  /** Forgets every handle; only after every megaflow carrying one is gone. */
  reset(): void {
    this.entries.length = 0;
    this.index.clear();
  }
}
