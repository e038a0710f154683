// Drives the WASM executor from tests: one packet in through dpExecute, everything that came
// out collected (tx batches per port, upcall records), buffer accounting checked, the queues
// drained, and the action.* counter increments reported.
//
// Ownership: the harness holds one APP buffer for its own scratch (the action list and the
// audit id array); every run checks the audit with that buffer as the only APP one and that
// the free count is back to pool size - 1 after draining.

import { createFastPath, type FastPath, readCounters } from "../../../src/datapath/fastpath-module.ts";
import { type ModelOutcome, type Parsed, parsedFrom } from "../../reference/actions-model.ts";
import { parseModel } from "../../reference/parser-model.ts";

export interface RunUpcall {
  reason: number;
  userdata: number;
  key: Uint8Array;
  bytes: Uint8Array;
}

export interface RunResult {
  tx: Map<number, Uint8Array[]>;
  upcalls: RunUpcall[];
  /** action.* counter increments (zero entries left out). */
  counters: Record<string, number>;
  /** Every counter's increment (tx.*, pool.*, ...). */
  all: Record<string, number>;
  /** Buffer-audit violations right after the run (must be 0). */
  audit: number;
  /** Free buffers after draining, minus the pool size less the harness's scratch buffer. */
  leaked: number;
}

const LIST_AREA = 0;
const IDS_AREA = 1536;

export class ActionHarness {
  private constructor(
    readonly fp: FastPath,
    private readonly scratch: number,
  ) {}

  static async create(buffers = 256): Promise<ActionHarness> {
    const fp = await createFastPath({ buffers });
    const scratch = fp.bufferAlloc();
    return new ActionHarness(fp, scratch);
  }

  private mem(): Uint8Array {
    return new Uint8Array(this.fp.memory.buffer);
  }

  /** Writes bytes into the scratch buffer's data area at `at`; returns the address. */
  scratchWrite(bytes: Uint8Array, at = LIST_AREA): number {
    if (at + bytes.length > IDS_AREA + 512) throw new Error("scratch overflow");
    const p = this.fp.bufferData(this.scratch) + at;
    this.mem().set(bytes, p);
    return p;
  }

  /** Defines a port set in the WASM; returns what actionsPortSetDefine returned. */
  defineSet(set: number, ports: number[]): number {
    const b = new Uint8Array(4 * ports.length);
    const dv = new DataView(b.buffer);
    ports.forEach((p, i) => {
      dv.setUint32(4 * i, p >>> 0, true);
    });
    return this.fp.actionsPortSetDefine(set, this.scratchWrite(b, 512), ports.length);
  }

  /** Puts frame in a fresh buffer (owner APP). */
  load(frame: Uint8Array): number {
    const id = this.fp.bufferAlloc();
    if (id < 0) throw new Error("pool empty");
    this.mem().set(frame, this.fp.bufferData(id));
    this.fp.bufferSetLength(id, frame.length);
    return id;
  }

  /** What the parser makes of frame, by the WASM parser (dpParse) and the reference model. */
  parsedBoth(frame: Uint8Array, inPort: number): { wasm: Parsed; model: Parsed } {
    const id = this.load(frame);
    const keyPtr = this.fp.dpParse(id);
    const key = new Uint8Array(this.fp.memory.buffer, keyPtr, 112).slice();
    new DataView(key.buffer).setUint32(0, inPort, true);
    const wasm = parsedFrom(key, this.fp.bufferL3(id), this.fp.bufferL4(id));
    this.fp.bufferFree(id);
    const m = parseModel(frame, inPort);
    return { wasm, model: parsedFrom(m.key, m.l3, m.l4) };
  }

  /** Runs `list` over frame received on inPort, collects and drains everything. */
  run(frame: Uint8Array, inPort: number, list: Uint8Array): RunResult {
    const fp = this.fp;
    const before = readCounters(fp);
    const id = this.load(frame);
    const listPtr = this.scratchWrite(list, LIST_AREA);
    fp.dpExecute(id, inPort, listPtr, list.length);

    const tx = new Map<number, Uint8Array[]>();
    for (let p = fp.txNextPort(0); p >= 0; p = fp.txNextPort(p + 1)) {
      const n = fp.txCount(p);
      const ids = new Uint32Array(fp.memory.buffer, fp.txBatchIds(p), n).slice();
      tx.set(
        p,
        Array.from(ids, (b) => this.bytesOf(b)),
      );
    }
    const upcalls: RunUpcall[] = [];
    for (let i = 0; i < fp.upcallCount(); i++) {
      const r = fp.upcallRecord(i);
      const dv = new DataView(fp.memory.buffer, r, 128);
      const bid = dv.getUint32(0, true);
      upcalls.push({
        reason: dv.getUint32(4, true),
        userdata: dv.getUint32(8, true),
        key: new Uint8Array(fp.memory.buffer, r + 16, 112).slice(),
        bytes: this.bytesOf(bid),
      });
    }
    const idsPtr = this.scratchWrite(new Uint8Array(new Uint32Array([this.scratch]).buffer), IDS_AREA);
    const audit = fp.bufferAudit(idsPtr, 1);
    fp.txDrainAll();
    fp.upcallClear();
    const leaked = fp.bufferCount() - 1 - fp.bufferFreeCount();
    const after = readCounters(fp);
    const all: Record<string, number> = {};
    const counters: Record<string, number> = {};
    for (const [name, v] of Object.entries(after)) {
      const d = Number(v - (before[name] ?? 0n));
      if (d === 0) continue;
      all[name] = d;
      if (name.startsWith("action.")) counters[name] = d;
    }
    return { tx, upcalls, counters, all, audit, leaked };
  }

  private bytesOf(id: number): Uint8Array {
    return new Uint8Array(this.fp.memory.buffer, this.fp.bufferData(id), this.fp.bufferLength(id)).slice();
  }
}

/** A RunResult in the model's terms, for toEqual against a ModelOutcome. */
export function observable(r: RunResult | ModelOutcome): {
  tx: [number, string[]][];
  upcalls: { reason: number; userdata: number; bytes: string }[];
  counters: Record<string, number>;
} {
  const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
  return {
    tx: [...r.tx.entries()].sort((a, b) => a[0] - b[0]).map(([p, l]) => [p, l.map(hex)]),
    upcalls: r.upcalls.map((u) => ({ reason: u.reason, userdata: u.userdata, bytes: hex(u.bytes) })),
    counters: r.counters,
  };
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
