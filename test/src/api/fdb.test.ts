import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { DataplaneView, FdbEntry, FdbFlushFilter } from "../../../src/switch/dataplane-view.ts";
import { NullDataplane } from "../../../src/switch/dataplane-view.ts";
import { type Harness, openHarness, removeDir } from "./api-harness.ts";

/** A dataplane with a fixed learned table that records flushes (the real one is the lead's). */
class RecordingDataplane extends NullDataplane implements DataplaneView {
  learned: FdbEntry[] = [
    { vlan: 10, mac: "02:00:00:00:00:02", port: "t1", ageSeconds: 12, static: false },
    { vlan: 10, mac: "02:00:00:00:00:01", port: "t2", ageSeconds: 3, static: false },
  ];
  flushes: Array<{ bridge: string; filter: FdbFlushFilter }> = [];
  override fdb(): FdbEntry[] {
    return this.learned.map((e) => ({ ...e }));
  }
  override fdbFlush(bridge: string, filter: FdbFlushFilter): number {
    this.flushes.push({ bridge, filter });
    return 2;
  }
}

let h: Harness;
let dp: RecordingDataplane;
beforeEach(async () => {
  dp = new RecordingDataplane();
  h = await openHarness({ dataplane: dp });
  await h.call("POST", "/v1/bridges", { name: "br0" });
  await h.call("POST", "/v1/bridges/br0/ports", { name: "t1", type: "tap", tag: 10 });
  await h.call("POST", "/v1/bridges/br0/ports", { name: "t2", type: "tap", tag: 10 });
});
afterEach(async () => {
  await h.close();
  removeDir(h.dir);
});

describe("REST /v1/bridges/{br}/fdb", () => {
  it("adds static entries (normalized, persisted), shows them merged with learned ones, deletes them", async () => {
    const added = await h.call("POST", "/v1/bridges/br0/fdb", { vlan: 10, mac: "02-00-00-00-00-02", port: "t2" });
    expect(added).toEqual({ status: 201, body: { vlan: 10, mac: "02:00:00:00:00:02", port: "t2" } });
    await h.call("POST", "/v1/bridges/br0/fdb", { vlan: 20, mac: "0A:BB:CC:DD:EE:FF", port: "t1" });

    const fdb = await h.call("GET", "/v1/bridges/br0/fdb");
    expect(fdb.body).toEqual([
      { vlan: 10, mac: "02:00:00:00:00:01", port: "t2", ageSeconds: 3, static: false },
      // configured static entry wins over the learned one with the same VLAN and MAC
      { vlan: 10, mac: "02:00:00:00:00:02", port: "t2", ageSeconds: 0, static: true },
      { vlan: 20, mac: "0a:bb:cc:dd:ee:ff", port: "t1", ageSeconds: 0, static: true },
    ]);

    h = await h.reopen();
    expect((await h.call("GET", "/v1/bridges/br0")).body.staticMacs).toEqual([
      { vlan: 10, mac: "02:00:00:00:00:02", port: "t2" },
      { vlan: 20, mac: "0a:bb:cc:dd:ee:ff", port: "t1" },
    ]);

    const del = await h.call("DELETE", "/v1/bridges/br0/fdb/20/0A:BB:CC:DD:EE:FF");
    expect(del).toEqual({ status: 200, body: { vlan: 20, mac: "0a:bb:cc:dd:ee:ff", port: "t1" } });
    expect((await h.call("GET", "/v1/bridges/br0")).body.staticMacs).toHaveLength(1);
  });

  it("deleting a port drops the static entries that point at it", async () => {
    await h.call("POST", "/v1/bridges/br0/fdb", { vlan: 10, mac: "02:00:00:00:00:09", port: "t1" });
    await h.call("DELETE", "/v1/bridges/br0/ports/t1");
    expect((await h.call("GET", "/v1/bridges/br0")).body.staticMacs).toEqual([]);
  });

  it("flushes through the dataplane with the port and VLAN filters", async () => {
    expect(await h.call("DELETE", "/v1/bridges/br0/fdb")).toEqual({ status: 200, body: { flushed: 2 } });
    expect((await h.call("DELETE", "/v1/bridges/br0/fdb?port=t1&vlan=10")).status).toBe(200);
    expect(dp.flushes).toEqual([
      { bridge: "br0", filter: {} },
      { bridge: "br0", filter: { port: "t1", vlan: 10 } },
    ]);
  });

  it.each([
    ["POST", "/v1/bridges/br0/fdb", { vlan: 0, mac: "02:00:00:00:00:01", port: "t1" }, 400, "INVALID_VLAN"],
    ["POST", "/v1/bridges/br0/fdb", { vlan: 4095, mac: "02:00:00:00:00:01", port: "t1" }, 400, "INVALID_VLAN"],
    ["POST", "/v1/bridges/br0/fdb", { vlan: 5000, mac: "02:00:00:00:00:01", port: "t1" }, 400, "INVALID_VLAN"],
    ["POST", "/v1/bridges/br0/fdb", { vlan: 10, mac: "02:00:00:00:00", port: "t1" }, 400, "INVALID_MAC"],
    ["POST", "/v1/bridges/br0/fdb", { vlan: 10, mac: "01:00:5e:00:00:01", port: "t1" }, 400, "INVALID_MAC"],
    ["POST", "/v1/bridges/br0/fdb", { vlan: 10, mac: "02:00:00:00:00:01", port: "zz" }, 404, "PORT_NOT_FOUND"],
    ["POST", "/v1/bridges/br0/fdb", { vlan: 10, mac: "02:00:00:00:00:aa", port: "t1" }, 409, "STATIC_MAC_EXISTS"],
    ["POST", "/v1/bridges/br0/fdb", { vlan: 10, mac: "02:00:00:00:00:01", port: "t1", x: 1 }, 400, "UNKNOWN_FIELD"],
    ["POST", "/v1/bridges/nope/fdb", { vlan: 10, mac: "02:00:00:00:00:01", port: "t1" }, 404, "BRIDGE_NOT_FOUND"],
    ["DELETE", "/v1/bridges/br0/fdb/10/02:00:00:00:00:bb", undefined, 404, "STATIC_MAC_NOT_FOUND"],
    ["DELETE", "/v1/bridges/br0/fdb/4095/02:00:00:00:00:aa", undefined, 400, "INVALID_VLAN"],
    ["DELETE", "/v1/bridges/br0/fdb/10/zz", undefined, 400, "INVALID_MAC"],
    ["DELETE", "/v1/bridges/br0/fdb?vlan=0", undefined, 400, "INVALID_VLAN"],
    ["DELETE", "/v1/bridges/br0/fdb?vlan=ten", undefined, 400, "INVALID_FIELD"],
    ["DELETE", "/v1/bridges/br0/fdb?port=zz", undefined, 404, "PORT_NOT_FOUND"],
    ["DELETE", "/v1/bridges/br0/fdb?colour=red", undefined, 400, "UNKNOWN_FIELD"],
    ["GET", "/v1/bridges/nope/fdb", undefined, 404, "BRIDGE_NOT_FOUND"],
  ])("%s %s %j → %i %s, nothing changed", async (method, url, body, status, code) => {
    await h.call("POST", "/v1/bridges/br0/fdb", { vlan: 10, mac: "02:00:00:00:00:aa", port: "t1" });
    await h.expectUnchanged(async () => {
      const r = await h.call(method, url, body);
      expect(r.status).toBe(status);
      expect(r.body.error).toBe(code);
    });
    expect(dp.flushes).toEqual([]);
  });
});
