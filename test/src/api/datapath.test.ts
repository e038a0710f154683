// The observation routes on a daemon without a datapath (NullDataplane): dpctl and capture say
// so with NO_DATAPATH; /metrics still answers valid exposition text with what there is.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parsePromText } from "../../support/prom-text.ts";
import { type Harness, openHarness, removeDir } from "./api-harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await openHarness();
  expect((await h.call("POST", "/v1/bridges", { name: "br0" })).status).toBe(201);
});
afterAll(async () => {
  await h.close();
  removeDir(h.dir);
});

describe("datapath routes without a datapath", () => {
  it.each([
    ["GET", "/v1/datapath"],
    ["GET", "/v1/datapath/flows"],
    ["DELETE", "/v1/datapath/flows"],
    ["GET", "/v1/bridges/br0/ports/p1/capture"],
  ])("%s %s → 409 NO_DATAPATH", async (method, url) => {
    const r = await h.call(method, url);
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ error: "NO_DATAPATH", message: expect.stringMatching(/without a datapath/) });
  });

  it("serves /metrics as Prometheus text with prom-client's content type", async () => {
    const res = await h.api.inject({ method: "GET", url: "/metrics" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
    const m = parsePromText(res.body);
    expect(m.types.get("wasmvs_port_rx_packets_total")).toBe("counter");
    expect(m.types.has("wasmvs_datapath_emc_hits_total")).toBe(false);
  });
});
