// A bridge's OpenFlow meter table: METER_MOD semantics of OpenFlow 1.3.5 (§5.7, §6.6, §7.3.4.4)
// and the fast-path meter slots that carry the meters.
//
// What: MeterTable.plan(meterMod) validates a decoded METER_MOD against the table and returns
//   the change it asks for — add, modify, or delete (of one meter or, with OFPM_ALL, every
//   one) — without changing anything; commit(change) applies it. The caller (ofproto.ts) puts
//   the change into the datapath between the two, so a refusal there changes nothing either.
//   MeterSlots hands out fast-path meter slots (assembly/meters/, one datapath for every
//   bridge) and takes them back.
// Design: errors are OfpError METER_MOD_FAILED/*, checked in this order:
//     BAD_COMMAND     command not ADD / MODIFY / DELETE
//     INVALID_METER   meter_id 0 or above OFPM_MAX; for DELETE, OFPM_ALL deletes every meter.
//                     The virtual meters OFPM_SLOWPATH and OFPM_CONTROLLER are refused too:
//                     we have no slow-path or controller-channel rate limiter to attach them to
//                     (and deleting them, which could never have been added, is refused alike).
//     (DELETE)        an unknown meter is no error and no change (§6.6).
//     METER_EXISTS    ADD of a meter the table has;  UNKNOWN_METER  MODIFY of one it has not
//     BAD_FLAGS       bits beyond KBPS|PKTPS|BURST|STATS, or KBPS and PKTPS together (neither
//                     means kbit/s, the spec's first unit, as the fast path counts it)
//     OUT_OF_BANDS    more than MAX_BANDS bands
//     BAD_BAND        an EXPERIMENTER band (unknown band types fail in the codec, meter-bands.ts)
//     BAD_RATE        a band rate of 0 (it could never pass a packet; 1.3.5 gives no meaning)
//     BAD_BURST       OFPMF_BURST with a band burst_size of 0
//     BAD_BAND_VALUE  a DSCP_REMARK band with prec_level 0 (a remark that changes nothing)
//     OUT_OF_METERS   ADD beyond maxMeters, or no free fast-path slot
//     UNKNOWN         the datapath could not take the change (ofproto.ts: its ring is full)
//   Without OFPMF_BURST (or with burst_size 0) the fast path allows one second of the band's
//   rate as burst, as Open vSwitch's userspace datapath does; a modify keeps the meter's slot
//   (the fast path updates it in place, counters kept) and its creation time.
// Invariants: plan() never changes the table; after commit() every meter has a distinct slot
//   taken from the MeterSlots it was built with.
// Threading: main thread.

import { OFPM_ALL, OFPM_CONTROLLER, OFPM_MAX, OFPM_SLOWPATH } from "../../openflow/constants.ts";
import { METER_MOD_FAILED, OFPET, OfpError } from "../../openflow/errors.ts";
import type { MeterBand } from "../../openflow/messages/meter-bands.ts";
import { type MeterModMessage, OFPMC, OFPMF } from "../../openflow/messages/meter-mod.ts";

/** Bands per meter and fast-path slots: the limits of assembly/meters/meter-table.ts. */
export const METER_MAX_BANDS = 8;
export const METER_SLOTS = 4096;

export const OFPMF_KNOWN = OFPMF.KBPS | OFPMF.PKTPS | OFPMF.BURST | OFPMF.STATS;

export type MeterModRequest = Omit<MeterModMessage, "kind" | "xid">;

export interface Meter {
  meterId: number;
  flags: number;
  bands: MeterBand[];
  /** Fast-path slot (assembly/meters/). */
  slot: number;
  /** Caller's clock (ms) when added: the stats' duration. */
  created: number;
}

export type MeterChange =
  | { kind: "add"; meter: Meter }
  | { kind: "modify"; meter: Meter; old: Meter }
  | { kind: "delete"; meters: Meter[] };

/** Fast-path meter slots, shared by every bridge of a datapath. */
export class MeterSlots {
  private readonly free: number[] = [];
  private next = 0;

  constructor(readonly capacity = METER_SLOTS) {}

  /** A free slot, or undefined when all are taken. */
  peek(): number | undefined {
    if (this.free.length > 0) return this.free[this.free.length - 1];
    return this.next < this.capacity ? this.next : undefined;
  }

  take(): number {
    const s = this.free.pop() ?? this.next++;
    if (s >= this.capacity) throw new Error("no free meter slot");
    return s;
  }

  give(slot: number): void {
    this.free.push(slot);
  }
}

function failed(code: number, detail: string): OfpError {
  return new OfpError(OFPET.METER_MOD_FAILED, code, detail);
}

function checkBands(flags: number, bands: readonly MeterBand[]): void {
  if ((flags & ~OFPMF_KNOWN) !== 0) {
    throw failed(METER_MOD_FAILED.BAD_FLAGS, `unknown meter flag bits 0x${(flags & ~OFPMF_KNOWN).toString(16)}`);
  }
  if ((flags & OFPMF.KBPS) !== 0 && (flags & OFPMF.PKTPS) !== 0) {
    throw failed(METER_MOD_FAILED.BAD_FLAGS, "KBPS and PKTPS together");
  }
  if (bands.length > METER_MAX_BANDS) {
    throw failed(METER_MOD_FAILED.OUT_OF_BANDS, `${bands.length} bands (at most ${METER_MAX_BANDS})`);
  }
  for (const [i, band] of bands.entries()) {
    if (band.type === "experimenter") {
      throw failed(METER_MOD_FAILED.BAD_BAND, `band ${i}: experimenter bands are not supported`);
    }
    if (band.rate === 0) throw failed(METER_MOD_FAILED.BAD_RATE, `band ${i}: rate 0`);
    if ((flags & OFPMF.BURST) !== 0 && band.burstSize === 0) {
      throw failed(METER_MOD_FAILED.BAD_BURST, `band ${i}: OFPMF_BURST with burst_size 0`);
    }
    if (band.type === "dscp-remark" && band.precLevel === 0) {
      throw failed(METER_MOD_FAILED.BAD_BAND_VALUE, `band ${i}: DSCP_REMARK with prec_level 0`);
    }
  }
}

export class MeterTable {
  private readonly meters = new Map<number, Meter>();

  constructor(
    private readonly slots: MeterSlots,
    readonly maxMeters = slots.capacity,
  ) {}

  get size(): number {
    return this.meters.size;
  }

  has(meterId: number): boolean {
    return this.meters.has(meterId >>> 0);
  }

  get(meterId: number): Meter | undefined {
    return this.meters.get(meterId >>> 0);
  }

  /** Meters in id order. */
  list(): Meter[] {
    return [...this.meters.values()].sort((a, b) => a.meterId - b.meterId);
  }

  /** Validates a METER_MOD and returns its change (throws OfpError; changes nothing). */
  plan(mm: MeterModRequest, now: number): MeterChange {
    const id = mm.meterId >>> 0;
    if (mm.command !== OFPMC.ADD && mm.command !== OFPMC.MODIFY && mm.command !== OFPMC.DELETE) {
      throw failed(METER_MOD_FAILED.BAD_COMMAND, `command ${mm.command}`);
    }
    if (mm.command === OFPMC.DELETE && id === OFPM_ALL) return { kind: "delete", meters: this.list() };
    if (id === 0 || id > OFPM_MAX) {
      const name = id === OFPM_SLOWPATH ? " (SLOWPATH)" : id === OFPM_CONTROLLER ? " (CONTROLLER)" : "";
      throw failed(METER_MOD_FAILED.INVALID_METER, `meter id 0x${id.toString(16)}${name}`);
    }
    const existing = this.meters.get(id);
    if (mm.command === OFPMC.DELETE) return { kind: "delete", meters: existing ? [existing] : [] };
    if (mm.command === OFPMC.ADD && existing) throw failed(METER_MOD_FAILED.METER_EXISTS, `meter ${id}`);
    if (mm.command === OFPMC.MODIFY && !existing) throw failed(METER_MOD_FAILED.UNKNOWN_METER, `meter ${id}`);
    checkBands(mm.flags, mm.bands);
    const bands = mm.bands.map((b) => ({ ...b }));
    if (existing) {
      return { kind: "modify", old: existing, meter: { ...existing, flags: mm.flags, bands } };
    }
    const slot = this.meters.size < this.maxMeters ? this.slots.peek() : undefined;
    if (slot === undefined) {
      throw failed(METER_MOD_FAILED.OUT_OF_METERS, `${this.meters.size} meters (at most ${this.maxMeters})`);
    }
    return { kind: "add", meter: { meterId: id, flags: mm.flags, bands, slot, created: now } };
  }

  /** Applies a change plan() returned (and nothing else changed the table since). */
  commit(change: MeterChange): void {
    switch (change.kind) {
      case "add": {
        const slot = this.slots.take();
        if (slot !== change.meter.slot) throw new Error(`meter slot ${change.meter.slot} was taken meanwhile`);
        this.meters.set(change.meter.meterId, change.meter);
        return;
      }
      case "modify":
        this.meters.set(change.meter.meterId, change.meter);
        return;
      case "delete":
        for (const m of change.meters) {
          if (this.meters.get(m.meterId) !== m) continue;
          this.meters.delete(m.meterId);
          this.slots.give(m.slot);
        }
        return;
    }
  }

  /** Forgets every meter, giving their slots back (the bridge is going away). */
  clear(): Meter[] {
    const all = this.list();
    this.commit({ kind: "delete", meters: all });
    return all;
  }
}
