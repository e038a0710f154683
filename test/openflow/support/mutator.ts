// Mutated OpenFlow messages for the fuzz tests: the in-process decoder fuzz
// (test/openflow/messages/mutation-fuzz.test.ts) and the fuzz of a running daemon over a socket
// (test/integration/openflow/daemon-fuzz.test.ts) draw from this one generator.
//
// What: `Mutator` turns the valid fixtures of test/fixtures/openflow (every family, made by
//   os-ken and ovs-ofctl captures) into an endless, seeded stream of mutants; `decoderVerdict`
//   applies the decoder contract to one mutant.
// Design: each mutant is one fixture with one strategy applied (sometimes two stacked):
//
//   flip      1–4 random bytes set anywhere (header version/type included)
//   bit       one bit flipped past the header
//   type      the header's type byte replaced (0..35, or any byte)
//   truncate  cut short after the header
//   inner-len a 16-bit length somewhere in the body lied about (match, action, bucket…)
//   insert    1–16 random bytes inserted in the body
//   splice    the head of one fixture joined to the tail of another (any family)
//   extend    random bytes appended
//   frame-len the header's length field lied about (only when framing need not stay honest)
//
// A socket peer cannot send a header length that disagrees with the bytes sent (the stream would
// lose its framing), so `honestFraming` (default true) rewrites the length field to the size; the
// frame-len strategy is then replaced by a flip. The xid can be set by the caller so replies are
// matched to requests.
// Invariants: the same seed gives the same stream; a mutant is never longer than 65535 bytes.

import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { OfpError } from "../../../openflow/errors.ts";
import { decodeMessage, encodeMessage, type OfpMessage } from "../../../openflow/message.ts";
import { Rng } from "../../support/frames.ts";

const FIXTURES = fileURLToPath(new URL("../../fixtures/openflow/", import.meta.url));

/** Every fixture of test/fixtures/openflow, by name (without .hex). */
export function allFixtures(): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const f of readdirSync(FIXTURES).sort()) {
    if (!f.endsWith(".hex")) continue;
    const hex = readFileSync(`${FIXTURES}${f}`, "utf8").replace(/\s+/g, "");
    out.set(f.slice(0, -4), Uint8Array.from(Buffer.from(hex, "hex")));
  }
  return out;
}

export const STRATEGIES = [
  "flip",
  "bit",
  "type",
  "truncate",
  "inner-len",
  "insert",
  "splice",
  "extend",
  "frame-len",
] as const;
export type Strategy = (typeof STRATEGIES)[number];

export interface MutatorOptions {
  seed: number;
  /** Keep the header length field equal to the size (a stream peer must). Default true. */
  honestFraming?: boolean;
}

const MAX_MESSAGE = 0xffff;

export class Mutator {
  private readonly rng: Rng;
  private readonly honest: boolean;
  private readonly seeds: Uint8Array[];
  /** The strategy that made the last mutant (the first one, when two were stacked). */
  lastStrategy: Strategy = "flip";

  constructor(fixtures: Iterable<Uint8Array>, opts: MutatorOptions) {
    this.seeds = [...fixtures];
    if (this.seeds.length === 0) throw new Error("no fixtures to mutate");
    this.rng = new Rng(opts.seed);
    this.honest = opts.honestFraming ?? true;
  }

  /** The next mutant (a fresh buffer the caller owns). */
  next(): Uint8Array {
    const r = this.rng;
    let b = this.seeds[r.below(this.seeds.length)];
    let strategy = STRATEGIES[r.below(STRATEGIES.length)];
    if (strategy === "frame-len" && this.honest) strategy = "flip";
    this.lastStrategy = strategy;
    b = this.apply(strategy, b);
    if (r.below(8) === 0) b = this.apply(STRATEGIES[r.below(STRATEGIES.length - 1)], b); // stacked
    if (b.length > MAX_MESSAGE) b = b.slice(0, MAX_MESSAGE);
    if (this.honest || strategy !== "frame-len") new DataView(b.buffer, b.byteOffset).setUint16(2, b.length);
    return b;
  }

  private apply(strategy: Strategy, src: Uint8Array): Uint8Array {
    const r = this.rng;
    const body = src.length - 8; // bytes past the header (fixtures all have the 8-byte header)
    switch (strategy) {
      case "flip": {
        const b = src.slice();
        for (let i = 0, n = 1 + r.below(4); i < n; i++) b[r.below(b.length)] = r.next() & 0xff;
        return b;
      }
      case "bit": {
        const b = src.slice();
        if (body > 0) b[8 + r.below(body)] ^= 1 << r.below(8);
        return b;
      }
      case "type": {
        const b = src.slice();
        b[1] = r.below(4) === 0 ? r.next() & 0xff : r.below(36);
        return b;
      }
      case "truncate":
        return src.slice(0, 8 + r.below(body + 1));
      case "inner-len": {
        const b = src.slice();
        if (body >= 2) {
          const lie = [0, 4, 8, r.next() & 0xffff, (r.next() & 0xfff8) >>> 0][r.below(5)];
          new DataView(b.buffer).setUint16(8 + r.below(body - 1), lie);
        }
        return b;
      }
      case "insert": {
        const at = 8 + r.below(body + 1);
        return concat(src.subarray(0, at), r.bytes(1 + r.below(16)), src.subarray(at));
      }
      case "splice": {
        const other = this.seeds[r.below(this.seeds.length)];
        const cut = 8 + r.below(body + 1);
        const from = 8 + r.below(other.length - 7);
        return concat(src.subarray(0, cut), other.subarray(from));
      }
      case "extend":
        return concat(src, r.bytes(1 + r.below(64)));
      case "frame-len": {
        const b = src.slice();
        const lie = [0, 7, 8, b.length - 1, b.length + 1, r.next() & 0xffff][r.below(6)];
        new DataView(b.buffer).setUint16(2, lie);
        return b;
      }
    }
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export type Verdict = { ok: true; message: OfpMessage; reencoded: Uint8Array } | { ok: false; error: OfpError };

/**
 * The decoder contract for any input: decodeMessage either throws an OfpError (the codec's own
 * error type: anything else is rethrown as a bug with the input in hex), or returns a message
 * that encodes, and whose encoding decodes and encodes again to the same bytes.
 */
export function decoderVerdict(bytes: Uint8Array): Verdict {
  let message: OfpMessage;
  try {
    message = decodeMessage(bytes);
  } catch (e) {
    if (e instanceof OfpError) return { ok: false, error: e };
    throw new Error(`decoder threw ${(e as Error)?.stack ?? e} for ${Buffer.from(bytes).toString("hex")}`);
  }
  const hex = () => Buffer.from(bytes).toString("hex");
  let reencoded: Uint8Array;
  let again: Uint8Array;
  try {
    reencoded = encodeMessage(message);
    again = encodeMessage(decodeMessage(reencoded));
  } catch (e) {
    throw new Error(`decoded ${message.kind} does not re-encode: ${(e as Error)?.message ?? e} for ${hex()}`);
  }
  if (Buffer.compare(reencoded, again) !== 0) throw new Error(`${message.kind} re-encodes unstably for ${hex()}`);
  return { ok: true, message, reencoded };
}
