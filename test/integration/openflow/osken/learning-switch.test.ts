// An os-ken learning switch (learning_switch_13.py, in the style of simple_switch_13) drives
// the running wasmvs while three namespaces ping each other.
//
// What it proves: a real controller framework programs wasmvs: on connect its table-miss flow
// (priority 0 → CONTROLLER) replaces the bridge's NORMAL; every packet that misses reaches the
// app as a PACKET_IN (reason NO_MATCH, table 0, in_port in the match) with the whole frame; its
// PACKET_OUTs (FLOOD, or the learned port) deliver ARP and the first echoes; the flows it
// installs (in_port, eth_src, eth_dst → output) then carry the traffic in the fast path, and
// their counters move. Every OpenFlow byte between os-ken and wasmvs, and between ovs-ofctl and
// the passive listener, is captured on lo and dissected by tshark with zero malformed segments
// (and re-encoded byte for byte by openflow/message.ts); the FLOW_MODs on the wire are exactly the
// table-miss plus one per flow the app says it added.
// How: the real osken-manager (python3-os-ken) listens; the switch dials it (an active tcp:
//   controller set with PUT /v1/bridges/{bridge}/controllers); ovs-ofctl reads the tables over
//   the switch's passive listener; hosts are namespaces on veth `system` ports.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NetLab, requireTools, type VethNs } from "../../../support/netns.ts";
import { addAddress, macOf, ping } from "../../../support/ns-traffic.ts";
import { countTypes } from "../../../support/openflow-dissect.ts";
import { pollUntil } from "../../../support/switch-daemon.ts";
import { rest } from "../../controllers/rest.ts";
import { expectCleanRecording } from "../of-recording.ts";
import { OfSwitch, OVS_OFCTL, stopOfSwitch } from "../of-switch.ts";
import { killAllOsKen, OSKEN_MANAGER, OsKen } from "./osken-manager.ts";

const IP = (i: number) => `10.200.43.${i}`;
const lab = new NetLab();
let sw: OfSwitch | undefined;
let osken: OsKen | undefined;
let port = 0;
const hosts: VethNs[] = [];
const macs: string[] = [];

beforeAll(async () => {
  requireTools("ip", "ping", OVS_OFCTL, OSKEN_MANAGER, "dumpcap", "tshark");
  try {
    for (let i = 1; i <= 3; i++) {
      const h = lab.addVethNs(`l${i}`);
      addAddress(h.ns, h.peer, `${IP(i)}/24`);
      hosts.push(h);
      macs.push(macOf(lab, h.ns, h.peer));
    }
    sw = await OfSwitch.start(lab, "ls", { record: true });
    for (let i = 0; i < 3; i++) await sw.addPort({ name: hosts[i].host, type: "system", ofport: i + 1 });
    osken = await OsKen.start("learning_switch_13.py");
    port = osken.listenPort;
    await sw.recordAlso([port]); // the connection the switch dials to os-ken
    // the switch dials os-ken: an active controller target, set over REST
    const put = await rest(sw.daemon.url, "PUT", `/bridges/${sw.bridge}/controllers`, {
      targets: [osken.controllerTarget],
    });
    if (put.status !== 200) throw new Error(`PUT controllers: ${put.status} ${JSON.stringify(put.body)}`);
    await osken.waitFor("CONNECTED");
  } catch (e) {
    await osken?.stop();
    await stopOfSwitch(sw);
    lab.cleanup();
    throw new Error(`${(e as Error).message}\n${osken?.output() ?? ""}`);
  }
}, 90_000);

afterAll(async () => {
  await osken?.stop();
  killAllOsKen();
  await stopOfSwitch(sw);
  lab.cleanup();
});

const s = () => sw as OfSwitch;
const app = () => osken as OsKen;
const PAIRS: Array<[number, number]> = [
  [0, 1],
  [0, 2],
  [1, 2],
];

describe("os-ken learning switch drives wasmvs", () => {
  it("on connect, its table-miss flow replaces NORMAL: everything goes to the controller", async () => {
    const flows = await pollUntil(
      "the table-miss flow",
      () => s().dumpFlows(),
      (f) => f.some((x) => x.actions.startsWith("CONTROLLER")),
    );
    expect(flows.map(({ packets: _p, ...f }) => f)).toEqual([
      { table: 0, priority: 0, match: "", actions: "CONTROLLER:65535" },
    ]);
  });

  it("the namespaces ping each other through PACKET_IN and PACKET_OUT", async () => {
    for (const [a, b] of PAIRS) {
      const r = await ping(hosts[a].ns, IP(b + 1), { count: 5, interval: 0.1, wait: 2, deadline: 15 });
      expect(r.received, `${r.output}\n${app().output()}`).toBe(5);
    }
    const ins = app().events("PACKET_IN");
    expect(ins.length).toBeGreaterThan(0);
    // table-miss packet-ins: reason NO_MATCH (0) from table 0, the frame's source port in the match
    for (const ev of ins) {
      expect([ev.reason, ev.table]).toEqual(["0", "0"]);
      expect(ev.in_port).toBe(String(macs.indexOf(ev.src) + 1));
    }
  });

  it("the flows it installed carry the traffic: one per direction, counters moving", async () => {
    for (const [a, b] of PAIRS) {
      const r = await ping(hosts[a].ns, IP(b + 1), { count: 10, interval: 0.02, wait: 1, deadline: 10 });
      expect(r.received, r.output).toBe(10);
    }
    const flows = await pollUntil(
      "learned flows credited",
      () => s().dumpFlows(),
      (f) => f.filter((x) => x.priority === 1 && x.packets >= 10).length >= 6,
    );
    for (const [a, b] of PAIRS) {
      for (const [from, to] of [
        [a, b],
        [b, a],
      ]) {
        const f = flows.find(
          (x) => x.priority === 1 && x.match.includes(`dl_src=${macs[from]}`) && x.match.includes(`dl_dst=${macs[to]}`),
        );
        expect(f, `${macs[from]} → ${macs[to]} in ${JSON.stringify(flows)}`).toBeDefined();
        expect(f?.match).toContain(`in_port=${from + 1}`);
        expect(f?.actions).toBe(`output:${to + 1}`);
        expect(f?.packets).toBeGreaterThanOrEqual(10);
      }
    }
  });

  it("tshark dissects every byte between os-ken and wasmvs: zero malformed", async () => {
    const added = app().events("FLOW_ADDED").length;
    const rec = await s().dissect();
    // os-ken's connection, and ovs-ofctl's on the passive listener (dump-flows)
    expectCleanRecording(rec);
    const segs = rec.controllers;
    const types = countTypes(segs);
    // HELLO, FEATURES_REPLY, PACKET_IN, PACKET_OUT, FLOW_MOD, BARRIER_REPLY all on the wire
    for (const t of [0, 6, 10, 13, 14, 21]) expect(types.get(t) ?? 0, `type ${t}`).toBeGreaterThan(0);
    expect(types.get(14)).toBe(added + 1);
    expect(types.get(10)).toBe(app().events("PACKET_IN").length);
    // one PACKET_OUT per PACKET_IN: the app forwards every packet it is sent
    expect(types.get(13)).toBe(types.get(10));
  });
});
