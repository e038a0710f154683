// Fuzz: 1,000,000 mutants of every OpenFlow fixture (all families) through decodeMessage, with
// the header's length field lied about too (frame-len), which a socket peer cannot do.
//
// What it proves: the decoder never throws anything but OfpError, whatever the bytes; whatever it
// accepts encodes, and that encoding decodes and re-encodes to the same bytes (checked on every
// accepted mutant; a deep comparison of decode(encode(m)) with m on a sample). The mutator
// exercises the decoders: each strategy yields both accepted and refused mutants, and refusals
// span several error types (BAD_REQUEST, BAD_MATCH, BAD_ACTION, BAD_INSTRUCTION, …).
// It extends the 100k per-family fuzzes (messages/session-fuzz, messages/flow-families-fuzz)
// with every family at once, splices across families and header-level lies.

import { describe, expect, it } from "vitest";
import { errorName } from "../../openflow/errors.ts";
import { decodeMessage } from "../../openflow/message.ts";
import { allFixtures, decoderVerdict, Mutator, STRATEGIES, type Strategy } from "./support/mutator.ts";

const COUNT = 1_000_000;

describe("decoder fuzz: 1,000,000 mutated messages", () => {
  it("only OfpError escapes; what decodes re-encodes stably", () => {
    const fixtures = allFixtures();
    expect(fixtures.size).toBeGreaterThanOrEqual(90);
    const mutator = new Mutator(fixtures.values(), { seed: 0x0f4f_1322, honestFraming: false });
    const outcome = new Map<Strategy, { ok: number; refused: number }>(
      STRATEGIES.map((s) => [s, { ok: 0, refused: 0 }]),
    );
    const errorTypes = new Map<string, number>();
    for (let i = 0; i < COUNT; i++) {
      const bytes = mutator.next();
      const v = decoderVerdict(bytes);
      const o = outcome.get(mutator.lastStrategy) as { ok: number; refused: number };
      if (v.ok) {
        o.ok++;
        if (i % 101 === 0) expect(decodeMessage(v.reencoded)).toEqual(v.message);
      } else {
        o.refused++;
        const name = errorName(v.error.errType, v.error.errCode);
        errorTypes.set(name, (errorTypes.get(name) ?? 0) + 1);
      }
    }
    let total = 0;
    for (const [s, o] of outcome) {
      total += o.ok + o.refused;
      // frame-len lies are always refused (BAD_LEN); every other strategy must hit both outcomes
      if (s === "frame-len") expect(o.ok, s).toBeLessThan(o.refused / 10);
      else expect(o.ok > 1000 && o.refused > 1000, `${s}: ${JSON.stringify(o)}`).toBe(true);
    }
    expect(total).toBe(COUNT);
    const types = new Set([...errorTypes.keys()].map((n) => n.split("/")[0]));
    for (const t of ["BAD_REQUEST", "BAD_MATCH", "BAD_ACTION", "BAD_INSTRUCTION"]) expect(types).toContain(t);
    expect(errorTypes.size, JSON.stringify([...errorTypes])).toBeGreaterThanOrEqual(12);
  });
});
