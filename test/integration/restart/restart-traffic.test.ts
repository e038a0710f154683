// Restart with the real datapath: the configuration made over REST survives a SIGKILL, and the
// switch forwards (and isolates VLANs) again after the restart from the same state directory.
//
// Design:
//
//   ns a ── veth ──┐                        ┌── bridge <prefix>br (standalone)
//   ns b ── veth ──┼── system ports ──► wasmvs daemon (real datapath, --no-internal-ports)
//   ns c ── veth ──┘   a, b: access VLAN 10; c: access VLAN 20
//
//   1. spawn the daemon on a fresh state dir; create the bridge and its three ports over REST
//      (explicit ofports on two, one assigned; a trunk-mode detour on c so the stored VLAN
//      settings went through an update, not just a create);
//   2. ping a → b succeeds (ARP broadcast flooded in VLAN 10, unicast learned);
//      ping a → c fails: a and c hold static neighbour entries for each other, so the ICMP
//      frames are unicast to c's MAC and only the switch's VLAN separation stops them;
//   3. record GET /v1/bridges, GET .../ports and each GET .../ports/{p}; SIGKILL the daemon;
//   4. spawn it again on the same state dir: all three reads deep-equal what was recorded
//      (names, VLAN mode, tag, trunks, ofports, admin state, options, bridge settings);
//      ping a → b succeeds again and a → c still fails.
//
// What it proves: configuration acknowledged over REST is replayed after an unclean stop, and
// the replayed configuration is what the datapath runs (ports re-attached, VLAN policy in force).

import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NetLab, requireTools, sh, type VethNs } from "../../support/netns.ts";
import { type DaemonProcess, killAllDaemons, spawnDaemon } from "../daemon/daemon-process.ts";
import { rest, restOk } from "./rest.ts";

const lab = new NetLab();
const BRIDGE = lab.name("br");
const IP = { a: "10.214.0.1", b: "10.214.0.2", c: "10.214.0.3" };
let a: VethNs;
let b: VethNs;
let c: VethNs;
const stateRoot = mkdtempSync(join(tmpdir(), "wasmvs-restart-traffic-"));
const stateDir = join(stateRoot, "state");

beforeAll(() => {
  requireTools("ip", "ping");
  try {
    a = lab.addVethNs("a");
    b = lab.addVethNs("b");
    c = lab.addVethNs("c");
    for (const [v, ip] of [
      [a, IP.a],
      [b, IP.b],
      [c, IP.c],
    ] as const) {
      sh("ip", ["-n", v.ns, "addr", "add", `${ip}/24`, "dev", v.peer]);
    }
    const mac = (v: VethNs) => lab.exec(v.ns, ["cat", `/sys/class/net/${v.peer}/address`]).trim();
    sh("ip", ["-n", a.ns, "neigh", "add", IP.c, "lladdr", mac(c), "dev", a.peer, "nud", "permanent"]);
    sh("ip", ["-n", c.ns, "neigh", "add", IP.a, "lladdr", mac(a), "dev", c.peer, "nud", "permanent"]);
  } catch (e) {
    lab.cleanup();
    throw e;
  }
});

afterAll(() => {
  killAllDaemons();
  lab.cleanup();
  rmSync(stateRoot, { recursive: true, force: true });
});

/** Pings `ip` from `from`'s namespace; true if any reply came back. */
function ping(from: VethNs, ip: string, count = 3): boolean {
  const r = spawnSync(
    "ip",
    ["netns", "exec", from.ns, "ping", "-n", "-q", "-c", String(count), "-i", "0.2", "-W", "1", ip],
    {
      encoding: "utf8",
    },
  );
  return r.status === 0;
}

/** Pings until one succeeds or `tries` rounds failed (the first round may spend itself on ARP/learning). */
function pingWorks(from: VethNs, ip: string, tries = 3): boolean {
  for (let i = 0; i < tries; i++) if (ping(from, ip)) return true;
  return false;
}

async function readConfig(url: string) {
  const bridges = (await restOk(url, "GET", "/bridges")).json;
  const ports = (await restOk(url, "GET", `/bridges/${BRIDGE}/ports`)).json;
  const each: unknown[] = [];
  for (const p of ports as Array<{ name: string }>) {
    each.push((await restOk(url, "GET", `/bridges/${BRIDGE}/ports/${p.name}`)).json);
  }
  return { bridges, ports, each };
}

describe("restart with the real datapath", () => {
  it("brings back the same bridges, ports and VLANs after SIGKILL, and traffic flows as before", async () => {
    const flags = ["--no-internal-ports"];
    let daemon: DaemonProcess = await spawnDaemon(stateDir, flags);
    const url0 = daemon.url;

    await restOk(url0, "POST", "/bridges", { name: BRIDGE, failMode: "standalone", macAgingSeconds: 120 });
    await restOk(url0, "POST", `/bridges/${BRIDGE}/ports`, { name: a.host, type: "system", tag: 10, ofport: 7 });
    await restOk(url0, "POST", `/bridges/${BRIDGE}/ports`, {
      name: b.host,
      type: "system",
      vlanMode: "access",
      tag: 10,
    });
    await restOk(url0, "POST", `/bridges/${BRIDGE}/ports`, {
      name: c.host,
      type: "system",
      vlanMode: "trunk",
      trunks: [20, 30],
      ofport: 12,
    });
    // c: trunk → access 20 through an update (trunks cleared explicitly).
    await restOk(url0, "PATCH", `/bridges/${BRIDGE}/ports/${c.host}`, { vlanMode: "access", tag: 20, trunks: [] });

    const before = await readConfig(url0);
    const mine = (before.bridges as Array<{ name: string }>).find((x) => x.name === BRIDGE);
    expect(mine).toMatchObject({ name: BRIDGE, failMode: "standalone", macAgingSeconds: 120 });
    expect(before.ports).toEqual(
      [
        {
          name: a.host,
          type: "system",
          ofport: 7,
          vlanMode: "access",
          tag: 10,
          trunks: [],
          adminDown: false,
          options: {},
        },
        {
          name: b.host,
          type: "system",
          ofport: 1,
          vlanMode: "access",
          tag: 10,
          trunks: [],
          adminDown: false,
          options: {},
        },
        {
          name: c.host,
          type: "system",
          ofport: 12,
          vlanMode: "access",
          tag: 20,
          trunks: [],
          adminDown: false,
          options: {},
        },
      ].sort((x, y) => x.ofport - y.ofport),
    );

    expect(pingWorks(a, IP.b), "ping a → b (VLAN 10) before the restart").toBe(true);
    expect(ping(a, IP.c), "ping a → c (VLAN 10 → 20) before the restart").toBe(false);

    daemon.child.kill("SIGKILL");
    expect(await daemon.exited).toBe("SIGKILL");
    // Nothing answers any more: the next start really is a new process.
    await expect(rest(url0, "GET", "/health")).rejects.toThrow();

    daemon = await spawnDaemon(stateDir, flags);
    expect(daemon.url).not.toBe(url0); // port 0: a fresh listener
    const after = await readConfig(daemon.url);
    expect(after.bridges).toEqual(before.bridges);
    expect(after.ports).toEqual(before.ports);
    expect(after.each).toEqual(before.each);

    expect(pingWorks(a, IP.b), "ping a → b (VLAN 10) after the restart").toBe(true);
    expect(pingWorks(b, IP.a), "ping b → a (VLAN 10) after the restart").toBe(true);
    expect(ping(a, IP.c), "ping a → c (VLAN 10 → 20) after the restart").toBe(false);

    // The replayed ports are attached to the datapath and counted the traffic.
    for (const p of [a.host, b.host]) {
      const stats = (await restOk(daemon.url, "GET", `/bridges/${BRIDGE}/ports/${p}/stats`)).json;
      expect(stats.rxPackets, `${p} rxPackets after the restart: ${JSON.stringify(stats)}`).toBeGreaterThan(0);
      expect(stats.txPackets, `${p} txPackets after the restart: ${JSON.stringify(stats)}`).toBeGreaterThan(0);
    }

    daemon.child.kill("SIGTERM");
    expect(await daemon.exited).toBe(0);
  });
});
