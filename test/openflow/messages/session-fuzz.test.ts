// Mutation fuzz over every session-family fixture: 100,000 mutants through decodeMessage. Each
// must raise OfpError or decode to a message that re-encodes and decodes to itself.

import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { OfpError } from "../../../openflow/errors.ts";
import { decodesOrOfpError, fixture, mutations } from "../support/session-codec.ts";

const OURS =
  /^(hello|error|echo|experimenter|features|switch-config|port|table-mod|barrier|role|async-config|queue-config|multipart)-/;
const DIR = fileURLToPath(new URL("../../fixtures/openflow/", import.meta.url));
const NAMES = readdirSync(DIR)
  .filter((f) => f.endsWith(".hex") && OURS.test(f))
  .map((f) => f.slice(0, -4));

describe("session families fuzz", () => {
  it("has the fixtures", () => {
    expect(NAMES.length).toBeGreaterThanOrEqual(50);
  });

  it("100,000 mutated fixtures: only OfpError, never another exception", () => {
    const fixtures = NAMES.map(fixture);
    let rejected = 0;
    for (const b of mutations(fixtures, 100_000, 0x5e55)) {
      if (decodesOrOfpError(b) instanceof OfpError) rejected++;
    }
    // both outcomes must occur, or the mutator is not exercising the decoders
    expect(rejected).toBeGreaterThan(10_000);
    expect(rejected).toBeLessThan(100_000);
  });
});
