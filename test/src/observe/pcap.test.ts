import { describe, expect, it } from "vitest";
import { LINKTYPE_ETHERNET, PCAP_MAGIC_USEC, pcapFileHeader, pcapRecord } from "../../../src/observe/pcap.ts";

describe("pcap writer", () => {
  it("writes the libpcap 2.4 header for Ethernet", () => {
    const h = pcapFileHeader(65535);
    expect(h.length).toBe(24);
    expect(h.readUInt32LE(0)).toBe(PCAP_MAGIC_USEC);
    expect([h.readUInt16LE(4), h.readUInt16LE(6)]).toEqual([2, 4]);
    expect(h.readUInt32LE(16)).toBe(65535);
    expect(h.readUInt32LE(20)).toBe(LINKTYPE_ETHERNET);
  });

  it("writes records with seconds, microseconds, captured and original lengths", () => {
    const data = Uint8Array.from({ length: 100 }, (_, i) => i);
    const r = pcapRecord(1700000000123.457, data, 1500, 64);
    expect(r.readUInt32LE(0)).toBe(1700000000);
    expect(r.readUInt32LE(4)).toBe(123457);
    expect(r.readUInt32LE(8)).toBe(64);
    expect(r.readUInt32LE(12)).toBe(1500);
    expect(Array.from(r.subarray(16))).toEqual(Array.from(data.subarray(0, 64)));
  });
});
