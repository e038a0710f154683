// fast-check arbitrary for meter bands (DROP, DSCP_REMARK, EXPERIMENTER with 8-aligned data).

import fc from "fast-check";
import type { MeterBand } from "../../../openflow/messages/meter-bands.ts";
import { alignedBytes, u8, u32 } from "./wire-scalars.ts";

export const meterBand: fc.Arbitrary<MeterBand> = fc.oneof(
  fc.record({ type: fc.constant("drop" as const), rate: u32, burstSize: u32 }),
  fc.record({ type: fc.constant("dscp-remark" as const), rate: u32, burstSize: u32, precLevel: u8 }),
  fc.record({
    type: fc.constant("experimenter" as const),
    rate: u32,
    burstSize: u32,
    experimenter: u32,
    data: alignedBytes(8, 2),
  }),
);
