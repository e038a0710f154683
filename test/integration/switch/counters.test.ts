// Port counters, link state and MTU of the running switch, with real kernel interfaces: the
// daemon process, its datapath worker, veth `system` ports.
//
// What it proves: GET …/ports/{port}/stats moves with traffic — after N frames of known size
//   from a to a MAC learned on b, a's rxPackets/rxBytes and b's txPackets/txBytes grew by at
//   least N frames and N × size bytes, with no drops or errors; linkUp is true while the veth
//   has carrier and turns false when the namespace side goes down; mtu is the kernel's MTU,
//   including after the kernel's MTU changes.
// How: frames are sent with frame-peer.py (raw socket) so their number and size are exact;
//   nothing else talks (IPv6 off, no addresses), so "at least" is also close to "exactly".

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NetLab, PYTHON, requireTools, sh, type VethNs } from "../../support/netns.ts";
import { type PortStatsReply, pollUntil, SwitchDaemon, stopSwitch } from "../../support/switch-daemon.ts";
import { frame, sendFrames, sniff } from "../ports/frame-peer.ts";

const lab = new NetLab();
let sw: SwitchDaemon | undefined;
let a: VethNs;
let b: VethNs;

beforeAll(async () => {
  requireTools("ip", PYTHON);
  try {
    a = lab.addVethNs("a");
    b = lab.addVethNs("b");
    sw = await SwitchDaemon.start(lab, { internalPorts: false });
    await sw.addPort({ name: a.host, type: "system" });
    await sw.addPort({ name: b.host, type: "system" });
  } catch (e) {
    await stopSwitch(sw);
    lab.cleanup();
    throw e;
  }
}, 90_000);

afterAll(async () => {
  await stopSwitch(sw);
  lab.cleanup();
});

describe("port stats on the running switch", () => {
  it("rx/tx packets and bytes grow by at least the frames forwarded", async () => {
    const s = sw as SwitchDaemon;
    const N = 50;
    const SRC_A = "02:77:63:6e:00:0a";
    const SRC_B = "02:77:63:6e:00:0b";
    // b's MAC is learned first, so a's frames go to b alone.
    await sendFrames(b.ns, b.peer, [frame({ src: SRC_B, dst: "ff:ff:ff:ff:ff:ff" })]);
    await pollUntil(
      "b's MAC learned",
      () => s.fdbEntry(SRC_B),
      (e) => e?.port === b.host,
    );

    const a0 = await s.stats(a.host);
    const b0 = await s.stats(b.host);
    const frames = Array.from({ length: N }, (_, i) => frame({ src: SRC_A, dst: SRC_B, fill: i }));
    const bytes = frames.reduce((sum, f) => sum + f.length, 0);
    const sniffer = sniff(b.ns, b.peer, N, 5, SRC_A);
    await sniffer.ready;
    await sendFrames(a.ns, a.peer, frames);
    expect(await sniffer.frames).toHaveLength(N);

    const grew = (now: PortStatsReply, was: PortStatsReply, dir: "rx" | "tx") =>
      now[`${dir}Packets`] - was[`${dir}Packets`] >= N && now[`${dir}Bytes`] - was[`${dir}Bytes`] >= bytes;
    const a1 = await pollUntil(
      `${a.host} rx counters`,
      () => s.stats(a.host),
      (x) => grew(x, a0, "rx"),
    );
    const b1 = await pollUntil(
      `${b.host} tx counters`,
      () => s.stats(b.host),
      (x) => grew(x, b0, "tx"),
    );
    for (const st of [a1, b1]) {
      expect(st).toMatchObject({ rxDropped: 0, rxErrors: 0, txDropped: 0, txErrors: 0 });
    }
    // Nothing but our frames crossed: the growth is exactly N frames (and the ingress sent
    // nothing back, the egress received nothing).
    expect(a1.rxPackets - a0.rxPackets).toBe(N);
    expect(b1.txPackets - b0.txPackets).toBe(N);
    expect(b1.txBytes - b0.txBytes).toBe(bytes);
    expect(a1.txPackets - a0.txPackets).toBe(0);
    expect(b1.rxPackets - b0.rxPackets).toBe(0);
  });

  it("reports linkUp and the MTU as the kernel has them", async () => {
    const s = sw as SwitchDaemon;
    const kernelMtu = () => Number(sh("cat", [`/sys/class/net/${a.host}/mtu`]).trim());
    expect(await s.stats(a.host)).toMatchObject({ linkUp: true, mtu: kernelMtu() });

    sh("ip", ["link", "set", a.host, "mtu", "1400"]);
    expect(kernelMtu()).toBe(1400);
    expect((await s.stats(a.host)).mtu).toBe(1400);

    // The namespace side goes down: the veth here loses carrier.
    sh("ip", ["-n", a.ns, "link", "set", a.peer, "down"]);
    await pollUntil(
      `${a.host} link down`,
      () => s.stats(a.host),
      (x) => !x.linkUp,
      5000,
    );
    sh("ip", ["-n", a.ns, "link", "set", a.peer, "up"]);
    await pollUntil(
      `${a.host} link up`,
      () => s.stats(a.host),
      (x) => x.linkUp,
      5000,
    );
  });
});
