// Fail modes on the running daemon with namespaces pinging through two system ports:
// standalone without controllers switches with its priority=0 NORMAL flow; configuring a
// controller flushes the flows (as OVS does) and, while no controller is connected for three
// inactivity probes, the bridge fails open into NORMAL; a connected controller ends it (misses
// then drop: the tables are empty), and once it is killed the bridge does not fail open at once
// but after the probes; `secure` never fails open and never gets the NORMAL flow, and keeps the
// flows it is given; a secure bridge whose controller installed flows and then went away keeps
// them and forwards by them, while misses (a third namespace, whose traffic no flow matches)
// are dropped, not switched by NORMAL. Every OpenFlow byte (the TS controller's connections,
// ovs-ofctl on the passive listener) is recorded and dissected by tshark at the end: zero
// malformed, each message re-encoded byte for byte.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { flowModOf, parseFlow } from "../../../openflow/flow-format.ts";
import { NetLab, requireTools, type VethNs } from "../../support/netns.ts";
import { addAddress, ping } from "../../support/ns-traffic.ts";
import { countTypes } from "../../support/openflow-dissect.ts";
import { pollUntil } from "../../support/switch-daemon.ts";
import { expectCleanRecording } from "../openflow/of-recording.ts";
import { OfSwitch, OVS_OFCTL, stopOfSwitch } from "../openflow/of-switch.ts";
import { TsController } from "../openflow/ts-controller.ts";
import { rest } from "./rest.ts";

const PROBE_MS = 1000;
const lab = new NetLab();
let sw: OfSwitch | undefined;
let a: VethNs;
let b: VethNs;
let c: VethNs;
let ctl: TsController | undefined;

beforeAll(async () => {
  requireTools("ip", "ping", OVS_OFCTL, "dumpcap", "tshark");
  try {
    a = lab.addVethNs("fa");
    b = lab.addVethNs("fb");
    addAddress(a.ns, a.peer, "10.200.42.1/24");
    addAddress(b.ns, b.peer, "10.200.42.2/24");
    c = lab.addVethNs("fc");
    addAddress(c.ns, c.peer, "10.200.42.3/24");
    sw = await OfSwitch.start(lab, "fm", { record: true, extra: ["--inactivity-probe", String(PROBE_MS)] });
    await sw.addPort({ name: a.host, type: "system", ofport: 1 });
    await sw.addPort({ name: b.host, type: "system", ofport: 2 });
    await sw.addPort({ name: c.host, type: "system", ofport: 3 });
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
    await s().recordAlso([port]);
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

    // Killed again: not failing open at once (three probe intervals first), then failing open.
    await ctl.close();
    ctl = undefined;
    expect((await status()).failOpen).toBe(false);
    expect(await reaches()).toBe(false);
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

  it("secure: a controller's flows outlive it and keep forwarding; misses are dropped, not NORMAL", async () => {
    expect((await setFailMode("secure")).status).toBe(200);
    ctl = await TsController.listen();
    await s().recordAlso([ctl.port]);
    expect((await setControllers([`tcp:127.0.0.1:${ctl.port}`])).status).toBe(200);
    const conn = await ctl.connection(0, 30_000);
    await pollUntil("the controller shown connected", status, (v) => v.controllers[0]?.connected === true, 20_000);
    expect(await s().dumpFlows()).toEqual([]);
    // The controller wires ports 1 and 2 together; port 3 gets nothing.
    for (const flow of ["priority=10,in_port=1,actions=output:2", "priority=10,in_port=2,actions=output:1"]) {
      const fm = { kind: "flow-mod" as const, ...flowModOf(parseFlow(flow, "add"), "add") };
      expect(await conn.sendAndBarrier(fm)).toBeUndefined();
    }
    await pollUntil("ping through the controller's flows", reaches, (ok) => ok, 20_000);
    const pingC = async () => (await ping(c.ns, "10.200.42.2", { count: 2, interval: 0.2, wait: 1 })).received;
    expect(await pingC()).toBe(0);

    // The controller goes away, for longer than the standalone fail-open trigger (3 probes).
    await ctl.close();
    ctl = undefined;
    await pollUntil("the controller shown disconnected", status, (v) => v.controllers[0]?.connected === false, 20_000);
    await new Promise((r) => setTimeout(r, 4 * PROBE_MS));
    expect((await status()).failOpen).toBe(false);
    const kept = await s().dumpFlows();
    expect(kept.map(({ packets: _p, ...f }) => f)).toEqual([
      { table: 0, priority: 10, match: "in_port=1", actions: "output:2" },
      { table: 0, priority: 10, match: "in_port=2", actions: "output:1" },
    ]);
    // Forwarding by the kept flows goes on (their counters move), and misses are dropped.
    const before = kept.reduce((n, f) => n + f.packets, 0);
    const r = await ping(a.ns, "10.200.42.2", { count: 5, interval: 0.1, wait: 1 });
    expect(r.received, r.output).toBe(5);
    await pollUntil(
      "the kept flows credited with the pings",
      () => s().dumpFlows(),
      (f) => f.reduce((n, x) => n + x.packets, 0) >= before + 10,
    );
    expect(await pingC()).toBe(0);
    expect((await status()).failOpen).toBe(false);

    expect((await setControllers([])).status).toBe(200);
    expect((await setFailMode("standalone")).status).toBe(200);
  }, 120_000);

  it("tshark dissects every OpenFlow byte exchanged above: zero malformed", async () => {
    const rec = await s().dissect();
    expectCleanRecording(rec);
    // the controllers' connections: HELLO (0), FLOW_MOD (14), BARRIER_REPLY (21)
    for (const t of [0, 14, 21]) expect({ t, n: countTypes(rec.controllers).get(t) ?? 0 }).not.toEqual({ t, n: 0 });
  }, 60_000);
});
