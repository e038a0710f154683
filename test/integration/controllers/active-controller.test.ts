// Controllers configured over REST on the running daemon: an active tcp: target that the switch
// dials (a plain TS controller from ts-controller.ts) and redials after the controller was
// killed, a passive ptcp: target next to it, live changes that touch only what changed, and
// target validation (400 naming the bad target, nothing persisted).

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NetLab } from "../../support/netns.ts";
import { pollUntil } from "../../support/switch-daemon.ts";
import { OfSwitch, stopOfSwitch } from "../openflow/of-switch.ts";
import { TsController } from "../openflow/ts-controller.ts";
import { controllers, rest } from "./rest.ts";

const lab = new NetLab();
let sw: OfSwitch | undefined;
let ctl: TsController | undefined;

beforeAll(async () => {
  try {
    sw = await OfSwitch.start(lab, "ac");
  } catch (e) {
    await stopOfSwitch(sw);
    lab.cleanup();
    throw e;
  }
}, 60_000);

afterAll(async () => {
  await ctl?.close();
  await stopOfSwitch(sw);
  lab.cleanup();
});

describe("controllers over REST", () => {
  it("dials an active tcp: controller, listens on ptcp:, and redials after the controller is killed", async () => {
    const s = sw as OfSwitch;
    ctl = await TsController.listen();
    const port = ctl.port;
    const active = `tcp:127.0.0.1:${port}`;
    const put = await rest(s.daemon.url, "PUT", `/bridges/${s.bridge}/controllers`, {
      targets: [active, "ptcp:0:127.0.0.1"],
    });
    expect(put.status).toBe(200);
    expect(put.body.targets).toEqual([active, "ptcp:0:127.0.0.1"]);

    const conn = await ctl.connection(0);
    const features = await conn.request({ kind: "features-request" });
    expect(features.kind).toBe("features-reply");

    const views = await pollUntil(
      "the tcp: controller shown connected",
      () => controllers(s.daemon.url, s.bridge),
      (v) => v[0]?.connected === true,
    );
    expect(views[0]).toMatchObject({ target: active, mode: "active", state: "connected", connected: true });
    expect(views[0].connections).toEqual([{ peer: active, role: "equal" }]);
    expect(views[1]).toMatchObject({ target: "ptcp:0:127.0.0.1", mode: "passive", state: "listening" });
    const bound = views[1].bound as string;
    expect(bound).toMatch(/^ptcp:\d+:127\.0\.0\.1$/);
    expect(bound).not.toBe("ptcp:0:127.0.0.1");

    // ovs-ofctl through the ptcp: controller target answers like any controller.
    const out = await s.ofctl("show", `tcp:127.0.0.1:${bound.split(":")[1]}`);
    expect(out).toMatch(/OFPT_FEATURES_REPLY/);

    // Kill the controller: the switch sees the connection drop and redials the same port.
    await ctl.close();
    await pollUntil(
      "the tcp: controller shown disconnected",
      () => controllers(s.daemon.url, s.bridge),
      (v) => v[0]?.connected === false,
    );
    ctl = await TsController.listen(port);
    const again = await ctl.connection(0, 30_000);
    expect((await again.request({ kind: "features-request" })).kind).toBe("features-reply");
    await pollUntil(
      "the tcp: controller connected again",
      () => controllers(s.daemon.url, s.bridge),
      (v) => v[0]?.connected === true,
    );
  }, 90_000);

  it("applies a change live: a removed target disconnects, a kept one keeps its connection", async () => {
    const s = sw as OfSwitch;
    const c = ctl as TsController;
    const before = await controllers(s.daemon.url, s.bridge);
    const kept = before[1].bound as string;
    const conn = await c.connection(0);
    const r = await rest(s.daemon.url, "PUT", `/bridges/${s.bridge}/controllers`, { targets: ["ptcp:0:127.0.0.1"] });
    expect(r.status).toBe(200);
    await conn.waitClosed();
    const after = await controllers(s.daemon.url, s.bridge);
    expect(after).toHaveLength(1);
    expect(after[0].bound).toBe(kept); // not re-bound: same listener, same port

    const del = await rest(s.daemon.url, "DELETE", `/bridges/${s.bridge}/controllers`);
    expect(del.status).toBe(200);
    expect(del.body.targets).toEqual([]);
    expect(await controllers(s.daemon.url, s.bridge)).toEqual([]);
  }, 60_000);

  it("refuses bad targets with 400 naming the target and changes nothing", async () => {
    const s = sw as OfSwitch;
    const set = await rest(s.daemon.url, "PUT", `/bridges/${s.bridge}/controllers`, { targets: ["ptcp:0:127.0.0.1"] });
    expect(set.status).toBe(200);
    for (const [targets, words] of [
      [["tcp:"], /a host is required/],
      [["udp:1.2.3.4:6653"], /unknown connection type "udp"/],
      [["tcp:1.2.3.4:70000"], /port 70000 is out of range/],
      [["ptcp:6653:not-an-ip"], /is not an IP address/],
      [["tcp:10.0.0.1", "tcp:10.0.0.1:6653"], /same controller/],
    ] as const) {
      const r = await rest(s.daemon.url, "PUT", `/bridges/${s.bridge}/controllers`, { targets });
      expect(r.status).toBe(400);
      expect(r.body.error).toBe("INVALID_CONTROLLER_TARGET");
      expect(r.body.message).toMatch(words);
    }
    const shape = await rest(s.daemon.url, "PUT", `/bridges/${s.bridge}/controllers`, { targets: "tcp:1.2.3.4" });
    expect(shape.status).toBe(400);
    const missing = await rest(s.daemon.url, "PUT", "/bridges/nope/controllers", { targets: [] });
    expect(missing.status).toBe(404);
    const now = await rest(s.daemon.url, "GET", `/bridges/${s.bridge}/controllers`);
    expect(now.body.targets).toEqual(["ptcp:0:127.0.0.1"]);
  });
});
