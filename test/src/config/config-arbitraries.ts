// fast-check generators for the configuration model (src/config/model.ts), shared by the codec,
// journal and store tests. They cover every field over its whole wire range: full-range uint32
// and uint64, every enum value, Unicode strings, present and absent sFlow.

import fc from "fast-check";
import type { BridgeConfig, PortConfig, SflowConfig, StaticMac } from "../../../src/config/model.ts";

const U32 = fc.integer({ min: 0, max: 0xffff_ffff });
const text = fc.string({ unit: "grapheme", maxLength: 12 });

export const portArb: fc.Arbitrary<PortConfig> = fc.record({
  name: text,
  type: fc.constantFrom("internal", "tap", "system", "representor", "vhost-user", "vhost-user-client"),
  ofport: U32,
  vlanMode: fc.constantFrom("trunk", "access", "native-tagged", "native-untagged"),
  tag: U32,
  trunks: fc.array(U32, { maxLength: 6 }),
  adminDown: fc.boolean(),
  options: fc.dictionary(text, text, { maxKeys: 4 }),
});

export const sflowArb: fc.Arbitrary<SflowConfig> = fc.record({
  collectors: fc.array(text, { maxLength: 3 }),
  sampling: U32,
  polling: U32,
  agent: text,
  headerBytes: U32,
});

export const staticMacArb: fc.Arbitrary<StaticMac> = fc.record({ vlan: U32, mac: text, port: text });

/** A bridge named from `names` (a small pool makes puts replace and deletes hit). */
export function bridgeArb(names: fc.Arbitrary<string> = text): fc.Arbitrary<BridgeConfig> {
  return fc.record(
    {
      name: names,
      failMode: fc.constantFrom("standalone", "secure"),
      ports: fc.array(portArb, { maxLength: 4 }),
      controllers: fc.array(text, { maxLength: 3 }),
      sflow: sflowArb,
      macAgingSeconds: U32,
      macTableSize: U32,
      datapathId: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      staticMacs: fc.array(staticMacArb, { maxLength: 3 }),
    },
    {
      requiredKeys: [
        "name",
        "failMode",
        "ports",
        "controllers",
        "macAgingSeconds",
        "macTableSize",
        "datapathId",
        "staticMacs",
      ],
    },
  );
}
