// `wasmvs flow add|mod|del|dump` against the running switch: the real daemon with two
// namespaces on veth `system` ports (ofports 1 and 2), the CLI (in-process runCli, a REST
// client), and ovs-ofctl over the switch's OpenFlow listener as the reference.
//
// What it proves: a drop flow added with `wasmvs flow add` stops ping as soon as the command
// returns (the REST reply waits for the datapath fence), and deleting it restores traffic at
// once; `wasmvs flow dump` prints exactly what `ovs-ofctl dump-flows` prints for the same
// switch (durations and counters aside) for 200 generated flows; the same flows added with
// `ovs-ofctl add-flows` and with `wasmvs flow add --file` give identical tables; a 1,000-line
// add-flows file goes in whole; a file with a bad line (syntax, or refused by the switch)
// changes nothing; a `wasmvs flow del` of a send_flow_rem flow reaches a controller
// (`ovs-ofctl monitor`) as FLOW_REMOVED. Every OpenFlow byte (ovs-ofctl, the monitor) is
// recorded and dissected by tshark at the end: zero malformed, each message re-encoded byte for
// byte.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FlowSpec, formatFlow } from "../../../openflow/flow-format.ts";
import { runCli } from "../../../src/cli/program.ts";
import { addFlowSpec } from "../../openflow/arbitraries/flow-lines.ts";
import { NetLab, requireTools, type VethNs } from "../../support/netns.ts";
import { addAddress, ping } from "../../support/ns-traffic.ts";
import { OfMonitor } from "./of-monitor.ts";
import { expectCleanRecording } from "./of-recording.ts";
import { OfSwitch, OVS_OFCTL, stopOfSwitch } from "./of-switch.ts";

const lab = new NetLab();
let sw: OfSwitch | undefined;
let a: VethNs;
let b: VethNs;
let dir: string;
let monitor: OfMonitor | undefined;
const A_IP = "10.200.41.1";
const B_IP = "10.200.41.2";

beforeAll(async () => {
  requireTools("ip", "ping", OVS_OFCTL, "dumpcap", "tshark");
  dir = mkdtempSync(join(tmpdir(), "wasmvs-flowcli-"));
  try {
    a = lab.addVethNs("a");
    b = lab.addVethNs("b");
    addAddress(a.ns, a.peer, `${A_IP}/24`);
    addAddress(b.ns, b.peer, `${B_IP}/24`);
    sw = await OfSwitch.start(lab, "fc", { record: true });
    await sw.addPort({ name: a.host, type: "system", ofport: 1 });
    await sw.addPort({ name: b.host, type: "system", ofport: 2 });
  } catch (e) {
    await stopOfSwitch(sw);
    lab.cleanup();
    throw e;
  }
}, 90_000);

afterAll(async () => {
  monitor?.stop();
  await stopOfSwitch(sw);
  lab.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const s = () => sw as OfSwitch;

async function wasmvs(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runCli(["--server", s().daemon.url, ...args], {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
  });
  return { code, out, err };
}

/** dump-flows lines with the stats that change between two dumps taken out. */
function normalized(out: string): string[] {
  return out
    .split("\n")
    .filter((l) => l.startsWith(" cookie="))
    .map((l) => l.replace(/ duration=[0-9.]+s,/, "").replace(/ n_packets=[0-9?]+, n_bytes=[0-9?]+,/, ""));
}

const ovsDump = async () => normalized(await s().ofctl("dump-flows", s().tcp));
const wasmvsDump = async () => {
  const r = await wasmvs("flow", "dump", s().bridge);
  expect(r.code, r.err).toBe(0);
  return normalized(r.out);
};

describe("wasmvs flow", () => {
  it("a drop flow added with `wasmvs flow add` stops ping when the command returns; del restores it", async () => {
    const before = await ping(a.ns, B_IP, { count: 10, interval: 0.05, wait: 1, deadline: 10 });
    expect(before.received, before.output).toBeGreaterThanOrEqual(9);
    const drop = `priority=100,icmp,nw_dst=${B_IP}`;
    const add = await wasmvs("flow", "add", s().bridge, `${drop},actions=drop`);
    expect(add, add.err).toMatchObject({ code: 0, out: `added 1 flow to ${s().bridge}\n` });
    const blocked = await ping(a.ns, B_IP, { count: 5, interval: 0.05, wait: 1 });
    expect(blocked.received, blocked.output).toBe(0);
    const del = await wasmvs("flow", "del", "--strict", s().bridge, drop);
    expect(del, del.err).toMatchObject({ code: 0, out: `deleted 1 flow from ${s().bridge}\n` });
    const after = await ping(a.ns, B_IP, { count: 5, interval: 0.05, wait: 1 });
    expect(after.received, after.output).toBeGreaterThanOrEqual(4);
  }, 60_000);

  it("`flow dump` prints what ovs-ofctl dump-flows prints, and both parsers build the same tables", async () => {
    // The switch refuses flows naming groups or meters that do not exist (BAD_OUT_GROUP /
    // UNKNOWN_METER, as OVS does): the generated flows have theirs taken out.
    const lines = fc
      .sample(addFlowSpec, { numRuns: 200, seed: 7 })
      .map((spec) => formatFlow(withoutGroupsOrMeters(spec), "add"));
    const file = join(dir, "generated.flows");
    writeFileSync(file, `${lines.join("\n")}\n`);
    expect((await wasmvs("flow", "del", s().bridge)).code).toBe(0);
    await s().ofctl("add-flows", s().tcp, file);
    const byOvs = await ovsDump();
    expect(byOvs.length).toBeGreaterThan(150); // same match and priority replace each other
    expect(await wasmvsDump()).toEqual(byOvs);
    // The same file through wasmvs's parser: the tables ovs-ofctl sees are identical.
    expect((await wasmvs("flow", "del", s().bridge)).code).toBe(0);
    expect(await ovsDump()).toEqual([]);
    const add = await wasmvs("flow", "add", s().bridge, "--file", file);
    expect(add.code, add.err).toBe(0);
    expect(await ovsDump()).toEqual(byOvs);
  }, 60_000);

  it("`flow mod` and `flow dump MATCH` agree with ovs-ofctl", async () => {
    expect((await wasmvs("flow", "del", s().bridge)).code).toBe(0);
    await wasmvs("flow", "add", s().bridge, "table=3,priority=5,ip,actions=output:1");
    await wasmvs("flow", "add", s().bridge, "table=3,priority=6,tcp,actions=output:1");
    const mod = await wasmvs(
      "flow",
      "mod",
      "--strict",
      s().bridge,
      "table=3,priority=6,tcp,actions=mod_tp_dst:80,output:2",
    );
    expect(mod, mod.err).toMatchObject({ code: 0, out: `modified 1 flow on ${s().bridge}\n` });
    const mine = await wasmvs("flow", "dump", s().bridge, "table=3,tcp");
    expect(normalized(mine.out)).toEqual(normalized(await s().ofctl("dump-flows", s().tcp, "table=3,tcp")));
    expect(normalized(mine.out)).toEqual([
      " cookie=0x0, table=3, priority=6,tcp actions=set_field:80->tcp_dst,output:2",
    ]);
  }, 30_000);

  it("adds a 1,000-line add-flows file whole", async () => {
    expect((await wasmvs("flow", "del", s().bridge)).code).toBe(0);
    const body = ["# 1,000 host routes", ""];
    for (let i = 0; i < 1000; i++) {
      body.push(`table=5,priority=${100 + (i % 7)},ip,nw_dst=10.200.${i >> 8}.${i & 255},actions=output:2`);
      if (i % 100 === 0) body.push("  # a comment between flows", "");
    }
    const file = join(dir, "thousand.flows");
    writeFileSync(file, body.join("\n"));
    const r = await wasmvs("flow", "add", s().bridge, "--file", file);
    expect(r, r.err).toMatchObject({ code: 0, out: `added 1000 flows to ${s().bridge}\n` });
    const agg = await s().ofctl("dump-aggregate", s().tcp, "table=5");
    expect(agg).toMatch(/flow_count=1000\b/);
    expect(normalized((await wasmvs("flow", "dump", s().bridge, "table=5")).out)).toHaveLength(1000);
  }, 60_000);

  it("`flow del` of a send_flow_rem flow reaches a connected controller as FLOW_REMOVED", async () => {
    // Connected and configured once start resolves: a FLOW_REMOVED before its GET_CONFIG_REPLY
    // would make ovs-ofctl monitor exit ("bad reply to config request").
    monitor = await OfMonitor.start(s().unix, () => s().connections());
    await wasmvs("flow", "add", s().bridge, "table=9,cookie=0x77,send_flow_rem,priority=9,udp,actions=drop");
    await wasmvs("flow", "del", s().bridge, "table=9,udp");
    const line = await monitor.waitFor("OFPT_FLOW_REMOVED", () => true);
    expect(line).toMatch(/priority=9,udp reason=delete table_id=9 cookie:0x77/);
  }, 30_000);

  it("a file with a bad line changes nothing, and says which line", async () => {
    const before = await ovsDump();
    const good = Array.from({ length: 10 }, (_, i) => `table=6,in_port=${i + 1},actions=output:2`);
    const syntax = join(dir, "syntax.flows");
    writeFileSync(
      syntax,
      ["# bad line 8", ...good.slice(0, 6), "table=6,in_port=7,actions=outptu:2", ...good.slice(7)].join("\n"),
    );
    const r1 = await wasmvs("flow", "add", s().bridge, "--file", syntax);
    expect(r1.code).toBe(2);
    expect(r1.err).toContain(`${syntax}:8: actions: unknown action "outptu:2"`);
    const refused = join(dir, "refused.flows");
    writeFileSync(refused, [...good.slice(0, 4), "table=6,in_port=5,actions=output:0", ...good.slice(5)].join("\n"));
    const r2 = await wasmvs("flow", "add", s().bridge, "--file", refused);
    expect(r2.code).toBe(1);
    expect(r2.err).toMatch(/line 5: BAD_ACTION\/BAD_OUT_PORT/);
    expect(await ovsDump()).toEqual(before);
    const usage = await wasmvs("flow", "add", s().bridge);
    expect(usage.code).toBe(2);
    expect(usage.err).toMatch(/either a flow or --file/);
  }, 30_000);

  it("tshark dissects every OpenFlow byte exchanged above: zero malformed", async () => {
    monitor?.stop();
    expectCleanRecording(await s().dissect());
  }, 60_000);
});

/** `spec` without meter instructions and group actions (which need a group/meter to exist). */
function withoutGroupsOrMeters(spec: FlowSpec): FlowSpec {
  const instructions = spec.instructions
    .filter((i) => i.type !== "meter")
    .map((i) =>
      i.type === "apply_actions" || i.type === "write_actions"
        ? { ...i, actions: i.actions.filter((a) => a.type !== "group") }
        : i,
    )
    .filter((i) => !(i.type === "write_actions" && i.actions.length === 0));
  return { ...spec, instructions };
}
