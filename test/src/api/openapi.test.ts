import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, openHarness, removeDir } from "./api-harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await openHarness();
});
afterAll(async () => {
  await h.close();
  removeDir(h.dir);
});

const ROUTES: Array<[string, string]> = [
  ["get", "/v1/health"],
  ["get", "/v1/bridges"],
  ["post", "/v1/bridges"],
  ["get", "/v1/bridges/{bridge}"],
  ["patch", "/v1/bridges/{bridge}"],
  ["delete", "/v1/bridges/{bridge}"],
  ["get", "/v1/bridges/{bridge}/ports"],
  ["post", "/v1/bridges/{bridge}/ports"],
  ["get", "/v1/bridges/{bridge}/ports/{port}"],
  ["patch", "/v1/bridges/{bridge}/ports/{port}"],
  ["delete", "/v1/bridges/{bridge}/ports/{port}"],
  ["get", "/v1/bridges/{bridge}/ports/{port}/stats"],
  ["get", "/v1/bridges/{bridge}/fdb"],
  ["delete", "/v1/bridges/{bridge}/fdb"],
  ["post", "/v1/bridges/{bridge}/fdb"],
  ["delete", "/v1/bridges/{bridge}/fdb/{vlan}/{mac}"],
  ["get", "/v1/bridges/{bridge}/flows"],
  ["post", "/v1/bridges/{bridge}/flows"],
  ["post", "/v1/bridges/{bridge}/flows/modify"],
  ["post", "/v1/bridges/{bridge}/flows/delete"],
  ["post", "/v1/bridges/{bridge}/trace"],
  ["get", "/v1/bridges/{bridge}/controllers"],
  ["put", "/v1/bridges/{bridge}/controllers"],
  ["delete", "/v1/bridges/{bridge}/controllers"],
  ["get", "/v1/datapath"],
  ["get", "/v1/datapath/flows"],
  ["delete", "/v1/datapath/flows"],
  ["get", "/v1/bridges/{bridge}/ports/{port}/capture"],
];
/** Routes whose 2xx body is not JSON, by the media type they document. */
const NON_JSON: Record<string, string> = {
  "get /v1/bridges/{bridge}/ports/{port}/capture": "application/x-wasmvs-capture",
};

describe("OpenAPI document", () => {
  it("lists exactly the v1 routes, each with a 2xx response schema", async () => {
    const res = await h.api.inject({ method: "GET", url: "/docs/json" });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    const listed: Array<[string, string]> = [];
    // biome-ignore lint/suspicious/noExplicitAny: parsed JSON, checked by the assertions
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      for (const [method, op] of Object.entries(ops)) {
        listed.push([method, path]);
        const ok = Object.keys(op.responses).find((code) => code.startsWith("2"));
        expect(ok, `${method} ${path}`).toBeDefined();
        const media = NON_JSON[`${method} ${path}`] ?? "application/json";
        expect(op.responses[ok as string].content?.[media]?.schema, `${method} ${path}`).toBeDefined();
      }
    }
    expect(listed.sort()).toEqual([...ROUTES].sort());
  });

  it("documents the body schemas that reject unknown fields and VLAN ranges", async () => {
    const doc = (await h.api.inject({ method: "GET", url: "/docs/json" })).json();
    const body = doc.paths["/v1/bridges/{bridge}/ports"].post.requestBody.content["application/json"].schema;
    expect(body.additionalProperties).toBe(false);
    expect(body.properties.tag).toMatchObject({ minimum: 1, maximum: 4094 });
    expect(body.required).toEqual(expect.arrayContaining(["name", "type"]));
  });

  it("serves the swagger UI at /docs", async () => {
    const res = await h.api.inject({ method: "GET", url: "/docs/" });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain("swagger");
  });
});
