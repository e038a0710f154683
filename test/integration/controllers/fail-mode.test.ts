// Fail modes on the running daemon with namespaces pinging through two system ports:
// standalone without controllers switches with its priority=0 NORMAL flow; configuring a
// controller flushes the flows (as OVS does) and, while no controller is connected for three
// inactivity probes, the bridge fails open into NORMAL; a connected controller ends it (misses
// then drop: the tables are empty); `secure` never fails open and never gets the NORMAL flow,
// and keeps the flows it is given.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NetLab, requireTools, type VethNs } from "../../support/netns.ts";
import { addAddress, ping } from "../../support/ns-traffic.ts";
import { pollUntil } from "../../support/switch-daemon.ts";
import { OfSwitch, OVS_OFCTL, stopOfSwitch } from "../openflow/of-switch.ts";
import { TsController } from "../openflow/ts-controller.ts";
import { rest } from "./rest.ts";

const PROBE_MS = 1000;
const lab = new NetLab();
let sw: OfSwitch | undefined;
let a: VethNs;
let b: VethNs;
let ctl: TsController | undefined;

beforeAll(async () => {
  requireTools("ip", "ping", OVS_OFCTL);
  try {
    a = lab.addVethNs("fa");
    b = lab.addVethNs("fb");
    addAddress(a.ns, a.peer, "10.200.42.1/24");
    addAddress(b.ns, b.peer, "10.200.42.2/24");
    sw = await OfSwitch.start(lab, "fm", { extra: ["--inactivity-probe", String(PROBE_MS)] });
    await sw.addPort({ name: a.host, type: "system", ofport: 1 });
    await sw.addPort({ name: b.host, type: "system", ofport: 2 });
  } catch (e) {
    await stopOfSwitch(sw);
    lab.cleanup();
    throw e;
  }
}, 90_000);

afterAll(async () => {
  await ctl?.close();
  await stopOfSwitch(sw);
  lab.cleanup();
});

const s = () => sw as OfSwitch;
const reaches = async () => (await ping(a.ns, "10.200.42.2", { count: 2, interval: 0.2, wait: 1 })).received > 0;
const status = async () => (await rest(s().daemon.url, "GET", `/bridges/${s().bridge}/controllers`)).body;
const setControllers = (targets: string[]) =>
  rest(s().daemon.url, "PUT", `/bridges/${s().bridge}/controllers`, { targets });
const setFailMode = (failMode: string) => rest(s().daemon.url, "PATCH", `/bridges/${s().bridge}`, { failMode });

describe("fail modes", () => {
  it("standalone: NORMAL flow without controllers; fails open while its controller is dead", async () => {
    expect(await s().dumpFlows()).toEqual([{ table: 0, priority: 0, match: "", actions: "NORMAL", packets: 0 }]);
    await pollUntil("ping through the NORMAL flow", reaches, (ok) => ok, 20_000);

    // A controller nobody answers: flows flushed, then fail-open after 3 probes.
    ctl = await TsController.listen();
    const port = ctl.port;
    await ctl.close();
    ctl = undefined;
    expect((await setControllers([`tcp:127.0.0.1:${port}`])).status).toBe(200);
    expect(await s().dumpFlows()).toEqual([]);
    await pollUntil("fail-open", status, (v) => v.failOpen === true, 20_000);
    expect(await s().dumpFlows()).toEqual([]); // fail-open adds no visible flow
    await pollUntil("ping while failing open", reaches, (ok) => ok, 20_000);

    // The controller comes back: fail-open ends, the empty tables drop misses.
    ctl = await TsController.listen(port);
    await ctl.connection(0, 30_000);
    await pollUntil("fail-open ended", status, (v) => v.failOpen === false, 20_000);
    expect(await reaches()).toBe(false);

    // Killed again: fails open again.
    await ctl.close();
    ctl = undefined;
    await pollUntil("fail-open again", status, (v) => v.failOpen === true, 20_000);
    await pollUntil("ping while failing open again", reaches, (ok) => ok, 20_000);
  }, 120_000);

  it("secure: never fails open, keeps the flows it is given, and gets no NORMAL flow", async () => {
    expect((await setFailMode("secure")).status).toBe(200);
    expect((await status()).failOpen).toBe(false);
    expect(await reaches()).toBe(false);
    // Longer than the fail-open trigger (3 probes): still not failing open.
    await new Promise((r) => setTimeout(r, 4 * PROBE_MS));
    expect((await status()).failOpen).toBe(false);
    expect(await reaches()).toBe(false);

    await s().ofctl("add-flow", s().tcp, "table=0,priority=5,actions=NORMAL");
    await pollUntil("ping through the flow a controller added", reaches, (ok) => ok, 20_000);

    // No controllers in secure mode: flushed, and no NORMAL flow comes back.
    expect((await setControllers([])).status).toBe(200);
    expect(await s().dumpFlows()).toEqual([]);
    expect(await reaches()).toBe(false);

    // Back to standalone without controllers: the NORMAL flow returns.
    expect((await setFailMode("standalone")).status).toBe(200);
    expect(await s().dumpFlows()).toEqual([{ table: 0, priority: 0, match: "", actions: "NORMAL", packets: 0 }]);
    await pollUntil("ping through NORMAL again", reaches, (ok) => ok, 20_000);
  }, 120_000);
});
