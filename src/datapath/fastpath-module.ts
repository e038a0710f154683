// Loads the WASM fast path (build/wasmvs.wasm, built by `npm install` / `npm test`).
//
// What: compiles the module once per process and instantiates it as many times as asked; each
//   instance is one datapath (its own memory, buffers, caches, counters).
// Design: asc's generated "raw" bindings (build/wasmvs.js) adapt return values (u32 >>> 0,
//   strings lifted from memory) and leave instantiation to us, so the same compiled
//   WebAssembly.Module can be handed to worker threads. We chose them over
//   @assemblyscript/loader because they are generated from the exports themselves (typed
//   .d.ts included) and need no extra dependency.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { instantiate } from "../../build/wasmvs.js";
import { DROP_REASON } from "./datapath-actions.ts";

/** Prefix of the per-reason drop counters readDropReasons names. */
export const DROP_REASON_COUNTER_PREFIX = "action.drop.";

export type FastPath = Awaited<ReturnType<typeof instantiate>>;

const WASM_FILES = {
  release: new URL("../../build/wasmvs.wasm", import.meta.url),
  debug: new URL("../../build/wasmvs.debug.wasm", import.meta.url),
  /** Release without the port-capture hooks (`npm run bench` builds it for its A/B case). */
  nocapture: new URL("../../build/wasmvs.nocapture.wasm", import.meta.url),
};

const modules = new Map<string, WebAssembly.Module>();

/** The compiled module ("release": -O3, no asserts; "debug": asserts and names;
 *  "nocapture": release built with WASMVS_NO_CAPTURE, for benchmarks only). */
export function fastPathModule(flavour: keyof typeof WASM_FILES = "release"): WebAssembly.Module {
  let m = modules.get(flavour);
  if (!m) {
    m = new WebAssembly.Module(readFileSync(fileURLToPath(WASM_FILES[flavour])));
    modules.set(flavour, m);
  }
  return m;
}

export interface FastPathOptions {
  buffers?: number;
  dataRoom?: number;
  emcEntries?: number;
  maxFlows?: number;
  flavour?: keyof typeof WASM_FILES;
}

/** A new, initialised datapath instance. */
export async function createFastPath(opts: FastPathOptions = {}): Promise<FastPath> {
  const fp = await instantiate(fastPathModule(opts.flavour), { env: {} });
  fp.dpInit(opts.buffers ?? 4096, opts.dataRoom ?? 0, opts.emcEntries ?? 8192, opts.maxFlows ?? 65536);
  return fp;
}

/** The fast path's A_DROP counts by DROP_REASON, named `action.drop.<reason>` (lower case). */
export function readDropReasons(fp: FastPath): Record<string, bigint> {
  const out: Record<string, bigint> = {};
  for (const [name, reason] of Object.entries(DROP_REASON)) {
    out[`${DROP_REASON_COUNTER_PREFIX}${name.toLowerCase()}`] = BigInt(fp.actionsDropCount(reason));
  }
  return out;
}

/** Counter values by name (the table in assembly/counters/counters.ts). */
export function readCounters(fp: FastPath): Record<string, bigint> {
  const out: Record<string, bigint> = {};
  const n = fp.counterCount();
  for (let i = 0; i < n; i++) out[fp.counterName(i)] = BigInt(fp.counterValue(i));
  return out;
}
