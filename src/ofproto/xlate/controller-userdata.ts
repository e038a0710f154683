// Userdata of the datapath USERSPACE action that output:CONTROLLER translates to, and of the
// dec-TTL records (A_DEC_TTL, A_DEC_MPLS_TTL): enough for the control plane to build the
// PACKET_IN (reason, table id, cookie, max_len) from the upcall.
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
//   kind: 01 = controller output, 10 = TTL expiry (OFPR_INVALID_TTL; R unused, 0), 00 and 11
//   are free for other userspace users;
//   R: 0 = OFPR_NO_MATCH (the rule was a table-miss entry), 1 = OFPR_ACTION.
//   A TTL expiry reaches the control plane as an upcall with reason UPCALL_TTL carrying the
//   dec-TTL record's userdata: the table and cookie of the rule whose action expired it
//   (OpenFlow 1.3.5 §7.4.1); max_len is OFPCML_NO_BUFFER there (miss_send_len caps it).
// Invariants: equal (cookie, max_len) pairs share a handle; a handle is never reused while
//   the table lives (megaflows may still carry it), so the table only grows until `reset()`,
//   which the owner calls only after flushing every megaflow. When 2^21 pairs are interned,
//   encode returns undefined and translation fails closed.
// Threading: main thread.

export const USERDATA_KIND_SHIFT = 30;
export const USERDATA_KIND_CONTROLLER = 1;
export const USERDATA_KIND_TTL = 2;
export const USERDATA_HANDLE_BITS = 21;
const HANDLE_MASK = (1 << USERDATA_HANDLE_BITS) - 1;

/** OpenFlow packet-in reasons this encoding carries (OFPR_*). */
export const PACKET_IN_REASON = { NO_MATCH: 0, ACTION: 1, INVALID_TTL: 2 } as const;

export interface ControllerPacketIn {
  reason: (typeof PACKET_IN_REASON)[keyof typeof PACKET_IN_REASON];
  tableId: number;
  cookie: bigint;
  /** Bytes of the packet to send (OFPCML_NO_BUFFER = 0xffff: all of it). */
  maxLen: number;
}

export class ControllerUserdata {
  private readonly entries: Array<{ cookie: bigint; maxLen: number }> = [];
  private readonly index = new Map<string, number>();

  get size(): number {
    return this.entries.length;
  }

  encode(p: ControllerPacketIn): number | undefined {
    const k = `${p.cookie}/${p.maxLen}`;
    let handle = this.index.get(k);
    if (handle === undefined) {
      if (this.entries.length > HANDLE_MASK) return undefined;
      handle = this.entries.length;
      this.entries.push({ cookie: p.cookie, maxLen: p.maxLen });
      this.index.set(k, handle);
    }
    const ttl = p.reason === PACKET_IN_REASON.INVALID_TTL;
    const kind = ttl ? USERDATA_KIND_TTL : USERDATA_KIND_CONTROLLER;
    const r = p.reason === PACKET_IN_REASON.ACTION ? 1 : 0;
    return ((kind << USERDATA_KIND_SHIFT) | (r << 29) | ((p.tableId & 0xff) << 21) | handle) >>> 0;
  }

  decode(userdata: number): ControllerPacketIn | undefined {
    const kind = userdata >>> USERDATA_KIND_SHIFT;
    if (kind !== USERDATA_KIND_CONTROLLER && kind !== USERDATA_KIND_TTL) return undefined;
    const e = this.entries[userdata & HANDLE_MASK];
    if (!e) return undefined;
    const reason =
      kind === USERDATA_KIND_TTL
        ? PACKET_IN_REASON.INVALID_TTL
        : (userdata >>> 29) & 1
          ? PACKET_IN_REASON.ACTION
          : PACKET_IN_REASON.NO_MATCH;
    return { reason, tableId: (userdata >>> 21) & 0xff, cookie: e.cookie, maxLen: e.maxLen };
  }

  /** Forgets every handle; only after every megaflow carrying one is gone. */
  reset(): void {
    this.entries.length = 0;
    this.index.clear();
  }
}
