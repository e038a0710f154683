// Test support for the session-protocol families' codec tests: loading the os-ken fixtures,
// byte-exact round trips, error assertions, truncation and mutation loops.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { OfpError } from "../../../openflow/errors.ts";
import { decodeMessage, encodeMessage, type OfpMessage } from "../../../openflow/message.ts";
import { Rng } from "../../support/frames.ts";

const FIXTURES = fileURLToPath(new URL("../../fixtures/openflow/", import.meta.url));

/** A fixture written by test/fixtures/openflow/gen-osken.py (hex, any whitespace). */
export function fixture(name: string): Uint8Array {
  return Uint8Array.from(Buffer.from(readFileSync(`${FIXTURES}${name}.hex`, "utf8").replace(/\s+/g, ""), "hex"));
}

/** Decodes a fixture, re-encodes it and checks the bytes are identical; returns the message. */
export function roundTrip<K extends OfpMessage["kind"]>(name: string, kind: K): Extract<OfpMessage, { kind: K }> {
  const bytes = fixture(name);
  const m = decodeMessage(bytes);
  expect(m.kind).toBe(kind);
  expect(Buffer.from(encodeMessage(m)).toString("hex")).toBe(Buffer.from(bytes).toString("hex"));
  return m as Extract<OfpMessage, { kind: K }>;
}

/** Runs `fn` and returns the OfpError it throws (fails the test on success or another error). */
export function ofpError(fn: () => unknown): OfpError {
  try {
    fn();
  } catch (e) {
    if (e instanceof OfpError) return e;
    throw new Error(`expected an OfpError, got ${String(e)}`);
  }
  throw new Error("expected an OfpError, decoding succeeded");
}

export function expectOfpError(fn: () => unknown, errType: number, errCode: number): void {
  const e = ofpError(fn);
  expect([e.errType, e.errCode], e.message).toEqual([errType, errCode]);
}

/** The message with its length field set to its actual size (after editing the bytes). */
export function withLength(bytes: Uint8Array): Uint8Array {
  const out = Uint8Array.from(bytes);
  new DataView(out.buffer).setUint16(2, out.length);
  return out;
}

/** Every proper prefix of `bytes` that still holds the header, its length field patched. */
export function* truncations(bytes: Uint8Array): Generator<Uint8Array> {
  for (let n = 8; n < bytes.length; n++) yield withLength(bytes.subarray(0, n));
}

/**
 * The contract for any input: decoding either throws OfpError, or succeeds and then encodes
 * without error to bytes that decode to the same message (pads and string tails normalize).
 */
export function decodesOrOfpError(bytes: Uint8Array): OfpMessage | OfpError {
  let m: OfpMessage;
  try {
    m = decodeMessage(bytes);
  } catch (e) {
    if (e instanceof OfpError) return e;
    throw new Error(`non-OfpError ${String(e)} for ${Buffer.from(bytes).toString("hex")}`);
  }
  expect(decodeMessage(encodeMessage(m))).toEqual(m);
  return m;
}

/** `count` copies of the fixtures, each with 1–4 random byte edits (length field kept true). */
export function* mutations(fixtures: Uint8Array[], count: number, seed: number): Generator<Uint8Array> {
  const rng = new Rng(seed);
  for (let i = 0; i < count; i++) {
    const src = fixtures[rng.next() % fixtures.length];
    const b = Uint8Array.from(src);
    const edits = 1 + (rng.next() % 4);
    // header bytes too (type, version), mostly the body; the length field is made true after
    for (let e = 0; e < edits; e++) b[rng.below(b.length)] = rng.next() & 0xff;
    // some mutants are also cut short, so length fields inside the body meet a short message
    yield withLength(rng.below(4) === 0 ? b.subarray(0, 8 + rng.below(b.length - 7)) : b);
  }
}
