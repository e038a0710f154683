import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConfigCodecError, decodeRecord, encodeRecord, type JournalRecord } from "../../../src/config/codec.ts";
import type { BridgeConfig } from "../../../src/config/model.ts";
import { bridgeArb } from "./config-arbitraries.ts";

const seqArb = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });

function roundTrip(record: JournalRecord): JournalRecord {
  return decodeRecord(encodeRecord(record));
}

function minimalBridge(over: Partial<BridgeConfig> = {}): BridgeConfig {
  return {
    name: "br0",
    failMode: "standalone",
    ports: [],
    controllers: [],
    macAgingSeconds: 0,
    macTableSize: 0,
    datapathId: 0n,
    staticMacs: [],
    ...over,
  };
}

describe("config codec", () => {
  it("round-trips every field of a put-bridge record", () => {
    fc.assert(
      fc.property(seqArb, bridgeArb(), (seq, bridge) => {
        const back = roundTrip({ seq, change: { kind: "put-bridge", bridge } });
        expect(back).toEqual({ seq, change: { kind: "put-bridge", bridge } });
        // toEqual treats a missing key and an undefined one alike; presence of sflow must survive.
        if (back.change.kind !== "put-bridge") throw new Error("kind changed");
        expect("sflow" in back.change.bridge).toBe(bridge.sflow !== undefined);
      }),
      { numRuns: 500 },
    );
  });

  it("round-trips snapshots and deletes", () => {
    fc.assert(
      fc.property(seqArb, fc.array(bridgeArb(), { maxLength: 4 }), fc.string(), (seq, bridges, name) => {
        expect(roundTrip({ seq, change: { kind: "snapshot", snapshot: { bridges } } })).toEqual({
          seq,
          change: { kind: "snapshot", snapshot: { bridges } },
        });
        expect(roundTrip({ seq, change: { kind: "delete-bridge", name } })).toEqual({
          seq,
          change: { kind: "delete-bridge", name },
        });
      }),
      { numRuns: 200 },
    );
  });

  it("writes enums with the proto's numbers and uint64 datapath ids exactly", () => {
    const bridge = minimalBridge({
      failMode: "secure",
      datapathId: 0xfedc_ba98_7654_3210n,
      ports: [
        {
          name: "p",
          type: "vhost-user-client",
          ofport: 0,
          vlanMode: "native-untagged",
          tag: 0,
          trunks: [],
          adminDown: false,
          options: {},
        },
      ],
    });
    const bytes = Buffer.from(encodeRecord({ seq: 1n, change: { kind: "put-bridge", bridge } }));
    // Bridge.fail_mode = 1 (field 2 varint: 0x10 0x01); Port.type = 5 (0x10 0x05);
    // Port.vlan_mode = 3 (field 4 varint: 0x20 0x03); datapath_id as a 10-byte varint after 0x40.
    expect(bytes.includes(Buffer.from([0x10, 0x01]))).toBe(true);
    expect(bytes.includes(Buffer.from([0x10, 0x05]))).toBe(true);
    expect(bytes.includes(Buffer.from([0x20, 0x03]))).toBe(true);
    const back = decodeRecord(bytes);
    expect(back.change.kind === "put-bridge" && back.change.bridge.datapathId).toBe(0xfedc_ba98_7654_3210n);
  });

  it("rejects values the wire cannot carry exactly", () => {
    const bad: Array<[string, BridgeConfig]> = [
      ["macAgingSeconds", minimalBridge({ macAgingSeconds: -1 })],
      ["macTableSize", minimalBridge({ macTableSize: 2 ** 32 })],
      ["macTableSize", minimalBridge({ macTableSize: 1.5 })],
      ["datapathId", minimalBridge({ datapathId: 1n << 64n })],
      ["datapathId", minimalBridge({ datapathId: -1n })],
      ["failMode", minimalBridge({ failMode: "open" as BridgeConfig["failMode"] })],
      ["name", minimalBridge({ name: "bad\ud800" })],
      ["staticMacs[0].vlan", minimalBridge({ staticMacs: [{ vlan: Number.NaN, mac: "m", port: "p" }] })],
    ];
    for (const [field, bridge] of bad) {
      expect(() => encodeRecord({ seq: 1n, change: { kind: "put-bridge", bridge } })).toThrow(
        new RegExp(`bridge\\.${field.replace(/[[\]]/g, "\\$&")}`),
      );
    }
  });

  it("rejects bytes that are not a ConfigRecord with a change", () => {
    expect(() => decodeRecord(Buffer.from([0x08, 0x01]))).toThrow(ConfigCodecError); // seq only
    expect(() => decodeRecord(Buffer.from([0xff, 0xff, 0xff]))).toThrow(ConfigCodecError);
    // put_bridge { fail_mode = 7 }: an enum number this build does not know.
    expect(() => decodeRecord(Buffer.from([0x08, 0x01, 0x1a, 0x02, 0x10, 0x07]))).toThrow(/failMode: unknown enum/);
  });
});
