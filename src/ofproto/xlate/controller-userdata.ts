// Userdata of the datapath USERSPACE action that output:CONTROLLER translates to, and of the
// dec-TTL records (A_DEC_TTL, A_DEC_MPLS_TTL): enough for the control plane to build the
// PACKET_IN (reason, table id, cookie, max_len, and the pipeline fields metadata and
// tunnel_id) from the upcall.
//
// What: ControllerUserdata.encode({reason, tableId, cookie, maxLen, metadata?, tunnelId?}) →
//   u32 userdata; decode(u32) → the same fields (metadata, tunnelId 0 when not given), or
//   undefined when the userdata is not a controller one.
// Design: the datapath carries a single u32 (A_USERSPACE payload), too small for a 64-bit
//   cookie, a 16-bit max_len and the two 64-bit pipeline fields, so those are interned in a
//   table and the u32 carries a handle to them, next to the fields that fit directly.
//   metadata and tunnel_id are translation-time values (pipeline-flow.ts: written by rules
//   already matched, never read from the packet), equal for every packet of the megaflow
//   carrying this action, so a handle per distinct value is exact (OpenFlow 1.3.5 §7.4.1: the
//   packet-in match carries the pipeline fields):
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
// Invariants: equal (cookie, max_len, metadata, tunnel_id) tuples share a handle; a handle is
//   never reused while the table lives (megaflows may still carry it), so the table only grows
//   until `reset()`, which the owner calls only after flushing every megaflow. (The tuples are
//   bounded by the rules: metadata and tunnel_id come from their write_metadata / set_field
//   constants, never from packets.) When 2^21 tuples are interned,
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
  /** The pipeline's metadata and tunnel_id where the CONTROLLER action ran (default 0). */
  metadata?: bigint;
  tunnelId?: bigint;
}

interface Interned {
  cookie: bigint;
  maxLen: number;
  metadata: bigint;
  tunnelId: bigint;
}

/** What translation needs: the userdata for a CONTROLLER output (undefined: table full). */
export interface UserdataEncoder {
  encode(p: ControllerPacketIn): number | undefined;
}

function userdataOf(p: ControllerPacketIn, handle: number): number {
  const kind = p.reason === PACKET_IN_REASON.INVALID_TTL ? USERDATA_KIND_TTL : USERDATA_KIND_CONTROLLER;
  const r = p.reason === PACKET_IN_REASON.ACTION ? 1 : 0;
  return ((kind << USERDATA_KIND_SHIFT) | (r << 29) | ((p.tableId & 0xff) << 21) | handle) >>> 0;
}

/** The interned part of a packet-in: what the handle stands for. */
const internKey = (p: ControllerPacketIn) => `${p.cookie}/${p.maxLen}/${p.metadata ?? 0n}/${p.tunnelId ?? 0n}`;

export class ControllerUserdata implements UserdataEncoder {
  private readonly entries: Interned[] = [];
  private readonly index = new Map<string, number>();

  get size(): number {
    return this.entries.length;
  }

  encode(p: ControllerPacketIn): number | undefined {
    const metadata = p.metadata ?? 0n;
    const tunnelId = p.tunnelId ?? 0n;
    const k = internKey(p);
    let handle = this.index.get(k);
    if (handle === undefined) {
      if (this.entries.length > HANDLE_MASK) return undefined;
      handle = this.entries.length;
      this.entries.push({ cookie: p.cookie, maxLen: p.maxLen, metadata, tunnelId });
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
        const k = internKey(p);
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

  decode(userdata: number): Required<ControllerPacketIn> | undefined {
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
    return { reason, tableId: (userdata >>> 21) & 0xff, ...e };
  }

  /** Forgets every handle; only after every megaflow carrying one is gone. */
  reset(): void {
    this.entries.length = 0;
    this.index.clear();
  }
}
