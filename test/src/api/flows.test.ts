// REST /v1/bridges/{bridge}/flows over a real API and SwitchService, with the bridge's flow
// tables a real RuleTables driven by the real applyFlowMod (the switch's FLOW_MOD semantics);
// the stub records the order of FLOW_MODs and datapath fences.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FlowBridges } from "../../../src/api/flows.ts";
import { applyFlowMod } from "../../../src/ofproto/flow-mod.ts";
import type { OfBridge } from "../../../src/ofproto/of-handlers/handler-context.ts";
import { RuleTables } from "../../../src/ofproto/rule-table.ts";
import { type Harness, openHarness, removeDir } from "./api-harness.ts";

interface StubBridge {
  bridge: OfBridge;
  tables: RuleTables;
  events: string[];
}

function stubBridge(): StubBridge {
  const tables = new RuleTables({ maxRulesPerTable: 5 });
  const events: string[] = [];
  const bridge: OfBridge = {
    name: "br0",
    datapathId: () => 1n,
    ports: () => [],
    tables: () => tables,
    now: () => 10_000,
    flowMod: (fm) => {
      events.push(`mod${fm.command}`);
      return applyFlowMod(tables, fm, 10_000);
    },
    packetOut: async () => {},
    fence: async () => {
      events.push("fence");
    },
  };
  return { bridge, tables, events };
}

const dumpText = (flows: Array<{ dump: string }>) => flows.map((f) => f.dump);

describe("flows REST", () => {
  let h: Harness;
  let stub: StubBridge;
  let inDatapath: boolean;

  beforeEach(async () => {
    stub = stubBridge();
    inDatapath = true;
    const flows: FlowBridges = {
      ofBridge: (name) => (name === "br0" && inDatapath ? stub.bridge : undefined),
    };
    h = await openHarness({ flows });
    expect((await h.call("POST", "/v1/bridges", { name: "br0" })).status).toBe(201);
  });
  afterEach(async () => {
    await h.close();
    removeDir(h.dir);
  });

  it("adds flows, fences after the last change, and lists them with ovs-ofctl text", async () => {
    const add = await h.call("POST", "/v1/bridges/br0/flows", {
      flows: [
        "table=1,priority=10,cookie=0x5,idle_timeout=100,send_flow_rem,dl_vlan=10,actions=pop_vlan,output:2",
        "priority=0,actions=NORMAL",
      ],
    });
    expect(add).toEqual({ status: 201, body: { added: 2 } });
    expect(stub.events).toEqual(["mod0", "mod0", "fence"]);
    const list = await h.call("GET", "/v1/bridges/br0/flows");
    expect(list.status).toBe(200);
    expect(dumpText(list.body)).toEqual([
      "cookie=0x0, duration=0.000s, table=0, n_packets=0, n_bytes=0, priority=0 actions=NORMAL",
      "cookie=0x5, duration=0.000s, table=1, n_packets=0, n_bytes=0, idle_timeout=100, send_flow_rem priority=10,dl_vlan=10 actions=pop_vlan,output:2",
    ]);
    expect(list.body[1]).toMatchObject({
      table: 1,
      priority: 10,
      cookie: "0x5",
      packets: 0,
      bytes: 0,
      idleTimeout: 100,
      flags: ["send_flow_rem"],
      match: "dl_vlan=10",
      actions: "pop_vlan,output:2",
      flow: "table=1,priority=10,cookie=0x5,idle_timeout=100,send_flow_rem,dl_vlan=10,actions=pop_vlan,output:2",
    });
  });

  it("filters by table and by an ovs-ofctl match, and reports unavailable counters as null", async () => {
    await h.call("POST", "/v1/bridges/br0/flows", {
      flows: ["table=1,ip,actions=1", "table=1,arp,actions=2", "table=2,cookie=0x7,no_packet_counts,ip,actions=3"],
    });
    const t1 = await h.call("GET", "/v1/bridges/br0/flows?table=1");
    expect(t1.body.map((f: { actions: string }) => f.actions)).toEqual(["output:1", "output:2"]);
    const ip = await h.call("GET", `/v1/bridges/br0/flows?match=${encodeURIComponent("ip")}`);
    expect(ip.body.map((f: { actions: string }) => f.actions)).toEqual(["output:1", "output:3"]);
    const byCookie = await h.call("GET", `/v1/bridges/br0/flows?match=${encodeURIComponent("cookie=7/-1")}`);
    expect(byCookie.body).toHaveLength(1);
    expect(byCookie.body[0]).toMatchObject({ packets: null, bytes: 0 });
    const bad = await h.call("GET", `/v1/bridges/br0/flows?match=${encodeURIComponent("bogus=1")}`);
    expect(bad).toMatchObject({ status: 400, body: { error: "INVALID_FLOW" } });
    expect(bad.body.message).toMatch(/bogus/);
  });

  it("a bad line is 400 naming the line and token, and nothing is applied", async () => {
    await h.call("POST", "/v1/bridges/br0/flows", { flows: ["actions=1"] });
    stub.events.length = 0;
    const r = await h.call("POST", "/v1/bridges/br0/flows", {
      flows: ["actions=2", "ip,actions=output:x", "actions=3"],
    });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ error: "INVALID_FLOW", message: expect.stringMatching(/^line 2: .*"output:x"/) });
    expect(stub.events).toEqual([]);
    expect(stub.tables.ruleCount).toBe(1);
  });

  it("an OpenFlow refusal anywhere in a batch is 400 with its type/code names, and nothing is applied", async () => {
    const r = await h.call("POST", "/v1/bridges/br0/flows", {
      flows: ["table=1,actions=1", "table=1,ip,actions=2", "table=1,arp,actions=output:0"],
    });
    expect(r).toMatchObject({ status: 400, body: { error: "FLOW_REFUSED" } });
    expect(r.body.message).toMatch(/line 3: BAD_ACTION\/BAD_OUT_PORT/);
    expect(stub.tables.ruleCount).toBe(0);
    expect(stub.events).toEqual([]);
    const goto = await h.call("POST", "/v1/bridges/br0/flows", { flows: ["table=3,actions=goto_table:2"] });
    expect(goto.body.message).toMatch(/line 1: BAD_INSTRUCTION\/BAD_TABLE_ID/);
  });

  it("CHECK_OVERLAP and TABLE_FULL against installed rules are 409, and nothing is applied", async () => {
    await h.call("POST", "/v1/bridges/br0/flows", { flows: ["priority=5,ip,actions=1"] });
    const overlap = await h.call("POST", "/v1/bridges/br0/flows", {
      flows: ["priority=6,actions=2", "priority=5,check_overlap,tcp,actions=3"],
    });
    expect(overlap).toMatchObject({ status: 409, body: { error: "FLOW_CONFLICT" } });
    expect(overlap.body.message).toMatch(/line 2: FLOW_MOD_FAILED\/OVERLAP/);
    expect(stub.tables.ruleCount).toBe(1);
    // Capacity 5 per table: 1 installed + 4 new fits; a 5th new one does not (a replacement would).
    const full = await h.call("POST", "/v1/bridges/br0/flows", {
      flows: [
        "in_port=1,actions=1",
        "in_port=2,actions=1",
        "in_port=3,actions=1",
        "in_port=4,actions=1",
        "in_port=5,actions=1",
      ],
    });
    expect(full).toMatchObject({ status: 409, body: { error: "FLOW_CONFLICT" } });
    expect(full.body.message).toMatch(/line 5: FLOW_MOD_FAILED\/TABLE_FULL/);
    expect(stub.tables.ruleCount).toBe(1);
    const replace = await h.call("POST", "/v1/bridges/br0/flows", {
      flows: ["in_port=1,actions=1", "in_port=2,actions=1", "in_port=3,actions=1", "priority=5,ip,actions=4"],
    });
    expect(replace.status).toBe(201);
    expect(stub.tables.ruleCount).toBe(4);
  });

  it("modifies and deletes, strict and not, fenced", async () => {
    await h.call("POST", "/v1/bridges/br0/flows", {
      flows: ["priority=5,ip,actions=1", "priority=6,tcp,actions=1", "cookie=0x10,arp,actions=1"],
    });
    stub.events.length = 0;
    const mod = await h.call("POST", "/v1/bridges/br0/flows/modify", { flow: "ip,actions=2" });
    expect(mod).toEqual({ status: 200, body: { modified: 2 } });
    expect(stub.events).toEqual(["mod1", "fence"]);
    const strict = await h.call("POST", "/v1/bridges/br0/flows/modify", {
      flow: "priority=6,tcp,actions=3",
      strict: true,
    });
    expect(strict.body).toEqual({ modified: 1 });
    const actions = async () =>
      (await h.call("GET", "/v1/bridges/br0/flows")).body.map((f: { match: string; actions: string }) =>
        [f.match, f.actions].join(" "),
      );
    expect(await actions()).toEqual(["ip output:2", "tcp output:3", "arp output:1"]);
    expect((await h.call("POST", "/v1/bridges/br0/flows/delete", { match: "cookie=0x10/-1" })).body).toEqual({
      deleted: 1,
    });
    expect(
      (await h.call("POST", "/v1/bridges/br0/flows/delete", { match: "priority=5,tcp", strict: true })).body,
    ).toEqual({ deleted: 0 });
    expect((await h.call("POST", "/v1/bridges/br0/flows/delete", { match: "ip" })).body).toEqual({ deleted: 2 });
    expect(await actions()).toEqual([]);
    const bad = await h.call("POST", "/v1/bridges/br0/flows/delete", { match: "priority=5" });
    expect(bad).toMatchObject({ status: 400, body: { error: "INVALID_FLOW" } });
    expect(bad.body.message).toMatch(/"priority" is not allowed/);
  });

  it("answers 404 for an unknown bridge, 409 when the bridge is not in the datapath, 400 for unknown fields", async () => {
    expect((await h.call("GET", "/v1/bridges/nope/flows")).body.error).toBe("BRIDGE_NOT_FOUND");
    inDatapath = false;
    const r = await h.call("POST", "/v1/bridges/br0/flows", { flows: ["actions=1"] });
    expect(r).toMatchObject({ status: 409, body: { error: "BRIDGE_NOT_IN_DATAPATH" } });
    inDatapath = true;
    const extra = await h.call("POST", "/v1/bridges/br0/flows", { flows: ["actions=1"], strict: true });
    expect(extra).toMatchObject({ status: 400, body: { error: "UNKNOWN_FIELD" } });
    const empty = await h.call("POST", "/v1/bridges/br0/flows", { flows: [] });
    expect(empty).toMatchObject({ status: 400, body: { error: "INVALID_FIELD" } });
  });
});

describe("flows REST without a datapath", () => {
  it("answers 409 NO_DATAPATH", async () => {
    const h = await openHarness();
    try {
      await h.call("POST", "/v1/bridges", { name: "br0" });
      const r = await h.call("GET", "/v1/bridges/br0/flows");
      expect(r).toMatchObject({ status: 409, body: { error: "NO_DATAPATH" } });
      expect(r.body.message).toMatch(/--no-datapath/);
    } finally {
      await h.close();
      removeDir(h.dir);
    }
  });
});
