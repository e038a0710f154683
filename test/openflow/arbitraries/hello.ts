// fast-check arbitrary for HELLO: any version, bitmap and unknown elements in any order.

import fc from "fast-check";
import type { HelloElement, HelloMessage } from "../../../openflow/messages/hello.ts";
import { bytes, u8, u16, u32, xid } from "./wire-scalars.ts";

export const helloElement: fc.Arbitrary<HelloElement> = fc.oneof(
  fc.record({ elem: fc.constant("version-bitmap" as const), bitmaps: fc.array(u32, { maxLength: 4 }) }),
  fc.record({ elem: fc.constant("unknown" as const), type: u16.filter((t) => t !== 1), data: bytes(20) }),
);

export const helloMessage: fc.Arbitrary<HelloMessage> = fc.record({
  kind: fc.constant("hello" as const),
  xid,
  version: u8,
  elements: fc.array(helloElement, { maxLength: 4 }),
});
