import { describe, expect, it } from "vitest";
import { createFastPath, readCounters } from "../../../src/datapath/fastpath-module.ts";
import { takeRx, writeBlock } from "./ring-builder.ts";

const TP_STATUS_CSUMNOTREADY = 0x8;

function sum16(b: Uint8Array, from: number, to: number, init = 0): number {
  let s = init;
  for (let i = from; i < to; i += 2) s += (b[i] << 8) | (i + 1 < to ? b[i + 1] : 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

/** IPv4/UDP frame (padded to 64 bytes) whose UDP checksum field holds only the pseudo-header
 *  sum — the way Linux hands a CHECKSUM_PARTIAL frame to AF_PACKET — and the right checksum. */
function partialUdp(): { frame: Uint8Array; want: number } {
  const payload = new TextEncoder().encode("hello, switch");
  const udpLen = 8 + payload.length;
  const f = new Uint8Array(64);
  f.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00], 0);
  const ip = 14;
  f.set([0x45, 0, 0, 20 + udpLen, 0, 0, 0x40, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2], ip);
  const l4 = ip + 20;
  f.set([0x30, 0x39, 0x00, 0x09, 0, udpLen, 0, 0], l4);
  f.set(payload, l4 + 8);
  const pseudo = sum16(f, ip + 12, ip + 20) + 17 + udpLen;
  const folded = sum16(new Uint8Array([0, 0]), 0, 2, pseudo);
  const want = ~sum16(f, l4, l4 + udpLen, pseudo) & 0xffff;
  f[l4 + 6] = folded >> 8;
  f[l4 + 7] = folded & 0xff;
  return { frame: f, want: want === 0 ? 0xffff : want };
}

describe("checksum completion of CHECKSUM_PARTIAL frames", () => {
  it("finishes the UDP checksum over the datagram only (not the Ethernet padding)", async () => {
    const fp = await createFastPath({ buffers: 8 });
    const ring = fp.portsRingCreate(4096, 1);
    const { frame, want } = partialUdp();
    writeBlock(fp, ring, 4096, 0, [{ bytes: frame, status: TP_STATUS_CSUMNOTREADY }, { bytes: frame }]);
    expect(fp.portsRingReceive(ring, fp.dpRxIds(), 8)).toBe(2);
    const [done, untouched] = takeRx(fp, 2).map((h) => Buffer.from(h, "hex"));
    expect(done.readUInt16BE(34 + 6)).toBe(want);
    expect(untouched.readUInt16BE(34 + 6)).toBe(frame[40] * 256 + frame[41]);
    expect(readCounters(fp)["ports.csum_completed"]).toBe(1n);
  });

  it("counts and leaves alone frames it does not handle", async () => {
    const fp = await createFastPath({ buffers: 8 });
    const ring = fp.portsRingCreate(4096, 1);
    const arp = new Uint8Array(60);
    arp[12] = 0x08;
    arp[13] = 0x06;
    writeBlock(fp, ring, 4096, 0, [{ bytes: arp, status: TP_STATUS_CSUMNOTREADY }]);
    expect(fp.portsRingReceive(ring, fp.dpRxIds(), 8)).toBe(1);
    expect(takeRx(fp, 1)).toEqual([Buffer.from(arp).toString("hex")]);
    expect(readCounters(fp)["ports.csum_unsupported"]).toBe(1n);
  });
});
