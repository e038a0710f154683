// `system` ports on real veths: frames sent from one namespace are received through an
// AF_PACKET backend into WASM buffers, transmitted out another backend and checked, byte for
// byte, in the second namespace — with 802.1Q / 802.1ad tags the kernel strips on receive.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFastPath, type FastPath, readCounters } from "../../../src/datapath/fastpath-module.ts";
import { SystemBackend } from "../../../src/ports/system.ts";
import { NetLab, PYTHON, requireTools, sh, type VethNs } from "../../support/netns.ts";
import { frame, MARK_SRC, receiveFrames, sendFrames, sniff, udpListen, udpSend } from "./frame-peer.ts";

const lab = new NetLab();
const IP_A = "10.213.0.1";
const IP_B = "10.213.0.2";
let a: VethNs;
let b: VethNs;

beforeAll(() => {
  requireTools("ip", PYTHON);
  try {
    a = lab.addVethNs("a");
    b = lab.addVethNs("b");
    // Addresses for the UDP test: A's stack sends to B straight through the two ports.
    sh("ip", ["-n", a.ns, "link", "set", a.peer, "address", MARK_SRC]);
    sh("ip", ["-n", a.ns, "addr", "add", `${IP_A}/24`, "dev", a.peer]);
    sh("ip", ["-n", b.ns, "addr", "add", `${IP_B}/24`, "dev", b.peer]);
    const macB = lab.exec(b.ns, ["cat", `/sys/class/net/${b.peer}/address`]).trim();
    sh("ip", ["-n", a.ns, "neigh", "add", IP_B, "lladdr", macB, "dev", a.peer, "nud", "permanent"]);
  } catch (e) {
    lab.cleanup();
    throw e;
  }
});
afterAll(() => lab.cleanup());

const FRAMES = [
  frame({ fill: 1 }),
  frame({ fill: 2, tags: [[0x8100, (3 << 13) | 100]] }),
  frame({ fill: 3, tags: [[0x88a8, 200]] }),
  frame({ fill: 4, tags: [[0x8100, 0]] }),
];

function idsView(fp: FastPath, ids: number[], inWasm: boolean): Uint32Array {
  if (!inWasm) return new Uint32Array(ids);
  const v = new Uint32Array(fp.memory.buffer, fp.dpRxIds(), ids.length);
  v.set(ids);
  return v;
}

describe.each([
  { mode: "TPACKET_V3 ring", ring: true },
  { mode: "recvmmsg", ring: false },
])("system port backend ($mode)", ({ ring }) => {
  it("forwards untagged and tagged frames veth → WASM → veth with tags intact", async () => {
    const fp = await createFastPath({ buffers: 512 });
    const pa = new SystemBackend(fp, a.host, { ring });
    const pb = new SystemBackend(fp, b.host, { ring });
    try {
      const sniffer = sniff(b.ns, b.peer, FRAMES.length, 5);
      await sniffer.ready;
      await sendFrames(a.ns, a.peer, FRAMES);
      const rx = await receiveFrames(fp, pa, FRAMES.length, 3000);
      expect(rx.frames.map((f) => Buffer.from(f).toString("hex"))).toEqual(
        FRAMES.map((f) => Buffer.from(f).toString("hex")),
      );
      expect(readCounters(fp)["ports.vlan_restored"]).toBeGreaterThanOrEqual(3n);

      const sent = pb.transmit(idsView(fp, rx.ids, ring), rx.ids.length);
      for (const id of rx.ids) fp.bufferFree(id);
      expect(sent).toBe(FRAMES.length);
      const seen = await sniffer.frames;
      expect(seen.map((f) => Buffer.from(f).toString("hex"))).toEqual(
        FRAMES.map((f) => Buffer.from(f).toString("hex")),
      );

      // Our own transmissions must not come back as received on the sending port.
      const echo = await receiveFrames(fp, pb, 1, 300);
      expect(echo.frames).toHaveLength(0);
      const sa = pa.stats;
      const sb = pb.stats;
      expect(sa.rxPackets).toBeGreaterThanOrEqual(FRAMES.length);
      expect(sb.txPackets).toBe(FRAMES.length);
      expect(sb.txBytes).toBe(FRAMES.reduce((s, f) => s + f.length, 0));
      expect(sb.txErrors + sb.txDrops).toBe(0);
    } finally {
      pa.close();
      pb.close();
    }
    // Every buffer is back in the pool: nothing leaked through receive, transmit or close.
    expect(fp.bufferFreeCount()).toBe(fp.bufferCount());
  });

  it("completes checksums a namespace's stack left to the veth, so forwarded UDP is accepted", async () => {
    const fp = await createFastPath({ buffers: 256 });
    const pa = new SystemBackend(fp, a.host, { ring });
    const pb = new SystemBackend(fp, b.host, { ring });
    try {
      const listener = udpListen(b.ns, IP_B, 9999, 3, 5);
      await listener.ready;
      await udpSend(a.ns, IP_B, 9999, 3);
      const rx = await receiveFrames(fp, pa, 3, 3000);
      expect(rx.frames).toHaveLength(3);
      expect(readCounters(fp)["ports.csum_completed"]).toBe(3n);
      expect(pb.transmit(new Uint32Array(rx.ids), rx.ids.length)).toBe(3);
      for (const id of rx.ids) fp.bufferFree(id);
      expect(await listener.frames).toEqual(["dgram 0", "dgram 1", "dgram 2"]);
    } finally {
      pa.close();
      pb.close();
    }
  });

  it("does not read back frames the host itself sends out the port (PACKET_IGNORE_OUTGOING)", async () => {
    const fp = await createFastPath({ buffers: 64 });
    const p = new SystemBackend(fp, b.host, { ring });
    try {
      const sniffer = sniff(b.ns, b.peer, 2, 5);
      await sniffer.ready;
      const out = [frame({ fill: 9 }), frame({ fill: 10, tags: [[0x8100, 7]] })];
      await sendFrames(null, b.host, out);
      expect((await sniffer.frames).length).toBe(2); // they did go out of the device
      const echo = await receiveFrames(fp, p, 1, 300);
      expect(echo.frames).toHaveLength(0);
    } finally {
      p.close();
    }
  });

  it("returns 0 without blocking when nothing is waiting", async () => {
    const fp = await createFastPath({ buffers: 64 });
    const p = new SystemBackend(fp, a.host, { ring });
    try {
      // Drain whatever the link had queued, then the next call must be empty and immediate.
      while (p.receive(32) > 0) {
        for (const id of new Uint32Array(fp.memory.buffer, fp.dpRxIds(), 32)) fp.bufferFree(id);
      }
      const t0 = performance.now();
      expect(p.receive(32)).toBe(0);
      expect(performance.now() - t0).toBeLessThan(50);
    } finally {
      p.close();
    }
  });
});

describe("system port backend errors", () => {
  it("names the missing device", async () => {
    const fp = await createFastPath({ buffers: 16 });
    expect(() => new SystemBackend(fp, lab.name("zz"))).toThrow(/SIOCGIFINDEX.*wvs\d+zz.*ENODEV/);
  });
});
