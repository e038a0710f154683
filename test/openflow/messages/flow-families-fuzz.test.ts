// Fuzz: 100,000 mutated os-ken fixtures of the flow-related families through decodeMessage.
// Only OfpError may escape; whatever decodes must re-encode and decode to the same message.

import { describe, expect, it } from "vitest";
import { OfpError } from "../../../openflow/errors.ts";
import { decodeMessage, encodeMessage } from "../../../openflow/message.ts";
import { fixture, fixtureNames } from "./flow-fixtures.ts";

const FAMILIES = ["flow-mod-", "group-mod-", "meter-mod-", "packet-in-", "packet-out-", "flow-removed-"];
const SEEDS = FAMILIES.flatMap(fixtureNames).map(fixture);

/** xorshift32: a deterministic stream, so a failure reproduces. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

function mutate(src: Uint8Array, rand: () => number): Uint8Array {
  const int = (n: number) => Math.floor(rand() * n);
  let b = src.slice();
  const kind = int(5);
  if (kind === 0) {
    for (let i = 0, n = 1 + int(4); i < n; i++) b[int(b.length)] = int(256);
  } else if (kind === 1) {
    b = b.slice(0, 8 + int(b.length - 8));
  } else if (kind === 2) {
    // a 16-bit length lie somewhere past the header (match, action, instruction, bucket lengths)
    const at = 8 + int(b.length - 9);
    new DataView(b.buffer).setUint16(at, int(3) === 0 ? 0 : int(0x10000) & ~7);
  } else if (kind === 3) {
    const extra = new Uint8Array(1 + int(16)).map(() => int(256));
    const at = 8 + int(b.length - 8);
    b = Uint8Array.from([...b.subarray(0, at), ...extra, ...b.subarray(at)]);
  } else {
    b[8 + int(b.length - 8)] ^= 1 << int(8);
  }
  new DataView(b.buffer).setUint16(2, Math.min(b.length, 0xffff)); // keep the framing honest
  return b;
}

describe("fuzz: mutated flow-family messages", () => {
  it("100,000 mutations: only OfpError escapes; what decodes re-encodes stably", () => {
    const rand = rng(0x5eed);
    const counts = { ok: 0, rejected: 0 };
    for (let i = 0; i < 100_000; i++) {
      const b = mutate(SEEDS[i % SEEDS.length], rand);
      let m: ReturnType<typeof decodeMessage>;
      try {
        m = decodeMessage(b);
      } catch (e) {
        if (!(e instanceof OfpError)) throw new Error(`non-OfpError for ${Buffer.from(b).toString("hex")}: ${e}`);
        counts.rejected++;
        continue;
      }
      counts.ok++;
      expect(decodeMessage(encodeMessage(m))).toEqual(m);
    }
    expect(counts.rejected).toBeGreaterThan(10_000);
    expect(counts.ok).toBeGreaterThan(10_000);
  });
});
