// VLANs on the running switch, with real kernel interfaces: the daemon process, its datapath
// worker, and namespaces on veth pairs attached as `system` ports.
//
// What it proves:
//   - access ports: hosts in VLAN 10 reach each other; a host in VLAN 20 (same IP subnet,
//     static ARP, so only the switch can keep them apart) is unreachable from VLAN 10, and
//     none of VLAN 10's frames reach it;
//   - trunk: VLAN 10 and VLAN 20 hosts behind a trunk port reach the access hosts of their
//     VLAN, and every reply the switch sends them carries their VID on the wire;
//   - native-untagged (tag 10): the port's untagged frames join VLAN 10 and frames to it leave
//     untagged; other VLANs still cross it tagged;
//   - native-tagged (tag 10): untagged frames join VLAN 10, and frames of the native VLAN leave
//     tagged with VID 10;
//   - trunks list: a trunk with trunks [20] carries VLAN 20 but not VLAN 10, in either
//     direction.
// How: one daemon, one bridge (no LOCAL port), seven namespaces. Access hosts are the
//   namespaces' own IP stacks (ping as async child processes). The kernels on the test machines
//   have no 8021q module, so hosts behind trunks cannot be VLAN subinterfaces: vlan-host.py
//   plays them with a raw socket (ARP + ICMP echo, every frame tagged) and reports the tag of
//   every reply as it was on the wire (put back from PACKET_AUXDATA). Untagged frames towards
//   the native-untagged port are checked with frame-peer.py's raw-socket sniffer.
//
//   a (access 10) .1   b (access 10) .2   c (access 20) 10.77.10.3 + 10.77.20.3
//   t (trunk)                 raw hosts: VID 10 .4, VID 20 10.77.20.4
//   u (native-untagged 10)    stack: untagged .5; raw host VID 20 10.77.20.5
//   n (native-tagged 10)      raw hosts: VID 10 .6, untagged .16
//   f (trunk, trunks [20])    raw hosts: VID 10 .7, VID 20 10.77.20.7          (.x = 10.77.10.x)

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NetLab, PYTHON, requireTools, type VethNs } from "../../support/netns.ts";
import { addAddress, macOf, ping, staticNeighbour } from "../../support/ns-traffic.ts";
import { SwitchDaemon, stopSwitch } from "../../support/switch-daemon.ts";
import { sniff } from "../ports/frame-peer.ts";
import { type VlanHost, vlanPing } from "./vlan-host.ts";

const lab = new NetLab();
let sw: SwitchDaemon | undefined;
const ns: Record<string, VethNs> = {};
let macA = "";

const V10 = (host: number) => `10.77.10.${host}`;
const V20 = (host: number) => `10.77.20.${host}`;

/** A raw VLAN host behind namespace `tag`'s veth; MAC 02:77:<vid>:00:00:<host>. */
function rawHost(tag: string, vid: number, ip: string): VlanHost {
  const last = Number(ip.split(".")[3]);
  const hex = (n: number) => n.toString(16).padStart(2, "0");
  const mac = `02:77:${hex(vid)}:00:00:${hex(last)}`;
  return { ns: ns[tag].ns, iface: ns[tag].peer, vid, mac, ip };
}

beforeAll(async () => {
  requireTools("ip", "ping", PYTHON);
  try {
    for (const tag of ["a", "b", "c", "t", "u", "n", "f"]) ns[tag] = lab.addVethNs(tag);
    addAddress(ns.a.ns, ns.a.peer, `${V10(1)}/24`);
    addAddress(ns.b.ns, ns.b.peer, `${V10(2)}/24`);
    addAddress(ns.c.ns, ns.c.peer, `${V10(3)}/24`);
    addAddress(ns.c.ns, ns.c.peer, `${V20(3)}/24`);
    addAddress(ns.u.ns, ns.u.peer, `${V10(5)}/24`);
    macA = macOf(lab, ns.a.ns, ns.a.peer);
    // a and c share a subnet but not a VLAN: with ARP resolved statically, only the switch can
    // keep a's unicast frames away from c.
    staticNeighbour(ns.a.ns, ns.a.peer, V10(3), macOf(lab, ns.c.ns, ns.c.peer));

    sw = await SwitchDaemon.start(lab, { internalPorts: false });
    await sw.addPort({ name: ns.a.host, type: "system", tag: 10 });
    await sw.addPort({ name: ns.b.host, type: "system", tag: 10 });
    await sw.addPort({ name: ns.c.host, type: "system", tag: 20 });
    await sw.addPort({ name: ns.t.host, type: "system", vlanMode: "trunk" });
    await sw.addPort({ name: ns.u.host, type: "system", vlanMode: "native-untagged", tag: 10 });
    await sw.addPort({ name: ns.n.host, type: "system", vlanMode: "native-tagged", tag: 10 });
    await sw.addPort({ name: ns.f.host, type: "system", vlanMode: "trunk", trunks: [20] });
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

/** The 802.1Q VIDs of the frames (null for an untagged frame). */
function vids(frames: Uint8Array[]): Array<number | null> {
  return frames.map((f) => (f[12] === 0x81 && f[13] === 0x00 ? ((f[14] << 8) | f[15]) & 0xfff : null));
}

describe("VLANs on the running switch", () => {
  it("access ports: ping works within VLAN 10 and fails from VLAN 10 to VLAN 20", async () => {
    const within = await ping(ns.a.ns, V10(2), { count: 5, wait: 2 });
    expect(within.received, within.output).toBe(5);

    const sniffer = sniff(ns.c.ns, ns.c.peer, 1, 3, macA);
    await sniffer.ready;
    const across = await ping(ns.a.ns, V10(3), { count: 3, wait: 1 });
    expect(across.received, across.output).toBe(0);
    expect(across.code).not.toBe(0);
    expect(await sniffer.frames, "a frame of VLAN 10 reached the VLAN 20 port").toHaveLength(0);
  });

  it("trunk: VLAN 10 and VLAN 20 hosts behind it reach their VLANs, and replies carry their VID", async () => {
    const r10 = await vlanPing(rawHost("t", 10, V10(4)), V10(1), 5, 2);
    expect(r10).toEqual({ arp: true, sent: 5, received: 5, vids: [10, 10, 10, 10, 10, 10] });
    const r20 = await vlanPing(rawHost("t", 20, V20(4)), V20(3), 3, 2);
    expect(r20).toEqual({ arp: true, sent: 3, received: 3, vids: [20, 20, 20, 20] });
  });

  it("native-untagged: untagged frames join the native VLAN, frames to the port leave untagged", async () => {
    const sniffer = sniff(ns.u.ns, ns.u.peer, 5, 8, macA);
    await sniffer.ready;
    const r = await ping(ns.u.ns, V10(1), { count: 5, wait: 2 });
    expect(r.received, r.output).toBe(5);
    const frames = await sniffer.frames;
    expect(frames.length).toBe(5);
    expect(vids(frames)).toEqual([null, null, null, null, null]);
    // The native VLAN is VLAN 10: a VLAN 10 host on the trunk reaches the untagged host.
    const fromTrunk = await vlanPing(rawHost("t", 10, V10(4)), V10(5), 3, 2);
    expect(fromTrunk).toMatchObject({ arp: true, received: 3 });
    // Other VLANs cross the port tagged.
    const r20 = await vlanPing(rawHost("u", 20, V20(5)), V20(3), 3, 2);
    expect(r20).toEqual({ arp: true, sent: 3, received: 3, vids: [20, 20, 20, 20] });
  });

  it("native-tagged: untagged frames join the native VLAN, and its frames leave tagged", async () => {
    const tagged = await vlanPing(rawHost("n", 10, V10(6)), V10(1), 5, 2);
    expect(tagged).toEqual({ arp: true, sent: 5, received: 5, vids: [10, 10, 10, 10, 10, 10] });
    // An untagged host on the port is in VLAN 10 too, and what comes back to it is tagged.
    const untagged = await vlanPing(rawHost("n", 0, V10(16)), V10(1), 3, 2);
    expect(untagged).toEqual({ arp: true, sent: 3, received: 3, vids: [10, 10, 10, 10] });
  });

  it("trunks list: a trunk with trunks [20] carries VLAN 20 but not VLAN 10", async () => {
    const r20 = await vlanPing(rawHost("f", 20, V20(7)), V20(3), 3, 2);
    expect(r20).toEqual({ arp: true, sent: 3, received: 3, vids: [20, 20, 20, 20] });

    // VLAN 10 frames from the trunk are dropped on input: a never sees the host's ARP request.
    const host10 = rawHost("f", 10, V10(7));
    const atA = sniff(ns.a.ns, ns.a.peer, 1, 3, host10.mac);
    await atA.ready;
    const r10 = await vlanPing(host10, V10(1), 1, 0.5);
    expect(r10).toEqual({ arp: false, sent: 0, received: 0, vids: [] });
    expect(await atA.frames, "a VLAN 10 frame from the [20] trunk reached VLAN 10").toHaveLength(0);

    // VLAN 10 broadcasts (a's ARP requests for an absent host) reach the all-VLAN trunk, tagged,
    // and never the [20] trunk.
    const atF = sniff(ns.f.ns, ns.f.peer, 1, 3, macA);
    const atT = sniff(ns.t.ns, ns.t.peer, 1, 6, macA);
    await Promise.all([atF.ready, atT.ready]);
    await ping(ns.a.ns, V10(99), { count: 2, wait: 1 });
    expect(vids(await atT.frames)).toEqual([10]);
    expect(await atF.frames, "a VLAN 10 broadcast left the [20] trunk").toHaveLength(0);
  });
});
