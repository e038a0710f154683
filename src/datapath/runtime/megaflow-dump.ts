// A snapshot of the fast path's megaflows, taken on the datapath worker for `dpctl dump-flows`.
//
// What: dumpMegaflows(fp, handles, installedAt, now) → one DumpedMegaflow per live megaflow the
//   control plane installed: its handle, key, mask and action list (copies), packet and byte
//   counts, last use and install time on the datapath clock, and how many exact-match cache
//   entries serve it right now.
// Design: "which cache served them": the fast path counts, per megaflow, the packets the
//   classifier found (only on the classifier path, in the record's line it just compared);
//   the rest of its packets were EMC hits, so EMC hits cost nothing extra. The dump also
//   reports EMC residency — emcTally walks the cache once and counts, per megaflow, the
//   entries whose stamp is still live: emc > 0 means the cache serves it now.
// Invariants: everything returned is a copy (structured-clone safe); the fast path's flows and
//   caches are not changed.
// Threading: the worker thread, between batches.

import type { FastPath } from "../fastpath-module.ts";
import { KEY_SIZE } from "../flow-key.ts";

export interface DumpedMegaflow {
  handle: number;
  key: Uint8Array;
  mask: Uint8Array;
  actions: Uint8Array;
  packets: number;
  /** Of `packets`, those the megaflow classifier found (the others were EMC hits). */
  classifierHits: number;
  bytes: number;
  /** Datapath clock (ms, wrapping u32) of the last hit; 0 with packets 0 means never. */
  used: number;
  /** Datapath clock when it was installed. */
  installed: number;
  tcpFlags: number;
  /** Exact-match cache entries pointing at it now. */
  emc: number;
}

export interface MegaflowDump {
  /** The datapath clock when the dump was taken (ms, wrapping u32). */
  now: number;
  flows: DumpedMegaflow[];
}

/** Snapshot of every megaflow in `handleToId` (control-plane handle → fast-path id). */
export function dumpMegaflows(
  fp: FastPath,
  handleToId: ReadonlyMap<number, number>,
  installedAt: Uint32Array,
  now: number,
): MegaflowDump {
  const hw = fp.megaflowHighWater();
  const at = fp.emcTally(hw);
  const tally = new Uint32Array(fp.memory.buffer, at, hw).slice();
  const mem = () => new Uint8Array(fp.memory.buffer);
  const flows: DumpedMegaflow[] = [];
  for (const [handle, id] of handleToId) {
    if (!fp.megaflowIsLive(id)) continue;
    const k = fp.megaflowKeyPtr(id);
    const m = fp.megaflowMaskPtr(id);
    const a = fp.megaflowActions(id);
    const alen = fp.megaflowActionsLen(id);
    const bytes = mem();
    flows.push({
      handle,
      key: bytes.slice(k, k + KEY_SIZE),
      mask: bytes.slice(m, m + KEY_SIZE),
      actions: bytes.slice(a, a + alen),
      packets: Number(fp.megaflowPackets(id)),
      classifierHits: Number(fp.megaflowClassifierHits(id)),
      bytes: Number(fp.megaflowBytes(id)),
      used: fp.megaflowUsed(id),
      installed: installedAt[id] ?? 0,
      tcpFlags: fp.megaflowTcpFlags(id),
      emc: tally[id] ?? 0,
    });
  }
  return { now, flows };
}
