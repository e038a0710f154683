import { describe, expect, it } from "vitest";
import { summarizeFrame } from "../../../src/observe/frame-summary.ts";
import { ethFrame } from "../../support/frames.ts";

function icmpEcho(type: number, vlan?: number): Uint8Array {
  const ip = new Uint8Array(20 + 8 + 56);
  ip.set([0x45, 0, 0, ip.length, 0, 0, 0, 0, 64, 1, 0, 0, 10, 200, 1, 1, 10, 200, 1, 2]);
  ip.set([type, 0, 0, 0, 0, 7, 0, 1], 20);
  const eth = [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1];
  const tag = vlan === undefined ? [] : [0x81, 0x00, (vlan >> 8) & 0x0f, vlan & 0xff];
  return Uint8Array.from([...eth, ...tag, 0x08, 0x00, ...ip]);
}

describe("frame summaries", () => {
  const t = new Date(2026, 0, 2, 3, 4, 5, 678).getTime() + 0.9;
  it("prints time, direction, MACs and the ICMP echo like tcpdump -e -n", () => {
    expect(summarizeFrame(icmpEcho(8), 1, t)).toBe(
      "03:04:05.678900 in  02:00:00:00:00:01 > 02:00:00:00:00:02, IPv4 10.200.1.1 > 10.200.1.2: ICMP echo request, id 7, seq 1, length 64",
    );
    expect(summarizeFrame(icmpEcho(0, 10), 2, t)).toContain(
      "out 02:00:00:00:00:01 > 02:00:00:00:00:02, vlan 10, p 0, IPv4 10.200.1.1 > 10.200.1.2: ICMP echo reply",
    );
  });

  it("never throws: short and unknown frames say what they are", () => {
    expect(summarizeFrame(new Uint8Array(5), 1, t)).toContain("truncated frame of 5 bytes");
    expect(summarizeFrame(icmpEcho(8).subarray(0, 20), 1, t)).toContain("IPv4 [|truncated]");
    const other = ethFrame({ src: "02:00:00:00:00:01", dst: "ff:ff:ff:ff:ff:ff" });
    expect(summarizeFrame(other, 2, t)).toMatch(/out 02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff, ethertype 0x88b5/);
  });
});
