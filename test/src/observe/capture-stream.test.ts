import { describe, expect, it } from "vitest";
import {
  CaptureStreamDecoder,
  encodeCaptureEnd,
  encodeCaptureFrame,
  encodeCaptureHeader,
} from "../../../src/observe/capture-stream.ts";

describe("capture stream framing", () => {
  it("decodes records split at every byte boundary, and stops at the end record", () => {
    const frames = [
      { timeMs: 1700000000123.456, dir: 1, origLen: 60, data: Uint8Array.from({ length: 60 }, (_, i) => i) },
      { timeMs: 1700000000124, dir: 2, origLen: 1514, data: new Uint8Array(1514).fill(7) },
    ];
    const bytes = Buffer.concat([
      encodeCaptureHeader(),
      ...frames.map(encodeCaptureFrame),
      encodeCaptureEnd("2 frames captured"),
      Buffer.from("ignored"),
    ]);
    for (const step of [1, 3, 17, bytes.length]) {
      const d = new CaptureStreamDecoder();
      const events = [];
      for (let o = 0; o < bytes.length; o += step) events.push(...d.push(bytes.subarray(o, o + step)));
      expect(d.started).toBe(true);
      expect(events).toEqual([
        ...frames.map((frame) => ({ kind: "frame", frame })),
        { kind: "end", reason: "2 frames captured" },
      ]);
    }
  });

  it("refuses a stream that is not a capture stream", () => {
    expect(() => new CaptureStreamDecoder().push(Buffer.from('{"error":"x"}'))).toThrow(/expected header/);
  });
});
