// Drives the WASM parser from tests: frames placed so their last byte is the last byte of
// linear memory, so any read past [pkt, pkt+len) traps instead of passing unnoticed.
//
// Design: one page is grown from JS after dpInit; the allocator never hands it out (it only
// grows memory itself, above the current size), so the page belongs to the harness. The key
// goes into a pool buffer. Bytes before the frame are filled with 0xa5 junk so a parser that
// peeks in front of pkt differs from the model.

import { readFileSync } from "node:fs";
import { createFastPath, type FastPath } from "../../../src/datapath/fastpath-module.ts";
import { KEY_SIZE } from "../../reference/parser-model.ts";

export interface WasmParse {
  key: Uint8Array;
  l3: number;
  l4: number;
}

const PAGE = 65536;

export class ParseHarness {
  private constructor(
    readonly fp: FastPath,
    private readonly keyPtr: number,
    private readonly counterIndex: Map<string, number>,
  ) {}

  static async create(): Promise<ParseHarness> {
    const fp = await createFastPath({ buffers: 64 });
    const keyBuf = fp.bufferAlloc();
    const keyPtr = fp.bufferData(keyBuf);
    fp.memory.grow(1);
    const index = new Map<string, number>();
    for (let i = 0; i < fp.counterCount(); i++) index.set(fp.counterName(i), i);
    return new ParseHarness(fp, keyPtr, index);
  }

  /** Parses `frame` (all of it, or its first `len` bytes) at the very end of memory. */
  parse(frame: Uint8Array, inPort = 0, len = frame.length): WasmParse {
    const mem = new Uint8Array(this.fp.memory.buffer);
    const pkt = mem.length - len;
    if (pkt < mem.length - PAGE) throw new Error("frame longer than the harness page");
    mem.fill(0xa5, mem.length - PAGE, pkt);
    mem.set(frame.subarray(0, len), pkt);
    const r = this.fp.parseAt(pkt, len, inPort, this.keyPtr) >>> 0;
    const key = new Uint8Array(this.fp.memory.buffer, this.keyPtr, KEY_SIZE).slice();
    return { key, l3: r & 0xffff, l4: r >>> 16 };
  }

  counter(name: string): bigint {
    const i = this.counterIndex.get(name);
    if (i === undefined) throw new Error(`no counter ${name}`);
    return BigInt(this.fp.counterValue(i));
  }

  /** All parse.* counters, by name. */
  parseCounters(): Map<string, bigint> {
    const out = new Map<string, bigint>();
    for (const [name, i] of this.counterIndex)
      if (name.startsWith("parse.")) out.set(name, BigInt(this.fp.counterValue(i)));
    return out;
  }
}

/** Counter increments between two parseCounters() snapshots, as a sorted name list. */
export function counterDelta(before: Map<string, bigint>, after: Map<string, bigint>): string[] {
  const out: string[] = [];
  for (const [name, v] of after) {
    const d = Number(v - (before.get(name) ?? 0n));
    for (let i = 0; i < d; i++) out.push(name);
  }
  return out.sort();
}

export function loadFrame(name: string): Uint8Array {
  const text = readFileSync(new URL(`../../fixtures/frames/${name}.hex`, import.meta.url), "utf8");
  return Uint8Array.from(Buffer.from(text.replace(/\s+/g, ""), "hex"));
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
