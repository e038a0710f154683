// Hot-plug on the running switch, with real kernel interfaces: ports are added and removed over
// REST while traffic flows between two other ports, with zero loss on those.
//
// What it proves: a continuous ping (600 echo requests, one every 10 ms) between two namespaces
//   on veth `system` ports loses nothing while a third port — alternately a veth `system` port
//   and a TAP the switch creates — is added and removed again and again (each add waits until
//   the datapath attached the port, so every cycle really reaches the worker).
// How: the daemon is its own process; ping runs as an async child process inside a namespace
//   and the test drives REST meanwhile. Every port change revalidates the bridge's megaflows,
//   so the ping's packets also cross the upcall path during the churn.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NetLab, requireTools, type VethNs } from "../../support/netns.ts";
import { addAddress, macOf, ping, staticNeighbour } from "../../support/ns-traffic.ts";
import { pollUntil, SwitchDaemon, stopSwitch } from "../../support/switch-daemon.ts";

const lab = new NetLab();
let sw: SwitchDaemon | undefined;
let a: VethNs;
let b: VethNs;
let h: VethNs;

beforeAll(async () => {
  requireTools("ip", "ping");
  try {
    a = lab.addVethNs("a");
    b = lab.addVethNs("b");
    h = lab.addVethNs("h");
    addAddress(a.ns, a.peer, "10.80.0.1/24");
    addAddress(b.ns, b.peer, "10.80.0.2/24");
    staticNeighbour(a.ns, a.peer, "10.80.0.2", macOf(lab, b.ns, b.peer));
    staticNeighbour(b.ns, b.peer, "10.80.0.1", macOf(lab, a.ns, a.peer));
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

describe("hot-plug on the running switch", () => {
  it("adds and removes ports during a continuous ping between two other ports with zero loss", async () => {
    const s = sw as SwitchDaemon;
    const tap = lab.name("hpt");
    lab.track(tap);
    const warm = await ping(a.ns, "10.80.0.2", { count: 3, wait: 2 });
    expect(warm.received, warm.output).toBe(3);

    let done = false;
    let cycles = 0;
    let cyclesDuringPing = 0;
    const pinging = ping(a.ns, "10.80.0.2", { count: 600, interval: 0.01, wait: 2 }).finally(() => {
      done = true;
      cyclesDuringPing = cycles;
    });
    while (!done) {
      const port = cycles % 2 === 0 ? { name: h.host, type: "system" } : { name: tap, type: "tap" };
      await s.addPort(port);
      await s.deletePort(port.name);
      if (port.type === "tap")
        await pollUntil(
          "the TAP removed",
          () => lab.linkExists(tap),
          (e) => !e,
        );
      cycles++;
    }
    const r = await pinging;
    expect(r.output).toMatch(/600 packets transmitted, 600 received, 0% packet loss/);
    expect(cyclesDuringPing, "add/remove cycles completed while the ping ran").toBeGreaterThanOrEqual(4);
    // Nothing of the churn is left: the two ports the ping used are the bridge's only ports.
    const ports = (await s.ok("GET", `/bridges/${s.bridge}/ports`)) as Array<{ name: string }>;
    expect(ports.map((p) => p.name).sort()).toEqual([a.host, b.host].sort());
  });
});
