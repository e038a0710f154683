// POST /v1/bridges/{bridge}/trace over the real API: a reply validated by ajv against the
// TraceReport schema the OpenAPI document (/docs/json) publishes, `names` for the text, the
// 400 INVALID_TRACE cases naming the token at fault (an odd-length hex packet among them), and
// 409 NO_DATAPATH for a bridge the datapath does not carry.
// How: the API harness (real SwitchService and store) with trace targets over a real Ofproto
// whose frames the real fast path parses (test/src/ofproto/trace/trace-harness.ts).

import { Ajv } from "ajv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFastPath } from "../../../src/datapath/fastpath-module.ts";
import { TRACE_REPORT_VERSION } from "../../../src/ofproto/trace/trace.ts";
import { BRIDGE, flowMod, type TraceBridge, traceBridge } from "../ofproto/trace/trace-harness.ts";
import { apply, m, out, setf } from "../ofproto/xlate/xlate-harness.ts";
import { type Harness, openHarness, removeDir } from "./api-harness.ts";

let h: Harness;
let b: TraceBridge;
// biome-ignore lint/suspicious/noExplicitAny: the OpenAPI document, parsed JSON
let doc: any;

beforeAll(async () => {
  b = traceBridge(await createFastPath({ buffers: 64 }));
  h = await openHarness({ traceTargets: (name) => (name === BRIDGE ? b.target : undefined) });
  expect((await h.call("POST", "/v1/bridges", { name: BRIDGE })).status).toBe(201);
  expect((await h.call("POST", "/v1/bridges", { name: "br1" })).status).toBe(201);
  doc = (await h.api.inject({ method: "GET", url: "/docs/json" })).json();
});
afterAll(async () => {
  await h.close();
  removeDir(h.dir);
});

/** The 200 schema of the trace route as the OpenAPI document publishes it, compiled by ajv. */
function replyValidator() {
  const schema = doc.paths["/v1/bridges/{bridge}/trace"].post.responses["200"].content["application/json"].schema;
  const ajv = new Ajv({ strict: false, allErrors: true });
  // Components the document factored out (if any) are reachable through their $refs.
  for (const [name, s] of Object.entries(doc.components?.schemas ?? {})) {
    ajv.addSchema(s as object, `#/components/schemas/${name}`);
  }
  return ajv.compile(schema);
}

const trace = (body: unknown, bridge = BRIDGE) => h.call("POST", `/v1/bridges/${bridge}/trace`, body);

describe("POST /v1/bridges/{bridge}/trace", () => {
  it("answers a TraceReport that validates against the published schema", async () => {
    b.of.flowMod(
      BRIDGE,
      flowMod({
        priority: 20,
        match: [m("in_port", 1), m("eth_type", 0x0800)],
        instructions: [apply(setf("ipv4_dst", 0x0a000009), out(2))],
      }),
    );
    const validate = replyValidator();
    const r = await trace({ flow: "in_port=1,ip,nw_dst=10.0.0.1", names: true });
    expect(r.status).toBe(200);
    expect(validate(r.body), JSON.stringify(validate.errors)).toBe(true);
    expect(r.body).toMatchObject({
      version: TRACE_REPORT_VERSION,
      bridge: BRIDGE,
      generate: false,
      inPort: { ofPort: 1, name: "p1" },
      datapathActions: "set_ipv4_dst:10.0.0.9,output:2",
    });
    expect(r.body.steps.find((s: { kind: string }) => s.kind === "set-field")).toEqual({
      kind: "set-field",
      depth: 0,
      text: "set_field ipv4_dst=167772169",
      field: "ipv4_dst",
      from: "10.0.0.1",
      to: "10.0.0.9",
    });
    // `names`: the text names ports; the document itself keeps numbers.
    expect(r.body.text).toContain("    output:p2 → datapath port p2\n");
    expect(r.body.text).toContain("Datapath actions: set_ipv4_dst:10.0.0.9,output:p2\n");
    const plain = await trace({ flow: "in_port=1,ip,nw_dst=10.0.0.1" });
    expect(plain.body.text).toContain("Datapath actions: set_ipv4_dst:10.0.0.9,output:2\n");
    // An extra property would fail the schema: the schema is closed.
    expect(validate({ ...r.body, extra: 1 })).toBe(false);
    // Traces install nothing, run nothing, learn nothing.
    expect(b.rt.installs).toEqual([]);
    expect(b.rt.executes).toEqual([]);
    expect(b.of.registry.size).toBe(0);
    expect(b.of.bridges.get(BRIDGE)?.macs.size).toBe(0);
  });

  it("traces a whole frame given as hex with its input port; the reply validates too", async () => {
    const frame = `${"ff".repeat(6)}020000000001${"0806"}${"00".repeat(46)}`;
    const r = await trace({ packet: frame, inPort: "p2" });
    expect(r.status).toBe(200);
    const validate = replyValidator();
    expect(validate(r.body), JSON.stringify(validate.errors)).toBe(true);
    expect(r.body.packet).toBe(frame);
    expect(r.body.inPort).toEqual({ ofPort: 2, name: "p2" });
    const normal = r.body.steps.find((s: { normal?: unknown }) => s.normal !== undefined);
    expect(normal.normal).toEqual({
      decision: "flood",
      ports: ["p1", "p3"],
      vlan: 0,
      reason: "ff:ff:ff:ff:ff:ff is broadcast",
    });
  });

  const invalid: Array<[string, unknown, RegExp]> = [
    ["an unknown field", { flow: "in_port=1,color=blue" }, /unknown field "color"/],
    ["a bad MAC", { flow: "in_port=1,dl_src=02:00:zz:00:00:01" }, /dl_src=02:00:zz:00:00:01/],
    ["a bad prefix", { flow: "in_port=1,ip,nw_dst=10.0.0.0/33" }, /nw_dst=10\.0\.0\.0\/33: bad prefix length/],
    ["an unknown port", { flow: "in_port=9,ip" }, /in_port=9: no such port on bridge br0/],
    ["an unknown input port for a packet", { packet: "00".repeat(60), inPort: "eth9" }, /in_port=eth9: no such port/],
    ["a truncated packet", { packet: "0102", inPort: "1" }, /packet of 2 bytes: an Ethernet frame is at least 14/],
    ["an odd-length hex packet", { packet: "00".repeat(20).concat("a"), inPort: "1" }, /41 hex digits is not a whole/],
    ["both a flow and a packet", { flow: "in_port=1", packet: "00".repeat(60), inPort: "1" }, /not both/],
  ];
  it.each(invalid)("refuses %s with 400 INVALID_TRACE naming the token", async (_what, body, message) => {
    const installs = b.rt.installs.length;
    const r = await trace(body);
    expect(r.status).toBe(400);
    expect(r.body.error).toBe("INVALID_TRACE");
    expect(r.body.message).toMatch(message);
    expect(b.rt.installs).toHaveLength(installs);
  });

  it("odd-length hex: the message echoes the digits", async () => {
    const r = await trace({ packet: "abc", inPort: "1" });
    expect(r.body).toEqual({
      error: "INVALID_TRACE",
      message: 'packet "abc": 3 hex digits is not a whole number of bytes (truncated?)',
    });
  });

  it("refuses a bridge the datapath does not carry with 409 NO_DATAPATH", async () => {
    const r = await trace({ flow: "in_port=1" }, "br1");
    expect(r.status).toBe(409);
    expect(r.body).toEqual({ error: "NO_DATAPATH", message: expect.stringMatching(/bridge "br1" cannot be traced/) });
  });

  it("refuses an unknown bridge with 404", async () => {
    const r = await trace({ flow: "in_port=1" }, "nope");
    expect(r.status).toBe(404);
  });
});
