// `ovs-ofctl -O OpenFlow13 --no-names` managing flows in bulk on the running switch, over its
// passive TCP listener and its punix socket, with every OpenFlow byte dissected by tshark.
//
// What it proves (beyond ovs-ofctl.test.ts, which covers show/dump-desc/dump-tables/add-flow and
// simple del-flows): add-flows of a generated 10,000-line file (over TCP, then over punix),
// read back with dump-flows and compared line by line with what was added (cookie, table,
// priority, match, actions — all 10,000); mod-flows non-strict (every flow the match covers), strict (exactly one) and by
// cookie/mask; del-flows by cookie/mask (`cookie=0x10/0xf0`) and --strict; dump-aggregate
// counts; traffic counters: pings through explicit flows give n_packets exactly equal to the
// echo requests and replies, also summed by dump-aggregate; packet-out with output:TABLE runs
// the frame through the tables, reaches the namespace port its flow names and moves that flow's
// counter.
// How: ovs-ofctl is the real binary; the switch records (of-recording.ts): TCP exchanges are
//   captured on lo with dumpcap (filter: the switch's port); punix exchanges go through a unix
//   proxy that records the untouched bytes as a pcap with synthetic TCP framing (a unix socket
//   cannot be sniffed).
//   Both files are dissected by tshark as OpenFlow: zero malformed segments, no expert errors,
//   and the proxy's message count equals the messages tshark found.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NetLab, PYTHON, requireTools, type VethNs } from "../../support/netns.ts";
import { addAddress, ping } from "../../support/ns-traffic.ts";
import { countTypes } from "../../support/openflow-dissect.ts";
import { pollUntil } from "../../support/switch-daemon.ts";
import { frame, sniff } from "../ports/frame-peer.ts";
import { expectCleanRecording } from "./of-recording.ts";
import { OfSwitch, OVS_OFCTL, stopOfSwitch } from "./of-switch.ts";

const N_FLOWS = 10_000;
const A_IP = "10.200.41.1";
const B_IP = "10.200.41.2";

const lab = new NetLab();
let sw: OfSwitch | undefined;
let a: VethNs;
let b: VethNs;
let dir = "";

beforeAll(async () => {
  requireTools("ip", "ping", PYTHON, OVS_OFCTL, "dumpcap", "tshark");
  try {
    dir = mkdtempSync(join(tmpdir(), "wasmvs-ofctl-flows-"));
    a = lab.addVethNs("fa");
    b = lab.addVethNs("fb");
    addAddress(a.ns, a.peer, `${A_IP}/24`);
    addAddress(b.ns, b.peer, `${B_IP}/24`);
    sw = await OfSwitch.start(lab, "of", { record: true });
    await sw.addPort({ name: a.host, type: "system", ofport: 1 });
    await sw.addPort({ name: b.host, type: "system", ofport: 2 });
  } catch (e) {
    await stopOfSwitch(sw);
    lab.cleanup();
    throw e;
  }
}, 90_000);

afterAll(async () => {
  await stopOfSwitch(sw);
  lab.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const s = () => sw as OfSwitch;
const tcp = () => s().tcp;
const unix = () => s().unix; // the recording proxy in front of the punix socket

interface Flow {
  cookie: number;
  table: number;
  priority: number;
  match: string;
  actions: string;
  packets: number;
  bytes: number;
}

/** dump-flows output → flows, with the cookie and counters kept (durations dropped). */
function parseFlows(out: string): Flow[] {
  const flows: Flow[] = [];
  for (const raw of out.split("\n")) {
    const line = raw.trim();
    if (!line.includes("actions=")) continue;
    const [head, actions] = line.split(/ actions=/);
    const f: Flow = { cookie: 0, table: 0, priority: 32768, match: "", actions, packets: 0, bytes: 0 };
    const match: string[] = [];
    for (const field of head.split(/,\s*|\s+/).filter((x) => x !== "")) {
      const [k, v] = field.split("=");
      if (k === "cookie") f.cookie = Number(v);
      else if (k === "table") f.table = Number(v);
      else if (k === "priority") f.priority = Number(v);
      else if (k === "n_packets") f.packets = Number(v);
      else if (k === "n_bytes") f.bytes = Number(v);
      else if (!["duration", "idle_age", "hard_age", "reset_counts"].includes(k)) match.push(field);
    }
    f.match = match.join(",");
    flows.push(f);
  }
  return flows;
}

const dump = async (target: string, filter?: string) =>
  parseFlows(await s().ofctl("dump-flows", target, ...(filter ? [filter] : [])));
const key = (f: { table: number; priority: number; match: string }) => `${f.table}/${f.priority}/${f.match}`;

/** The generated flows, each in the form dump-flows prints it back. */
function generatedFlows(): Flow[] {
  const flows: Flow[] = [];
  for (let i = 0; i < N_FLOWS; i++) {
    const table = 1 + (i % 40);
    const x = (i >> 8) & 0xff;
    const y = i & 0xff;
    const cookie = i % 256;
    let match: string;
    let actions: string;
    switch (i % 5) {
      case 0:
        match = `ip,nw_src=10.${x}.${y}.1`;
        actions = "output:2";
        break;
      case 1:
        match = `tcp,nw_dst=10.${x}.${y}.0/24,tp_dst=${1 + (i % 60000)}`;
        actions = "output:1";
        break;
      case 2:
        match = `udp,in_port=${1 + (i % 2)},dl_vlan=${1 + (i % 4000)},tp_src=${i % 65536}`;
        actions = "pop_vlan,output:2";
        break;
      case 3:
        match = `dl_dst=02:00:00:00:${x.toString(16).padStart(2, "0")}:${y.toString(16).padStart(2, "0")}`;
        actions = `set_field:02:00:00:00:00:${y.toString(16).padStart(2, "0")}->eth_src,goto_table:${table + 1}`;
        break;
      default:
        match = `arp,arp_tpa=10.${x}.${y}.9`;
        actions = "drop";
    }
    flows.push({ cookie, table, priority: 1 + (i % 1000), match, actions, packets: 0, bytes: 0 });
  }
  return flows;
}

const line = (f: Flow) =>
  `cookie=0x${f.cookie.toString(16)},table=${f.table},priority=${f.priority},${f.match},actions=${f.actions}`;

describe("ovs-ofctl flow management against wasmvs", () => {
  const added = generatedFlows();

  // Over TCP first, then (from empty tables again) over punix, whose flows the tests below use.
  for (const [via, target, other] of [
    ["tcp", tcp, unix],
    ["punix", unix, tcp],
  ] as const) {
    it(`add-flows of a 10,000-line file over ${via}: dump-flows reads back all 10,000 as added`, async () => {
      await s().ofctl("del-flows", target());
      await s().ofctl("add-flow", target(), "table=0,priority=0,actions=NORMAL");
      const file = join(dir, "flows.txt");
      writeFileSync(file, `${added.map(line).join("\n")}\n`);
      await s().ofctl("add-flows", target(), file);
      const flows = (await dump(target())).filter((f) => f.table !== 0);
      expect(flows).toHaveLength(N_FLOWS);
      expect(flows.map(line).sort()).toEqual(added.map(line).sort());
      const agg = await s().ofctl("dump-aggregate", other());
      expect(agg).toContain(`flow_count=${N_FLOWS + 1}`); // and the bridge's NORMAL flow
    });
  }

  it("mod-flows, non-strict: every flow the match covers in the table, nothing else", async () => {
    // table 7 holds flows of every shape (i % 40 == 6); only its tcp ones are covered by "tcp".
    await s().ofctl("mod-flows", tcp(), "table=7,tcp,actions=output:1,output:2");
    const flows = await dump(tcp());
    const byKey = new Map(flows.map((f) => [key(f), f]));
    let changed = 0;
    for (const f of added) {
      const now = byKey.get(key(f));
      const covered = f.table === 7 && f.match.startsWith("tcp,");
      expect(now?.actions, key(f)).toBe(covered ? "output:1,output:2" : f.actions);
      if (covered) changed++;
    }
    expect(changed).toBeGreaterThan(10);
  });

  it("mod-flows --strict changes exactly the one flow of that match and priority", async () => {
    const target = added[1234];
    await s().ofctl(
      "--strict mod-flows",
      unix(),
      `table=${target.table},priority=${target.priority},${target.match},actions=output:1`,
    );
    // same match, another priority: strict does not touch it (there is none) — and no flow is added
    await s().ofctl(
      "--strict mod-flows",
      unix(),
      `table=${target.table},priority=${target.priority + 1},${target.match},actions=output:1`,
    );
    const flows = await dump(unix(), `table=${target.table}`);
    const diff = flows.filter((f) => {
      const orig = added.find((g) => key(g) === key(f));
      return orig === undefined || orig.actions !== f.actions;
    });
    expect(diff.map(key)).toEqual([key(target)]);
    expect(diff[0].actions).toBe("output:1");
  });

  it("mod-flows by cookie/mask rewrites only the flows whose masked cookie matches", async () => {
    await s().ofctl("mod-flows", tcp(), "cookie=0x25/0xff,table=22,actions=output:2,output:1");
    const flows = await dump(tcp(), "table=22");
    for (const f of flows) expect(f.actions === "output:2,output:1", key(f)).toBe(f.cookie === 0x25);
    expect(flows.filter((f) => f.cookie === 0x25).length).toBeGreaterThan(0);
  });

  it("del-flows cookie=0x10/0xf0 deletes exactly the flows with cookie & 0xf0 == 0x10", async () => {
    const before = (await dump(unix())).filter((f) => f.table !== 0);
    const doomed = before.filter((f) => (f.cookie & 0xf0) === 0x10);
    expect(doomed.length).toBeGreaterThan(500);
    await s().ofctl("del-flows", unix(), "cookie=0x10/0xf0");
    const after = (await dump(unix())).filter((f) => f.table !== 0);
    expect(after.map(key).sort()).toEqual(
      before
        .filter((f) => (f.cookie & 0xf0) !== 0x10)
        .map(key)
        .sort(),
    );
    expect(await s().ofctl("dump-aggregate", tcp())).toContain(`flow_count=${after.length + 1}`);
  });

  it("del-flows --strict removes one flow; non-strict by table removes that table", async () => {
    const before = (await dump(tcp())).filter((f) => f.table === 5);
    const one = before[0];
    await s().ofctl("--strict del-flows", tcp(), `table=5,priority=${one.priority},${one.match}`);
    const after = await dump(tcp(), "table=5");
    expect(after.map(key).sort()).toEqual(before.slice(1).map(key).sort());
    for (let t = 1; t <= 40; t++) await s().ofctl("del-flows", t % 2 ? tcp() : unix(), `table=${t}`);
    expect(await dump(tcp())).toEqual([expect.objectContaining({ table: 0, priority: 0, actions: "NORMAL" })]);
  });

  it("pings through explicit flows: n_packets equal the echoes, dump-aggregate sums them", async () => {
    await s().ofctl("add-flow", tcp(), "table=0,priority=100,icmp,in_port=1,actions=output:2");
    await s().ofctl("add-flow", unix(), "table=0,priority=100,icmp,in_port=2,actions=output:1");
    // ARP rides the NORMAL flow; the echoes the two icmp flows.
    const r = await ping(a.ns, B_IP, { count: 10, interval: 0.05, wait: 1, deadline: 10 });
    expect(r.received, r.output).toBe(10);
    const flows = await pollUntil(
      "both icmp flows credited",
      () => dump(tcp(), "icmp"),
      (f) => f.length === 2 && f.every((x) => x.packets >= 10),
    );
    // 98-byte frames: 14 Ethernet + 20 IPv4 + 8 ICMP + 56 data
    for (const f of flows) expect([f.packets, f.bytes], key(f)).toEqual([10, 980]);
    const agg = await s().ofctl("dump-aggregate", unix(), "icmp");
    expect(agg).toMatch(/packet_count=20 byte_count=1960 flow_count=2/);
  });

  it("packet-out to TABLE runs the tables: the frame leaves by the flow's port and counts there", async () => {
    await s().ofctl("add-flow", tcp(), "table=0,priority=200,dl_dst=02:77:76:73:00:0c,in_port=1,actions=output:2");
    const f = frame({ dst: "02:77:76:73:00:0c", fill: 7 });
    const hex = Buffer.from(f).toString("hex");
    for (const target of [tcp(), unix()]) {
      const sniffer = sniff(b.ns, b.peer, 1, 5);
      await sniffer.ready;
      await s().ofctl("packet-out", target, `in_port=1,packet=${hex},actions=output:table`);
      const got = await sniffer.frames;
      expect(got.map((g) => Buffer.from(g).toString("hex"))).toEqual([hex]);
    }
    const flows = await pollUntil(
      "the packet-out flow credited",
      () => dump(tcp(), "dl_dst=02:77:76:73:00:0c"),
      (fl) => fl[0]?.packets === 2,
    );
    expect(flows).toHaveLength(1);
  });

  it("tshark dissects every OpenFlow byte of these exchanges: zero malformed", async () => {
    const rec = await s().dissect();
    expectCleanRecording(rec);
    const tcpTypes = countTypes(rec.tcp);
    const unixTypes = countTypes(rec.unix);
    // FLOW_MOD (14): the 10,000 adds went over both; mods and deletes too.
    expect(unixTypes.get(14) ?? 0).toBeGreaterThanOrEqual(N_FLOWS);
    expect(tcpTypes.get(14) ?? 0).toBeGreaterThanOrEqual(N_FLOWS);
    // MULTIPART_REPLY (19) of 10,000 flows needs many messages (64 KB each).
    expect(unixTypes.get(19) ?? 0).toBeGreaterThan(10);
    // every message the proxy passed was dissected
    const dissected = [...unixTypes.values()].reduce((n, c) => n + c, 0);
    expect(dissected).toBe(rec.unixMessages);
  });
});
