// MAC learning on the running switch, with real kernel interfaces: the daemon process, its
// datapath worker, and namespaces on veth pairs attached as `system` ports.
//
// What it proves:
//   - flooding reaches exactly the right ports: N broadcast and N unknown-unicast frames sent
//     into one access port of VLAN 10 arrive exactly N times (byte for byte) on every other
//     VLAN 10 port, tagged with VID 10 on the trunk, 0 times on the VLAN 20 port and 0 times
//     back on the ingress port;
//   - a MAC move is learned: a host's IP and MAC move to another namespace (another port); the
//     FDB shows the MAC on the new port and a ping to the host follows it (the old port gets
//     none of it);
//   - FDB flush over REST: by port removes only that port's entries; a full flush empties the
//     table;
//   - aging: with macAgingSeconds 2, an entry learned from one frame is gone within aging + a
//     few seconds once traffic stops, and not before the aging time.
// How: one daemon, one bridge (no LOCAL port). Frames are sent and counted with frame-peer.py
//   (raw sockets; each sniffer counts only frames from the test's source MAC, so nothing else a
//   kernel sends disturbs the counts; IPv6 is off and ARP entries are static anyway).
//
//   a, b, c, d: access VLAN 10     e: access VLAN 20     t: trunk (all VLANs)

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NetLab, PYTHON, requireTools, sh, type VethNs } from "../../support/netns.ts";
import { addAddress, macOf, ping, staticNeighbour } from "../../support/ns-traffic.ts";
import { pollUntil, SwitchDaemon, stopSwitch } from "../../support/switch-daemon.ts";
import { frame, type Sniffer, sendFrames, sniff } from "../ports/frame-peer.ts";

const lab = new NetLab();
let sw: SwitchDaemon | undefined;
const ns: Record<string, VethNs> = {};
const TAGS = ["a", "b", "c", "d", "e", "t"];

beforeAll(async () => {
  requireTools("ip", "ping", PYTHON);
  try {
    for (const tag of TAGS) ns[tag] = lab.addVethNs(tag);
    sw = await SwitchDaemon.start(lab, { internalPorts: false });
    for (const tag of ["a", "b", "c", "d"]) await sw.addPort({ name: ns[tag].host, type: "system", tag: 10 });
    await sw.addPort({ name: ns.e.host, type: "system", tag: 20 });
    await sw.addPort({ name: ns.t.host, type: "system", vlanMode: "trunk" });
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

const hex = (f: Uint8Array) => Buffer.from(f).toString("hex");

/** f with an 802.1Q tag (VID vid) inserted after the MACs. */
function withTag(f: Uint8Array, vid: number): string {
  const b = Buffer.from(f);
  return hex(Buffer.concat([b.subarray(0, 12), Buffer.from([0x81, 0x00, vid >> 8, vid & 0xff]), b.subarray(12)]));
}

describe("MAC learning on the running switch", () => {
  it("floods broadcast and unknown unicast to exactly the other ports of the VLAN", async () => {
    const N = 20;
    const src = "02:77:66:6c:00:01";
    const bcast = Array.from({ length: N }, (_, i) => frame({ src, dst: "ff:ff:ff:ff:ff:ff", fill: i }));
    const unknown = Array.from({ length: N }, (_, i) => frame({ src, dst: "02:77:66:6c:00:99", fill: 100 + i }));
    // Each sniffer waits for one frame more than may come, so an extra copy would be counted.
    const sniffers: Record<string, Sniffer> = {};
    for (const tag of TAGS) sniffers[tag] = sniff(ns[tag].ns, ns[tag].peer, 2 * N + 1, 5, src);
    await Promise.all(Object.values(sniffers).map((s) => s.ready));
    await sendFrames(ns.a.ns, ns.a.peer, [...bcast, ...unknown]);

    const seen: Record<string, string[]> = {};
    for (const tag of TAGS) seen[tag] = (await sniffers[tag].frames).map(hex);
    const sent = [...bcast, ...unknown];
    const counts = Object.fromEntries(TAGS.map((t) => [t, seen[t].length]));
    expect(counts).toEqual({ a: 0, b: 2 * N, c: 2 * N, d: 2 * N, e: 0, t: 2 * N });
    for (const tag of ["b", "c", "d"]) expect(seen[tag].sort()).toEqual(sent.map(hex).sort());
    expect(seen.t.sort()).toEqual(sent.map((f) => withTag(f, 10)).sort());
    // The source was learned on the ingress port, in VLAN 10.
    expect(await sw?.fdbEntry(src, 10)).toMatchObject({ port: ns.a.host, static: false });
  });

  it("learns a MAC move: the FDB shows the new port, it stays there, and traffic follows", async () => {
    const s = sw as SwitchDaemon;
    const M = "02:77:6d:76:00:01";
    const IP_M = "10.78.0.1";
    const IP_B = "10.78.0.2";
    const macB = macOf(lab, ns.b.ns, ns.b.peer);
    sh("ip", ["-n", ns.a.ns, "link", "set", ns.a.peer, "address", M]);
    addAddress(ns.a.ns, ns.a.peer, `${IP_M}/24`);
    addAddress(ns.b.ns, ns.b.peer, `${IP_B}/24`);
    staticNeighbour(ns.a.ns, ns.a.peer, IP_B, macB);
    staticNeighbour(ns.b.ns, ns.b.peer, IP_M, M);
    // c will take the host over: same MAC, silent until it announces itself (no address yet,
    // IPv6 off).
    sh("ip", ["-n", ns.c.ns, "link", "set", ns.c.peer, "down"]);
    sh("ip", ["-n", ns.c.ns, "link", "set", ns.c.peer, "address", M]);
    sh("ip", ["-n", ns.c.ns, "link", "set", ns.c.peer, "up"]);
    staticNeighbour(ns.c.ns, ns.c.peer, IP_B, macB);

    const before = await ping(ns.b.ns, IP_M, { count: 20, interval: 0.02, wait: 2 });
    expect(before.received, before.output).toBe(20);
    expect(await s.fdbEntry(M, 10)).toMatchObject({ port: ns.a.host });

    // The host moves, as a VM does on migration: its address leaves a, c gets it and sends one
    // frame from M (a gratuitous announcement) — then stays quiet.
    sh("ip", ["-n", ns.a.ns, "addr", "flush", "dev", ns.a.peer]);
    addAddress(ns.c.ns, ns.c.peer, `${IP_M}/24`);
    await sendFrames(ns.c.ns, ns.c.peer, [frame({ src: M, dst: "ff:ff:ff:ff:ff:ff" })]);
    await pollUntil(
      `${M} on ${ns.c.host}`,
      () => s.fdbEntry(M, 10),
      (e) => e?.port === ns.c.host,
      5000,
    );
    // Nothing has come from M on a since the move, so nothing may move it back — not even
    // flow statistics the datapath reports late for a's earlier traffic (reported every second).
    const samples: string[] = [];
    for (const end = Date.now() + 2000; Date.now() < end; ) {
      samples.push((await s.fdbEntry(M, 10))?.port ?? "(none)");
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(new Set(samples), `FDB port of ${M} after the move, sampled for 2 s`).toEqual(new Set([ns.c.host]));

    const atOld = sniff(ns.a.ns, ns.a.peer, 1, 3, macB);
    await atOld.ready;
    const after = await ping(ns.b.ns, IP_M, { count: 5, wait: 2 });
    expect(after.received, after.output).toBe(5);
    expect(await atOld.frames, "frames to the moved MAC still went to its old port").toHaveLength(0);
    expect((await s.fdbEntry(M, 10))?.port).toBe(ns.c.host);
  });

  it("flushes the FDB over REST: one port's entries, then everything", async () => {
    const s = sw as SwitchDaemon;
    const srcs = ["02:77:66:00:00:0a", "02:77:66:00:00:0b"];
    await sendFrames(ns.a.ns, ns.a.peer, [frame({ src: srcs[0], dst: "ff:ff:ff:ff:ff:ff" })]);
    await sendFrames(ns.b.ns, ns.b.peer, [frame({ src: srcs[1], dst: "ff:ff:ff:ff:ff:ff" })]);
    await pollUntil(
      "both sources learned",
      () => s.fdb(),
      (fdb) => srcs.every((m) => fdb.some((e) => e.mac === m)),
    );

    const byPort = await s.ok("DELETE", `/bridges/${s.bridge}/fdb?port=${ns.a.host}`);
    expect(byPort.flushed).toBeGreaterThanOrEqual(1);
    const left = await s.fdb();
    expect(left.filter((e) => e.port === ns.a.host)).toEqual([]);
    expect(left.some((e) => e.mac === srcs[1] && e.port === ns.b.host)).toBe(true);

    const all = await s.ok("DELETE", `/bridges/${s.bridge}/fdb`);
    expect(all.flushed).toBe(left.length);
    expect(await s.fdb()).toEqual([]);
  });

  it("ages out an entry once traffic stops (macAgingSeconds 2)", async () => {
    const s = sw as SwitchDaemon;
    const AGING_S = 2;
    await s.ok("PATCH", `/bridges/${s.bridge}`, { macAgingSeconds: AGING_S });
    try {
      const src = "02:77:61:67:00:01";
      const t0 = Date.now();
      await sendFrames(ns.d.ns, ns.d.peer, [frame({ src, dst: "ff:ff:ff:ff:ff:ff" })]);
      const learned = await pollUntil(
        "the source learned",
        () => s.fdbEntry(src),
        (e) => e !== undefined,
        1900,
        20,
      );
      expect(learned).toMatchObject({ vlan: 10, port: ns.d.host });
      await pollUntil(
        "the entry aged out",
        () => s.fdbEntry(src),
        (e) => e === undefined,
        (AGING_S + 6) * 1000,
        100,
      );
      // Learned after t0, so it cannot have expired sooner than the aging time after t0.
      expect(Date.now() - t0).toBeGreaterThanOrEqual(AGING_S * 1000);
    } finally {
      await s.ok("PATCH", `/bridges/${s.bridge}`, { macAgingSeconds: 300 });
    }
  });
});
