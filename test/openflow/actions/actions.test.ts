import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Action,
  actionsWireLength,
  decodeActions,
  encodeActions,
  validateActions,
} from "../../../openflow/actions/actions.ts";
import { WireReader } from "../../../openflow/codec/wire-reader.ts";
import { WireWriter } from "../../../openflow/codec/wire-writer.ts";
import { actionsArb } from "../arbitraries/flow.ts";
import { expectOfpError, hex } from "../messages/flow-fixtures.ts";

const enc = (list: Action[]) => {
  const w = new WireWriter();
  encodeActions(list, w);
  return w.bytesOut();
};
const bytes = (h: string) => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ""), "hex"));
const dec = (h: string) => decodeActions(new WireReader(bytes(h)));

describe("action codec", () => {
  it("encodes each fixed layout as the spec draws it", () => {
    const cases: Array<[Action, string]> = [
      [{ type: "output", port: 0xfffffffd, maxLen: 128 }, "0000 0010 fffffffd 0080 000000000000"],
      [{ type: "group", groupId: 7 }, "0016 0008 00000007"],
      [{ type: "set_queue", queueId: 3 }, "0015 0008 00000003"],
      [{ type: "copy_ttl_out" }, "000b 0008 00000000"],
      [{ type: "copy_ttl_in" }, "000c 0008 00000000"],
      [{ type: "set_mpls_ttl", ttl: 9 }, "000f 0008 09000000"],
      [{ type: "dec_mpls_ttl" }, "0010 0008 00000000"],
      [{ type: "push_vlan", ethertype: 0x88a8 }, "0011 0008 88a8 0000"],
      [{ type: "pop_vlan" }, "0012 0008 00000000"],
      [{ type: "push_mpls", ethertype: 0x8847 }, "0013 0008 8847 0000"],
      [{ type: "pop_mpls", ethertype: 0x0800 }, "0014 0008 0800 0000"],
      [{ type: "set_nw_ttl", ttl: 33 }, "0017 0008 21000000"],
      [{ type: "dec_nw_ttl" }, "0018 0008 00000000"],
      [{ type: "push_pbb", ethertype: 0x88e7 }, "001a 0008 88e7 0000"],
      [{ type: "pop_pbb" }, "001b 0008 00000000"],
      // set_field vlan_vid: 4 + 4 + 2 = 10 → 16
      [{ type: "set_field", field: { name: "vlan_vid", value: 0x102a } }, "0019 0010 80000c02 102a 000000000000"],
      [
        { type: "experimenter", experimenter: 0x2320, data: bytes("0001020304050607") },
        "ffff 0010 00002320 0001020304050607",
      ],
    ];
    for (const [a, h] of cases) {
      expect(hex(enc([a])), a.type).toBe(h.replace(/\s+/g, ""));
      expect(dec(h), a.type).toEqual([a]);
    }
  });
  it("decode(encode(list)) = list and actionsWireLength is exact", () => {
    fc.assert(
      fc.property(actionsArb, (list) => {
        const b = enc(list);
        expect(b.length).toBe(actionsWireLength(list));
        expect(decodeActions(new WireReader(b))).toEqual(list);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("malformed actions", () => {
  it("unknown type is BAD_ACTION/BAD_TYPE", () =>
    expectOfpError(() => dec("0001 0008 00000000"), "BAD_ACTION/BAD_TYPE"));
  it("lengths: short, not a multiple of 8, past the list, wrong for a fixed action → BAD_ACTION/BAD_LEN", () => {
    expectOfpError(() => dec("0000 0004"), "BAD_ACTION/BAD_LEN");
    expectOfpError(() => dec("0012 000c 00000000 00000000"), "BAD_ACTION/BAD_LEN");
    expectOfpError(() => dec("0012 0010 00000000"), "BAD_ACTION/BAD_LEN");
    expectOfpError(() => dec("0000 0008 00000001"), "BAD_ACTION/BAD_LEN"); // output needs 16
    expectOfpError(() => dec("0012 0010 00000000 00000000 00000000"), "BAD_ACTION/BAD_LEN"); // pop_vlan of 16
    expectOfpError(() => dec("00"), "BAD_ACTION/BAD_LEN");
  });
  it("set_field: OXM overrunning the action or too much padding → BAD_SET_LEN", () => {
    expectOfpError(() => dec("0019 0008 80000c02"), "BAD_ACTION/BAD_SET_LEN");
    expectOfpError(() => dec("0019 0010 80000c04 102a0000 00000000"), "BAD_ACTION/BAD_SET_LEN"); // vlan_vid of 4 bytes
    expectOfpError(() => dec("0019 0018 80000c02 102a 000000000000 0000000000000000"), "BAD_ACTION/BAD_SET_LEN");
  });
  it("every truncation of a valid list is a BAD_ACTION OfpError or a prefix of the list", () => {
    fc.assert(
      fc.property(
        actionsArb.filter((l) => l.length > 0),
        fc.nat(),
        (list, cut) => {
          const b = enc(list);
          let got: Action[];
          try {
            got = decodeActions(new WireReader(b.subarray(0, cut % b.length)));
          } catch (e) {
            expect((e as { errType?: number }).errType).toBe(2);
            return;
          }
          // a cut on an action boundary decodes to a prefix of the list
          expect(got).toEqual(list.slice(0, got.length));
          expect(actionsWireLength(got)).toBe(cut % b.length);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe("validateActions", () => {
  it("accepts arbitrary lists from the arbitrary (valid ethertypes, settable fields)", () => {
    fc.assert(
      fc.property(actionsArb, (list) => {
        validateActions(list);
      }),
      { numRuns: 500 },
    );
  });
  it("push ethertypes: vlan 0x8100/0x88a8, mpls 0x8847/0x8848, pbb 0x88e7, else BAD_ARGUMENT", () => {
    validateActions([
      { type: "push_vlan", ethertype: 0x8100 },
      { type: "push_vlan", ethertype: 0x88a8 },
    ]);
    expectOfpError(() => validateActions([{ type: "push_vlan", ethertype: 0x9100 }]), "BAD_ACTION/BAD_ARGUMENT");
    expectOfpError(() => validateActions([{ type: "push_mpls", ethertype: 0x0800 }]), "BAD_ACTION/BAD_ARGUMENT");
    expectOfpError(() => validateActions([{ type: "push_pbb", ethertype: 0x8100 }]), "BAD_ACTION/BAD_ARGUMENT");
    validateActions([{ type: "pop_mpls", ethertype: 0x86dd }]);
  });
  it("set_field: read-only or experimenter field → BAD_SET_TYPE; mask or out-of-range value → BAD_SET_ARGUMENT", () => {
    expectOfpError(
      () => validateActions([{ type: "set_field", field: { name: "in_port", value: 1 } }]),
      "BAD_ACTION/BAD_SET_TYPE",
    );
    expectOfpError(
      () =>
        validateActions([
          {
            type: "set_field",
            field: { name: "opaque", oxmClass: 0xffff, field: 1, hasMask: false, payload: new Uint8Array(4) },
          },
        ]),
      "BAD_ACTION/BAD_SET_TYPE",
    );
    expectOfpError(
      () => validateActions([{ type: "set_field", field: { name: "eth_type", value: 1, mask: 1 } }]),
      "BAD_ACTION/BAD_SET_ARGUMENT",
    );
    expectOfpError(
      () => validateActions([{ type: "set_field", field: { name: "vlan_pcp", value: 8 } }]),
      "BAD_ACTION/BAD_SET_ARGUMENT",
    );
    expectOfpError(
      () => validateActions([{ type: "set_field", field: { name: "mpls_label", value: 1 << 20 } }]),
      "BAD_ACTION/BAD_SET_ARGUMENT",
    );
  });
});
