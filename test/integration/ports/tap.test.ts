// `tap` and `internal` ports on real TAP devices: frames between a namespace holding the TAP
// and a veth port, both directions, through WASM buffers; devices we create vanish on close,
// persistent ones we merely open stay.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFastPath } from "../../../src/datapath/fastpath-module.ts";
import { InternalBackend } from "../../../src/ports/internal.ts";
import { netdevExists, netdevInfo } from "../../../src/ports/netdev-info.ts";
import { SystemBackend } from "../../../src/ports/system.ts";
import { TapBackend } from "../../../src/ports/tap.ts";
import { NetLab, PYTHON, requireTools, sh, type VethNs } from "../../support/netns.ts";
import { frame, receiveFrames, sendFrames, sniff } from "./frame-peer.ts";

const lab = new NetLab();
let tapNs: string;
let v: VethNs;

beforeAll(() => {
  requireTools("ip", PYTHON);
  try {
    tapNs = lab.addNamespace("t");
    v = lab.addVethNs("v");
  } catch (e) {
    lab.cleanup();
    throw e;
  }
});
afterAll(() => lab.cleanup());

const hex = (fs: Uint8Array[]) => fs.map((f) => Buffer.from(f).toString("hex"));

describe("tap port backend", () => {
  it("exchanges frames with a veth port in both directions and removes its TAP on close", async () => {
    const fp = await createFastPath({ buffers: 256 });
    const tapName = lab.name("tap");
    const tap = new TapBackend(fp, tapName);
    lab.track(tapName);
    expect(tap.created).toBe(true);
    const sys = new SystemBackend(fp, v.host);
    try {
      sh("ip", ["link", "set", tapName, "netns", tapNs]);
      lab.exec(tapNs, ["sh", "-c", `echo 1 > /proc/sys/net/ipv6/conf/${tapName}/disable_ipv6`]);
      sh("ip", ["-n", tapNs, "link", "set", tapName, "up"]);

      // namespace → TAP → WASM → veth → namespace
      const toVeth = [frame({ fill: 21 }), frame({ fill: 22, tags: [[0x8100, 42]] })];
      const s1 = sniff(v.ns, v.peer, toVeth.length, 5);
      await s1.ready;
      await sendFrames(tapNs, tapName, toVeth);
      const r1 = await receiveFrames(fp, tap, toVeth.length, 3000);
      expect(hex(r1.frames)).toEqual(hex(toVeth));
      expect(sys.transmit(new Uint32Array(r1.ids), r1.ids.length)).toBe(toVeth.length);
      for (const id of r1.ids) fp.bufferFree(id);
      expect(hex(await s1.frames)).toEqual(hex(toVeth));

      // namespace → veth → WASM → TAP → namespace
      const toTap = [frame({ fill: 31 }), frame({ fill: 32, tags: [[0x8100, 43]] }), frame({ fill: 33 })];
      const s2 = sniff(tapNs, tapName, toTap.length, 5);
      await s2.ready;
      await sendFrames(v.ns, v.peer, toTap);
      const r2 = await receiveFrames(fp, sys, toTap.length, 3000);
      expect(hex(r2.frames)).toEqual(hex(toTap));
      expect(tap.transmit(new Uint32Array(r2.ids), r2.ids.length)).toBe(toTap.length);
      for (const id of r2.ids) fp.bufferFree(id);
      expect(hex(await s2.frames)).toEqual(hex(toTap));

      const ts = tap.stats;
      expect(ts.rxPackets).toBeGreaterThanOrEqual(toVeth.length);
      expect(ts.txPackets).toBe(toTap.length);
      expect(ts.txBytes).toBe(toTap.reduce((s, f) => s + f.length, 0));
    } finally {
      tap.close();
      sys.close();
    }
    expect(lab.linkExists(tapName, tapNs)).toBe(false);
    expect(fp.bufferFreeCount()).toBe(fp.bufferCount());
  });

  it("counts drops, not exceptions, when writing to a TAP that is down", async () => {
    const fp = await createFastPath({ buffers: 16 });
    const tap = new TapBackend(fp, lab.name("tdn"));
    lab.track(tap.name);
    try {
      const id = fp.bufferAlloc();
      const f = frame({ fill: 5 });
      new Uint8Array(fp.memory.buffer, fp.bufferData(id), f.length).set(f);
      fp.bufferSetLength(id, f.length);
      expect(tap.transmit(new Uint32Array([id]), 1)).toBe(0);
      fp.bufferFree(id);
      expect(tap.stats.txDrops + tap.stats.txErrors).toBe(1);
      expect(tap.receive(32)).toBe(0);
    } finally {
      tap.close();
    }
  });

  it("opens an existing persistent TAP and leaves it in place on close", async () => {
    const fp = await createFastPath({ buffers: 16 });
    const name = lab.name("tps");
    sh("ip", ["tuntap", "add", "dev", name, "mode", "tap"]);
    lab.track(name);
    const tap = new TapBackend(fp, name, { up: true });
    expect(tap.created).toBe(false);
    expect(netdevInfo(name).adminUp).toBe(true);
    tap.close();
    expect(netdevExists(name)).toBe(true);
  });
});

describe("internal port backend", () => {
  it("is a TAP named after the bridge, with kernel-reported MTU, MAC and state", async () => {
    const fp = await createFastPath({ buffers: 16 });
    const bridge = lab.name("br");
    const port = new InternalBackend(fp, bridge, { up: true });
    lab.track(bridge);
    try {
      expect(port.type).toBe("internal");
      const info = netdevInfo(bridge);
      expect(info.ifindex).toBeGreaterThan(0);
      expect(info.mtu).toBe(1500);
      expect(info.mac).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
      expect(info.mac).not.toBe("00:00:00:00:00:00");
      expect(info.adminUp).toBe(true);
      expect(sh("ip", ["-o", "link", "show", bridge])).toContain(info.mac);
    } finally {
      port.close();
    }
    expect(netdevExists(bridge)).toBe(false);
  });
});
