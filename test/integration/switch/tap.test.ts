// TAP ports created by the running switch, with real kernel interfaces: the daemon process and
// its datapath worker.
//
// What it proves:
//   - POST a port of type "tap" makes wasmvs create the TAP device; moved into a namespace (the
//     switch keeps its fd) and given an address there, it exchanges traffic with a namespace
//     on a veth `system` port across the switch (ping, no loss);
//   - deleting the port removes the TAP, whether it was moved into a namespace or not.
// How: one daemon, one bridge (no LOCAL port); the TAP is moved with `ip link set … netns`.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NetLab, PYTHON, requireTools, sh, type VethNs } from "../../support/netns.ts";
import { addAddress, ping } from "../../support/ns-traffic.ts";
import { pollUntil, SwitchDaemon, stopSwitch } from "../../support/switch-daemon.ts";

const lab = new NetLab();
let sw: SwitchDaemon | undefined;
let a: VethNs;
let tapNs = "";

beforeAll(async () => {
  requireTools("ip", "ping", PYTHON);
  try {
    a = lab.addVethNs("a");
    tapNs = lab.addNamespace("t");
    addAddress(a.ns, a.peer, "10.79.0.1/24");
    sw = await SwitchDaemon.start(lab, { internalPorts: false });
    await sw.addPort({ name: a.host, type: "system" });
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

describe("TAP ports on the running switch", () => {
  it("creates a TAP that, moved into a namespace, pings a veth port's namespace across the switch", async () => {
    const s = sw as SwitchDaemon;
    const tap = lab.name("tap");
    lab.track(tap);
    expect(lab.linkExists(tap)).toBe(false);
    const view = await s.addPort({ name: tap, type: "tap" });
    expect(view).toMatchObject({ name: tap, type: "tap" });
    expect(lab.linkExists(tap), "the switch did not create the TAP").toBe(true);
    expect(sh("ip", ["-d", "link", "show", tap])).toMatch(/tun type tap/);

    sh("ip", ["link", "set", tap, "netns", tapNs]);
    sh("ip", ["netns", "exec", tapNs, "sh", "-c", `echo 1 > /proc/sys/net/ipv6/conf/${tap}/disable_ipv6`]);
    addAddress(tapNs, tap, "10.79.0.2/24");
    sh("ip", ["-n", tapNs, "link", "set", tap, "up"]);

    const r = await ping(tapNs, "10.79.0.1", { count: 10, wait: 2 });
    expect(r.received, r.output).toBe(10);
    const back = await ping(a.ns, "10.79.0.2", { count: 5, wait: 2 });
    expect(back.received, back.output).toBe(5);
    const stats = await s.stats(tap);
    expect(stats.rxPackets).toBeGreaterThanOrEqual(15);
    expect(stats.txPackets).toBeGreaterThanOrEqual(15);

    await s.deletePort(tap);
    await pollUntil(
      "the TAP removed from its namespace",
      () => lab.linkExists(tap, tapNs),
      (e) => !e,
    );
    expect(lab.linkExists(tap)).toBe(false);
    const gone = await ping(a.ns, "10.79.0.2", { count: 2, wait: 1 });
    expect(gone.received, gone.output).toBe(0);
  });

  it("removes a TAP it created in its own namespace when the port is deleted", async () => {
    const s = sw as SwitchDaemon;
    const tap = lab.name("tap2");
    lab.track(tap);
    await s.addPort({ name: tap, type: "tap" });
    expect(lab.linkExists(tap)).toBe(true);
    await s.deletePort(tap);
    await pollUntil(
      "the TAP removed",
      () => lab.linkExists(tap),
      (e) => !e,
    );
    expect((await s.call("GET", `/bridges/${s.bridge}/ports/${tap}`)).status).toBe(404);
  });
});
