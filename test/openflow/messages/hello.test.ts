import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { WireReader } from "../../../openflow/codec/wire-reader.ts";
import { HELLO_FAILED, OFPET } from "../../../openflow/errors.ts";
import { decodeMessage, encodeMessage } from "../../../openflow/message.ts";
import { decodeHello } from "../../../openflow/messages/hello.ts";
import { helloMessage } from "../arbitraries/hello.ts";
import {
  decodesOrOfpError,
  expectOfpError,
  fixture,
  roundTrip,
  truncations,
  withLength,
} from "../support/session-codec.ts";

describe("HELLO fixtures (os-ken / ovs-ofctl)", () => {
  it("a bare hello has no elements", () => {
    const m = roundTrip("hello-plain", "hello");
    expect(m).toMatchObject({ version: 4, xid: 1, elements: [] });
  });

  it("decodes the version bitmap {1.0, 1.3}", () => {
    const m = roundTrip("hello-bitmap", "hello");
    expect(m.elements).toEqual([{ elem: "version-bitmap", bitmaps: [0b10010] }]);
  });

  it("keeps an unknown element and still reads the bitmap after it", () => {
    const m = roundTrip("hello-unknown-element", "hello");
    expect(m.elements).toEqual([
      { elem: "unknown", type: 0x99, data: Uint8Array.from([0xab, 0xcd, 0xef, 0x01]) },
      { elem: "version-bitmap", bitmaps: [1 << 4] },
    ]);
  });

  it("skips element padding (length excludes it) and re-pads", () => {
    const m = roundTrip("hello-padded-elements", "hello");
    expect(m.elements).toEqual([
      { elem: "unknown", type: 0x99, data: Uint8Array.from([0xab, 0xcd]) },
      { elem: "version-bitmap", bitmaps: [1 << 4, 1 << 1] },
    ]);
  });

  it("decodes a hello of another version (the negotiation needs it)", () => {
    const b = fixture("hello-bitmap");
    b[0] = 0x06;
    const m = decodeMessage(b);
    expect(m).toMatchObject({ kind: "hello", version: 6 });
    expect(encodeMessage(m)).toEqual(b);
  });
});

describe("HELLO property", () => {
  it("decode(encode(x)) = x", () => {
    fc.assert(
      fc.property(helloMessage, (m) => {
        expect(decodeMessage(encodeMessage(m))).toEqual(m);
      }),
      { numRuns: 500 },
    );
  });
});

describe("HELLO malformed", () => {
  const incompatible = [OFPET.HELLO_FAILED, HELLO_FAILED.INCOMPATIBLE] as const;

  it("every truncation inside an element is HELLO_FAILED/INCOMPATIBLE", () => {
    const b = fixture("hello-padded-elements");
    for (const t of truncations(b)) {
      if (t.length === 8 || t.length === 16) {
        expect(decodeMessage(t).kind).toBe("hello"); // element boundaries: a shorter valid hello
        continue;
      }
      expectOfpError(() => decodeMessage(t), ...incompatible);
    }
  });

  it("element lengths that lie are HELLO_FAILED/INCOMPATIBLE", () => {
    const b = fixture("hello-bitmap");
    for (const len of [0, 3, 9, 12, 16, 0xffff]) {
      const bad = Uint8Array.from(b);
      new DataView(bad.buffer).setUint16(10, len);
      expectOfpError(() => decodeMessage(bad), ...incompatible);
    }
  });

  it("a bitmap that is not whole words is HELLO_FAILED/INCOMPATIBLE", () => {
    const body = Uint8Array.from([0, 1, 0, 6, 0, 0x10, 0, 0]);
    expectOfpError(
      () => decodeHello(new WireReader(body), { version: 4, type: 0, length: 16, xid: 0 }),
      ...incompatible,
    );
  });

  it("trailing garbage shorter than an element header is HELLO_FAILED/INCOMPATIBLE", () => {
    const b = withLength(Uint8Array.from([...fixture("hello-bitmap"), 0, 1]));
    expectOfpError(() => decodeMessage(b), ...incompatible);
  });

  it("random hello bodies decode or raise OfpError, nothing else", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (body) => {
        decodesOrOfpError(withLength(Uint8Array.from([4, 0, 0, 0, 0, 0, 0, 1, ...body])));
      }),
      { numRuns: 2000 },
    );
  });
});
