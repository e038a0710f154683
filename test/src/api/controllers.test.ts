import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Harness, openHarness, removeDir } from "./api-harness.ts";

let h: Harness;
beforeEach(async () => {
  h = await openHarness();
  await h.call("POST", "/v1/bridges", { name: "br0" });
});
afterEach(async () => {
  await h.close();
  removeDir(h.dir);
});

describe("REST /v1/bridges/{br}/controllers", () => {
  it("replaces, shows and clears the targets, persisted in the journal", async () => {
    const targets = ["tcp:127.0.0.1:6633", "ptcp:6653"];
    const put = await h.call("PUT", "/v1/bridges/br0/controllers", { targets });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({
      bridge: "br0",
      targets,
      failOpen: false,
      controllers: [
        { target: targets[0], mode: "active", state: "inactive", connected: false, connections: [] },
        { target: targets[1], mode: "passive", state: "inactive", connected: false, connections: [] },
      ],
    });
    expect((await h.call("GET", "/v1/bridges/br0")).body.controllers).toEqual(targets);
    h = await h.reopen();
    expect((await h.call("GET", "/v1/bridges/br0/controllers")).body.targets).toEqual(targets);
    const del = await h.call("DELETE", "/v1/bridges/br0/controllers");
    expect(del).toEqual({ status: 200, body: { bridge: "br0", targets: [], failOpen: false, controllers: [] } });
    h = await h.reopen();
    expect((await h.call("GET", "/v1/bridges/br0/controllers")).body.targets).toEqual([]);
  });

  it("refuses bad bodies and targets without changing anything", async () => {
    await h.call("PUT", "/v1/bridges/br0/controllers", { targets: ["ptcp:6653"] });
    await h.expectUnchanged(async () => {
      const bad = await h.call("PUT", "/v1/bridges/br0/controllers", { targets: ["ptcp:6653", "tcp:1.2.3.4:99999"] });
      expect(bad).toEqual({
        status: 400,
        body: {
          error: "INVALID_CONTROLLER_TARGET",
          message: 'bad OpenFlow target "tcp:1.2.3.4:99999": port 99999 is out of range',
        },
      });
      expect((await h.call("PUT", "/v1/bridges/br0/controllers", { targets: "ptcp:1" })).status).toBe(400);
      expect((await h.call("PUT", "/v1/bridges/br0/controllers", { targets: [], x: 1 })).status).toBe(400);
      expect((await h.call("PUT", "/v1/bridges/nope/controllers", { targets: [] })).body.error).toBe(
        "BRIDGE_NOT_FOUND",
      );
    });
  });
});
