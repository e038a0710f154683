// readPcapFrames: classic pcap in both byte orders and with the nanosecond magic, pcapng, files
// written by a real tool (text2pcap, from Wireshark), and every refusal — a non-Ethernet link
// type, a truncated header or record, an unknown magic — with a message saying where.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readPcapFrames } from "../../../src/cli/pcap-reader.ts";

const F1 = Uint8Array.from({ length: 60 }, (_, i) => i);
const F2 = Uint8Array.from({ length: 42 }, (_, i) => 0xff - i);
/** Frames as hex (a Buffer and a Uint8Array of the same bytes compare equal this way). */
const hex = (frames: Uint8Array[]) => frames.map((f) => Buffer.from(f).toString("hex"));
const BOTH = hex([F1, F2]);

/** A classic pcap file: `magic` as written in the file's own byte order, Ethernet unless `link`. */
function pcap(frames: Uint8Array[], opts: { le?: boolean; nanos?: boolean; link?: number } = {}): Uint8Array {
  const le = opts.le ?? true;
  const head = new DataView(new ArrayBuffer(24));
  head.setUint32(0, opts.nanos ? 0xa1b23c4d : 0xa1b2c3d4, le);
  head.setUint16(4, 2, le);
  head.setUint16(6, 4, le);
  head.setUint32(16, 65535, le);
  head.setUint32(20, opts.link ?? 1, le);
  const parts: Uint8Array[] = [new Uint8Array(head.buffer)];
  for (const [i, f] of frames.entries()) {
    const rec = new DataView(new ArrayBuffer(16));
    rec.setUint32(0, 1_700_000_000 + i, le);
    rec.setUint32(8, f.length, le);
    rec.setUint32(12, f.length, le);
    parts.push(new Uint8Array(rec.buffer), f);
  }
  return Buffer.concat(parts);
}

describe("readPcapFrames: classic pcap", () => {
  it.each([
    ["little-endian, microseconds", { le: true }],
    ["big-endian, microseconds", { le: false }],
    ["little-endian, nanoseconds", { le: true, nanos: true }],
    ["big-endian, nanoseconds", { le: false, nanos: true }],
  ])("reads %s", (_what, opts) => {
    expect(hex(readPcapFrames(pcap([F1, F2], opts)))).toEqual(BOTH);
  });

  it("reads an empty capture as no frames", () => {
    expect(readPcapFrames(pcap([]))).toEqual([]);
  });

  it("refuses a link type other than Ethernet, naming it", () => {
    expect(() => readPcapFrames(pcap([F1], { link: 113 }))).toThrow("pcap: link type 113 is not Ethernet (1)");
    expect(() => readPcapFrames(pcap([F1], { le: false, link: 101 }))).toThrow("pcap: link type 101 is not Ethernet");
  });

  it("refuses truncated files, saying where", () => {
    const whole = pcap([F1, F2]);
    expect(() => readPcapFrames(whole.subarray(0, 3))).toThrow("capture of 3 bytes: too short to be pcap or pcapng");
    expect(() => readPcapFrames(whole.subarray(0, 20))).toThrow("pcap: truncated file header");
    // The second record's header is cut (24 + 16 + 60 = 100 is where it starts).
    expect(() => readPcapFrames(whole.subarray(0, 108))).toThrow("pcap: truncated record header at offset 100");
    // The second record's data is cut.
    expect(() => readPcapFrames(whole.subarray(0, whole.length - 1))).toThrow(
      "pcap: record at offset 100 claims 42 bytes past the end",
    );
  });

  it("refuses what is not a capture, with its magic", () => {
    expect(() => readPcapFrames(new TextEncoder().encode("hello, world"))).toThrow(
      "not a pcap or pcapng file (magic 0x68656c6c)",
    );
  });
});

describe("readPcapFrames: files written by text2pcap", () => {
  const dir = mkdtempSync(join(tmpdir(), "wasmvs-pcap-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const hexdump = (frames: Uint8Array[]) =>
    frames
      .map((f) =>
        Array.from({ length: Math.ceil(f.length / 16) }, (_, i) => {
          const row = Array.from(f.subarray(i * 16, i * 16 + 16), (x) => x.toString(16).padStart(2, "0"));
          return `${(i * 16).toString(16).padStart(6, "0")} ${row.join(" ")}\n`;
        }).join(""),
      )
      .join("");
  /** text2pcap's output for `frames` with extra arguments (-F pcap, -l 113, ...). */
  function text2pcap(name: string, frames: Uint8Array[], args: string[] = []): Uint8Array {
    const txt = join(dir, `${name}.txt`);
    const out = join(dir, name);
    writeFileSync(txt, hexdump(frames));
    execFileSync("text2pcap", ["-q", ...args, txt, out]);
    return readFileSync(out);
  }

  it("reads pcapng (text2pcap's default: section, interface and enhanced packet blocks)", () => {
    const file = text2pcap("a.pcapng", [F1, F2]);
    expect(new DataView(file.buffer, file.byteOffset).getUint32(0)).toBe(0x0a0d0d0a);
    expect(hex(readPcapFrames(file))).toEqual(BOTH);
  });

  it("reads classic pcap (-F pcap)", () => {
    expect(hex(readPcapFrames(text2pcap("a.pcap", [F1, F2], ["-F", "pcap"])))).toEqual(BOTH);
  });

  it("refuses a non-Ethernet pcapng interface, naming its link type", () => {
    expect(() => readPcapFrames(text2pcap("sll.pcapng", [F1], ["-l", "113"]))).toThrow(
      "pcapng: interface 0 has link type 113, not Ethernet (1)",
    );
  });

  it("refuses a truncated pcapng, saying where", () => {
    const file = text2pcap("b.pcapng", [F1, F2]);
    expect(() => readPcapFrames(file.subarray(0, file.length - 4))).toThrow(
      /^pcapng: block at offset \d+ has a bad length/,
    );
    expect(() => readPcapFrames(file.subarray(0, 10))).toThrow("pcapng: truncated section header");
  });
});
