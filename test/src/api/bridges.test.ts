import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Harness, openHarness, removeDir } from "./api-harness.ts";

let h: Harness;
beforeEach(async () => {
  h = await openHarness();
});
afterEach(async () => {
  await h.close();
  removeDir(h.dir);
});

describe("REST /v1/bridges", () => {
  it("creates, lists, shows, changes and deletes a bridge, durably", async () => {
    const created = await h.call("POST", "/v1/bridges", { name: "br1", failMode: "secure", macAgingSeconds: 60 });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      name: "br1",
      failMode: "secure",
      macAgingSeconds: 60,
      macTableSize: 8192,
      datapathId: "0000000000000000",
      controllers: [],
      ports: [],
      staticMacs: [],
    });
    expect((await h.call("POST", "/v1/bridges", { name: "br0" })).status).toBe(201);
    const list = await h.call("GET", "/v1/bridges");
    expect(list.body.map((b: { name: string }) => b.name)).toEqual(["br0", "br1"]);

    const patched = await h.call("PATCH", "/v1/bridges/br1", { failMode: "standalone", macTableSize: 100 });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ failMode: "standalone", macTableSize: 100, macAgingSeconds: 60 });
    expect((await h.call("GET", "/v1/bridges/br1")).body).toEqual(patched.body);

    h = await h.reopen();
    expect((await h.call("GET", "/v1/bridges/br1")).body).toEqual(patched.body);

    const deleted = await h.call("DELETE", "/v1/bridges/br1");
    expect(deleted.status).toBe(200);
    expect(deleted.body.name).toBe("br1");
    expect((await h.call("GET", "/v1/bridges/br1")).status).toBe(404);
    h = await h.reopen();
    expect((await h.call("GET", "/v1/bridges")).body.map((b: { name: string }) => b.name)).toEqual(["br0"]);
  });

  it("rejects a duplicate bridge with 409 and changes nothing", async () => {
    await h.call("POST", "/v1/bridges", { name: "br0" });
    await h.expectUnchanged(async () => {
      const r = await h.call("POST", "/v1/bridges", { name: "br0", failMode: "secure" });
      expect(r.status).toBe(409);
      expect(r.body).toEqual({ error: "BRIDGE_EXISTS", message: 'bridge "br0" already exists' });
    });
  });

  it.each([
    ["unknown bridge on GET", "GET", "/v1/bridges/nope", undefined, 404, "BRIDGE_NOT_FOUND", /"nope"/],
    ["unknown bridge on PATCH", "PATCH", "/v1/bridges/nope", { failMode: "secure" }, 404, "BRIDGE_NOT_FOUND", /"nope"/],
    ["unknown bridge on DELETE", "DELETE", "/v1/bridges/nope", undefined, 404, "BRIDGE_NOT_FOUND", /"nope"/],
    ["unknown field", "POST", "/v1/bridges", { name: "b", color: "red" }, 400, "UNKNOWN_FIELD", /"color"/],
    ["unknown field on PATCH", "PATCH", "/v1/bridges/br0", { name: "x" }, 400, "UNKNOWN_FIELD", /"name"/],
    ["bad fail mode", "POST", "/v1/bridges", { name: "b", failMode: "open" }, 400, "INVALID_FIELD", /failMode.*"open"/],
    ["bad name", "POST", "/v1/bridges", { name: "a/b" }, 400, "INVALID_NAME", /"a\/b"/],
    ["name too long", "POST", "/v1/bridges", { name: "abcdefghijklmnop" }, 400, "INVALID_NAME", /abcdefghijklmnop/],
    ["aging 0", "POST", "/v1/bridges", { name: "b", macAgingSeconds: 0 }, 400, "INVALID_FIELD", /macAgingSeconds.*0/],
    ["missing name", "POST", "/v1/bridges", {}, 400, "INVALID_FIELD", /"name"/],
    ["malformed JSON", "POST", "/v1/bridges", '{"name": "b",', 400, "MALFORMED_JSON", /not valid JSON/],
    ["a JSON array", "POST", "/v1/bridges", "[]", 400, "INVALID_FIELD", /body must be object/],
    ["empty JSON body", "POST", "/v1/bridges", " ", 400, "EMPTY_BODY", /empty/],
  ])("%s → %i %s, nothing changed", async (_n, method, url, payload, status, code, message) => {
    await h.call("POST", "/v1/bridges", { name: "br0" });
    await h.expectUnchanged(async () => {
      const r = await h.call(method, url, payload);
      expect(r.status).toBe(status);
      expect(r.body.error).toBe(code);
      expect(r.body.message).toMatch(message);
    });
  });

  it("answers a non-JSON content type with 415 and an unknown route with 404, both in the error shape", async () => {
    const text = await h.api.inject({
      method: "POST",
      url: "/v1/bridges",
      headers: { "content-type": "text/plain" },
      payload: "br9",
    });
    expect(text.statusCode).toBe(415);
    expect(text.json()).toEqual({
      error: "UNSUPPORTED_MEDIA_TYPE",
      message: "content type text/plain is not supported; send application/json",
    });
    const missing = await h.call("GET", "/v1/switches");
    expect(missing).toEqual({ status: 404, body: { error: "ROUTE_NOT_FOUND", message: "no route GET /v1/switches" } });
  });

  it("GET /v1/health reports ok with the version", async () => {
    const r = await h.call("GET", "/v1/health");
    expect(r.status).toBe(200);
    expect(r.body.status).toBe("ok");
    expect(r.body.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(r.body.uptimeSeconds).toBeGreaterThanOrEqual(0);
  });
});
