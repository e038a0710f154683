import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { WireReader } from "../../openflow/codec/wire-reader.ts";
import { WireWriter } from "../../openflow/codec/wire-writer.ts";
import {
  decodeInstructions,
  encodeInstructions,
  type Instruction,
  validateInstructions,
} from "../../openflow/instructions.ts";
import { instructionsArb } from "./arbitraries/flow.ts";
import { expectOfpError, hex } from "./messages/flow-fixtures.ts";

const enc = (list: Instruction[]) => {
  const w = new WireWriter();
  encodeInstructions(list, w);
  return w.bytesOut();
};
const bytes = (h: string) => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ""), "hex"));
const dec = (h: string) => decodeInstructions(new WireReader(bytes(h)));

describe("instruction codec", () => {
  it("encodes each layout as the spec draws it", () => {
    const cases: Array<[Instruction, string]> = [
      [{ type: "goto_table", tableId: 3 }, "0001 0008 03000000"],
      [
        { type: "write_metadata", metadata: 0xa0n, mask: 0xf0n },
        "0002 0018 00000000 00000000000000a0 00000000000000f0",
      ],
      [{ type: "write_actions", actions: [{ type: "group", groupId: 1 }] }, "0003 0010 00000000 0016 0008 00000001"],
      [{ type: "apply_actions", actions: [] }, "0004 0008 00000000"],
      [{ type: "clear_actions" }, "0005 0008 00000000"],
      [{ type: "meter", meterId: 5 }, "0006 0008 00000005"],
      [{ type: "experimenter", experimenter: 0x2320, data: new Uint8Array(0) }, "ffff 0008 00002320"],
    ];
    for (const [ins, h] of cases) {
      expect(hex(enc([ins])), ins.type).toBe(h.replace(/\s+/g, ""));
      expect(dec(h), ins.type).toEqual([ins]);
    }
  });
  it("decode(encode(list)) = list", () => {
    fc.assert(
      fc.property(instructionsArb, (list) => {
        expect(decodeInstructions(new WireReader(enc(list)))).toEqual(list);
      }),
      { numRuns: 1000 },
    );
  });
  it("unknown type → UNKNOWN_INST; bad lengths → BAD_INSTRUCTION/BAD_LEN; errors inside actions stay BAD_ACTION", () => {
    expectOfpError(() => dec("0007 0008 00000000"), "BAD_INSTRUCTION/UNKNOWN_INST");
    expectOfpError(() => dec("0001 0010 03000000 00000000"), "BAD_INSTRUCTION/BAD_LEN");
    expectOfpError(() => dec("0002 0010 00000000 0000000000000000"), "BAD_INSTRUCTION/BAD_LEN");
    expectOfpError(() => dec("0004 0010 00000000"), "BAD_INSTRUCTION/BAD_LEN");
    expectOfpError(() => dec("0004 0006 0000"), "BAD_INSTRUCTION/BAD_LEN");
    expectOfpError(() => dec("0001"), "BAD_INSTRUCTION/BAD_LEN");
    expectOfpError(() => dec("0004 0010 00000000 0000 0008 00000001"), "BAD_ACTION/BAD_LEN"); // output of 8
    expectOfpError(() => dec("0004 0010 00000000 0063 0008 00000000"), "BAD_ACTION/BAD_TYPE");
  });
  it("validateInstructions: a type twice → UNSUP_INST; action arguments checked", () => {
    validateInstructions([{ type: "goto_table", tableId: 1 }, { type: "clear_actions" }]);
    expectOfpError(
      () => validateInstructions([{ type: "clear_actions" }, { type: "clear_actions" }]),
      "BAD_INSTRUCTION/UNSUP_INST",
    );
    expectOfpError(
      () => validateInstructions([{ type: "apply_actions", actions: [{ type: "push_vlan", ethertype: 0x0800 }] }]),
      "BAD_ACTION/BAD_ARGUMENT",
    );
  });
});
