// Loads the os-ken fixtures of the flow-related families (test/fixtures/openflow/*.hex, made by
// gen-osken-flows.py) and checks an OfpError's type/code by name.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { errorName, OfpError } from "../../../openflow/errors.ts";
import { decodeMessage, encodeMessage, type OfpMessage } from "../../../openflow/message.ts";

const DIR = join(import.meta.dirname, "../../fixtures/openflow");

export function fixture(name: string): Uint8Array {
  return Uint8Array.from(Buffer.from(readFileSync(join(DIR, `${name}.hex`), "utf8").replace(/\s+/g, ""), "hex"));
}

/** Names (without .hex) of the fixtures whose name starts with `prefix`. */
export function fixtureNames(prefix: string): string[] {
  return readdirSync(DIR)
    .filter((f) => f.startsWith(prefix) && f.endsWith(".hex"))
    .map((f) => f.slice(0, -4))
    .sort();
}

export const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** Runs `fn` and expects an OfpError named like "BAD_MATCH/BAD_PREREQ". */
export function expectOfpError(fn: () => unknown, name: string): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof OfpError)) throw e;
    expect(errorName(e.errType, e.errCode)).toBe(name);
    return;
  }
  expect.fail(`expected ${name}, nothing was thrown`);
}

/** Decodes a fixture, re-encodes it and expects the same bytes; returns the message. */
export function roundTripFixture(name: string): OfpMessage {
  const b = fixture(name);
  const m = decodeMessage(b);
  expect(hex(encodeMessage(m))).toBe(hex(b));
  return m;
}

/** Every strict prefix of `b` with its length field patched (a length lie) must be an OfpError. */
export function expectTruncationsRejected(b: Uint8Array): void {
  for (let n = 8; n < b.length; n++) {
    const cut = b.slice(0, n);
    new DataView(cut.buffer).setUint16(2, n);
    let threw = false;
    try {
      decodeMessage(cut);
    } catch (e) {
      if (!(e instanceof OfpError)) throw e;
      threw = true;
    }
    // a cut may land on a TLV boundary and still be well formed; it must then re-encode to itself
    if (!threw) expect(hex(encodeMessage(decodeMessage(cut)))).toBe(hex(cut));
  }
}
