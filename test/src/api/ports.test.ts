import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Harness, openHarness, removeDir } from "./api-harness.ts";

let h: Harness;
beforeEach(async () => {
  h = await openHarness();
  expect((await h.call("POST", "/v1/bridges", { name: "br0" })).status).toBe(201);
  expect((await h.call("POST", "/v1/bridges", { name: "br1" })).status).toBe(201);
});
afterEach(async () => {
  await h.close();
  removeDir(h.dir);
});

describe("REST /v1/bridges/{br}/ports", () => {
  it("adds ports with lowest-free ofports, shows, changes and deletes them, durably", async () => {
    // "lo" exists on every Linux host: a real netdev for a system port.
    const lo = await h.call("POST", "/v1/bridges/br0/ports", { name: "lo", type: "system", tag: 10 });
    expect(lo.status).toBe(201);
    expect(lo.body).toEqual({
      name: "lo",
      type: "system",
      ofport: 1,
      vlanMode: "access",
      tag: 10,
      trunks: [],
      adminDown: false,
      options: {},
    });
    const t5 = await h.call("POST", "/v1/bridges/br0/ports", {
      name: "t5",
      type: "tap",
      ofport: 5,
      trunks: [30, 20, 20],
    });
    expect(t5.body).toMatchObject({ ofport: 5, vlanMode: "trunk", trunks: [20, 30] });
    expect(t5.body.tag).toBeUndefined();
    const t2 = await h.call("POST", "/v1/bridges/br0/ports", {
      name: "t2",
      type: "internal",
      options: { mtu: "9000" },
    });
    expect(t2.body.ofport).toBe(2);

    const list = await h.call("GET", "/v1/bridges/br0/ports");
    expect(list.body.map((p: { name: string; ofport: number }) => `${p.ofport}:${p.name}`)).toEqual([
      "1:lo",
      "2:t2",
      "5:t5",
    ]);

    const patched = await h.call("PATCH", "/v1/bridges/br0/ports/lo", {
      vlanMode: "native-untagged",
      trunks: [10, 11],
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ vlanMode: "native-untagged", tag: 10, trunks: [10, 11] });
    const toTrunk = await h.call("PATCH", "/v1/bridges/br0/ports/lo", { vlanMode: "trunk", adminDown: true });
    expect(toTrunk.body).toMatchObject({ vlanMode: "trunk", trunks: [10, 11], adminDown: true });
    expect(toTrunk.body.tag).toBeUndefined();

    expect((await h.call("GET", "/v1/bridges/br0/ports/lo")).body).toEqual(toTrunk.body);
    expect((await h.call("DELETE", "/v1/bridges/br0/ports/t2")).status).toBe(200);
    const t3 = await h.call("POST", "/v1/bridges/br0/ports", { name: "t3", type: "tap" });
    expect(t3.body.ofport).toBe(2);

    const before = (await h.call("GET", "/v1/bridges/br0")).body;
    h = await h.reopen();
    expect((await h.call("GET", "/v1/bridges/br0")).body).toEqual(before);
  });

  it("reports zero stats from the null dataplane for an existing port, 404 for an unknown one", async () => {
    await h.call("POST", "/v1/bridges/br0/ports", { name: "t1", type: "tap" });
    const s = await h.call("GET", "/v1/bridges/br0/ports/t1/stats");
    expect(s.status).toBe(200);
    expect(s.body).toEqual({
      rxPackets: 0,
      rxBytes: 0,
      rxDropped: 0,
      rxErrors: 0,
      txPackets: 0,
      txBytes: 0,
      txDropped: 0,
      txErrors: 0,
      linkUp: false,
      mtu: 0,
    });
    const missing = await h.call("GET", "/v1/bridges/br0/ports/t9/stats");
    expect(missing.status).toBe(404);
    expect(missing.body.error).toBe("PORT_NOT_FOUND");
  });

  const tap = { type: "tap" };
  it.each([
    ["tag 0", { name: "p", ...tap, tag: 0 }, 400, "INVALID_VLAN", "tag 0 is not a valid VLAN id: use 1..4094"],
    ["tag 4095", { name: "p", ...tap, tag: 4095 }, 400, "INVALID_VLAN", "tag 4095 is not a valid VLAN id: use 1..4094"],
    ["tag 5000", { name: "p", ...tap, tag: 5000 }, 400, "INVALID_VLAN", "tag 5000 is not a valid VLAN id: use 1..4094"],
    ["trunk 0", { name: "p", ...tap, trunks: [10, 0] }, 400, "INVALID_VLAN", "trunks[1] 0 is not a valid VLAN id"],
    ["trunk 4095", { name: "p", ...tap, trunks: [4095] }, 400, "INVALID_VLAN", "trunks[0] 4095 is not a valid VLAN id"],
    ["trunk 5000", { name: "p", ...tap, trunks: [5000] }, 400, "INVALID_VLAN", "trunks[0] 5000 is not a valid VLAN id"],
    ["tag as a string", { name: "p", ...tap, tag: "10" }, 400, "INVALID_FIELD", 'body.tag must be integer (got "10")'],
    ["unknown field", { name: "p", ...tap, vlan: 10 }, 400, "UNKNOWN_FIELD", 'unknown field "vlan" in body'],
    ["unknown type", { name: "p", type: "veth" }, 400, "INVALID_FIELD", "body.type must be one of"],
    ["missing type", { name: "p" }, 400, "INVALID_FIELD", 'body is missing required field "type"'],
    ["access without tag", { name: "p", ...tap, vlanMode: "access" }, 400, "INVALID_VLAN_CONFIG", "needs a tag"],
    [
      "access with trunks",
      { name: "p", ...tap, tag: 5, trunks: [6] },
      400,
      "INVALID_VLAN_CONFIG",
      "trunks must be empty",
    ],
    ["trunk with tag", { name: "p", ...tap, vlanMode: "trunk", tag: 5 }, 400, "INVALID_VLAN_CONFIG", "takes no tag"],
    ["native without tag", { name: "p", ...tap, vlanMode: "native-tagged" }, 400, "INVALID_VLAN_CONFIG", "native VLAN"],
    ["nonexistent netdev", { name: "nosuchdev0", type: "system" }, 400, "NETDEV_NOT_FOUND", '"nosuchdev0"'],
    ["nonexistent representor", { name: "pf0vf99x", type: "representor" }, 400, "NETDEV_NOT_FOUND", "representor"],
    [
      "duplicate name, same bridge",
      { name: "t1", ...tap },
      409,
      "PORT_EXISTS",
      'port name "t1" is already used on bridge "br0"',
    ],
    [
      "duplicate name, other bridge",
      { name: "u1", ...tap },
      409,
      "PORT_EXISTS",
      'port name "u1" is already used on bridge "br1"',
    ],
    [
      "duplicate ofport",
      { name: "p", ...tap, ofport: 1 },
      409,
      "OFPORT_IN_USE",
      'ofport 1 is already used by port "t1"',
    ],
    ["ofport 0", { name: "p", ...tap, ofport: 0 }, 400, "INVALID_FIELD", "body.ofport must be >= 1 (got 0)"],
    ["ofport 65280", { name: "p", ...tap, ofport: 65280 }, 400, "INVALID_FIELD", "body.ofport must be <= 65279"],
    [
      "unknown option",
      { name: "p", ...tap, options: { speed: "10G" } },
      400,
      "INVALID_PORT_OPTION",
      'unknown option "speed"',
    ],
    [
      "bad mtu",
      { name: "p", ...tap, options: { mtu: "12" } },
      400,
      "INVALID_PORT_OPTION",
      'mtu="12" must be an integer',
    ],
    ["option not a string", { name: "p", ...tap, options: { mtu: 1500 } }, 400, "INVALID_FIELD", "body.options.mtu"],
    [
      "client without socket",
      { name: "p", type: "vhost-user-client" },
      400,
      "INVALID_PORT_OPTION",
      'needs option "socket"',
    ],
    [
      "relative socket",
      { name: "p", type: "vhost-user", options: { socket: "x.sock" } },
      400,
      "INVALID_PORT_OPTION",
      "absolute",
    ],
    ["bad port name", { name: "a b", ...tap }, 400, "INVALID_NAME", 'port name "a b" is invalid'],
  ])("POST %s → %i %s, nothing changed", async (_n, body, status, code, message) => {
    await h.call("POST", "/v1/bridges/br0/ports", { name: "t1", type: "tap" });
    await h.call("POST", "/v1/bridges/br1/ports", { name: "u1", type: "tap" });
    await h.expectUnchanged(async () => {
      const r = await h.call("POST", "/v1/bridges/br0/ports", body);
      expect(r.status).toBe(status);
      expect(r.body.error).toBe(code);
      expect(r.body.message).toContain(message);
    });
  });

  it.each([
    ["unknown bridge", "POST", "/v1/bridges/nope/ports", { name: "p", type: "tap" }, 404, "BRIDGE_NOT_FOUND"],
    ["unknown bridge list", "GET", "/v1/bridges/nope/ports", undefined, 404, "BRIDGE_NOT_FOUND"],
    ["unknown port", "GET", "/v1/bridges/br0/ports/zz", undefined, 404, "PORT_NOT_FOUND"],
    ["unknown port patch", "PATCH", "/v1/bridges/br0/ports/zz", { adminDown: true }, 404, "PORT_NOT_FOUND"],
    ["unknown port delete", "DELETE", "/v1/bridges/br0/ports/zz", undefined, 404, "PORT_NOT_FOUND"],
    ["port of another bridge", "DELETE", "/v1/bridges/br1/ports/t1", undefined, 404, "PORT_NOT_FOUND"],
    ["patch tag 4095", "PATCH", "/v1/bridges/br0/ports/t1", { tag: 4095 }, 400, "INVALID_VLAN"],
    ["patch trunk 0", "PATCH", "/v1/bridges/br0/ports/t1", { trunks: [0] }, 400, "INVALID_VLAN"],
    ["patch name", "PATCH", "/v1/bridges/br0/ports/t1", { name: "t2" }, 400, "UNKNOWN_FIELD"],
    [
      "patch to access w/o tag",
      "PATCH",
      "/v1/bridges/br0/ports/t1",
      { vlanMode: "access" },
      400,
      "INVALID_VLAN_CONFIG",
    ],
    ["patch ofport taken", "PATCH", "/v1/bridges/br0/ports/t1", { ofport: 2 }, 409, "OFPORT_IN_USE"],
    [
      "patch type to system, no netdev",
      "PATCH",
      "/v1/bridges/br0/ports/t1",
      { type: "system" },
      400,
      "NETDEV_NOT_FOUND",
    ],
    ["malformed JSON", "PATCH", "/v1/bridges/br0/ports/t1", "{tag: 5}", 400, "MALFORMED_JSON"],
  ])("%s → %i %s, nothing changed", async (_n, method, url, body, status, code) => {
    await h.call("POST", "/v1/bridges/br0/ports", { name: "t1", type: "tap" });
    await h.call("POST", "/v1/bridges/br0/ports", { name: "t2", type: "tap" });
    await h.expectUnchanged(async () => {
      const r = await h.call(method, url, body);
      expect(r.status).toBe(status);
      expect(r.body.error).toBe(code);
      expect(r.body.message.length).toBeGreaterThan(10);
    });
  });

  it("after a run of rejected requests the re-opened journal holds exactly the accepted config", async () => {
    await h.call("POST", "/v1/bridges/br0/ports", { name: "t1", type: "tap", tag: 7 });
    const accepted = (await h.call("GET", "/v1/bridges")).body;
    for (const body of [
      { name: "t1", type: "tap" },
      { name: "p", type: "tap", tag: 0 },
      { name: "nosuch9", type: "system" },
    ]) {
      expect((await h.call("POST", "/v1/bridges/br0/ports", body)).status).toBeGreaterThanOrEqual(400);
    }
    h = await h.reopen();
    expect((await h.call("GET", "/v1/bridges")).body).toEqual(accepted);
  });
});
