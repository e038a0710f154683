// An os-ken Faucet-style multi-table VLAN pipeline (vlan_pipeline_13.py: vlan → eth_src →
// eth_dst → flood tables, goto-table and write-metadata) drives the running wasmvs while four
// namespaces in two VLANs ping each other.
//
// What it proves: wasmvs runs a controller's multi-table pipeline as written: push_vlan and
// set_field vlan_vid with write_metadata in table 0, learning through a CONTROLLER action that
// continues with goto (the PACKET_IN reports table 1 and reason NO_MATCH, as a table-miss
// entry's does, and the packet still reaches its destination), per-VLAN flooding and learned destinations with pop_vlan. Hosts of
// one VLAN ping each other; hosts of different VLANs (same IPv4 subnet) cannot, in either
// direction. The learned eth_src/eth_dst flows carry the traffic (counters). Every OpenFlow
// byte between os-ken and wasmvs, and between ovs-ofctl and the passive listener, is dissected
// by tshark with zero malformed segments (and re-encoded byte for byte by openflow/message.ts).
// How: the real osken-manager listens and the switch dials it (an active tcp: controller set
//   over REST); hosts are namespaces on veth `system` ports 1..4, ports 1-2 in VLAN 100 and
//   3-4 in VLAN 200.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NetLab, requireTools, type VethNs } from "../../../support/netns.ts";
import { addAddress, macOf, ping } from "../../../support/ns-traffic.ts";
import { countTypes } from "../../../support/openflow-dissect.ts";
import { pollUntil } from "../../../support/switch-daemon.ts";
import { rest } from "../../controllers/rest.ts";
import { expectCleanRecording } from "../of-recording.ts";
import { OfSwitch, OVS_OFCTL, stopOfSwitch } from "../of-switch.ts";
import { killAllOsKen, OSKEN_MANAGER, OsKen } from "./osken-manager.ts";

const IP = (i: number) => `10.200.44.${i + 1}`;
const VLAN_OF = [100, 100, 200, 200];
const lab = new NetLab();
let sw: OfSwitch | undefined;
let osken: OsKen | undefined;
let port = 0;
const hosts: VethNs[] = [];
const macs: string[] = [];

beforeAll(async () => {
  requireTools("ip", "ping", OVS_OFCTL, OSKEN_MANAGER, "dumpcap", "tshark");
  try {
    for (let i = 0; i < 4; i++) {
      const h = lab.addVethNs(`v${i}`);
      addAddress(h.ns, h.peer, `${IP(i)}/24`);
      hosts.push(h);
      macs.push(macOf(lab, h.ns, h.peer));
    }
    sw = await OfSwitch.start(lab, "vp", { record: true });
    for (let i = 0; i < 4; i++) await sw.addPort({ name: hosts[i].host, type: "system", ofport: i + 1 });
    osken = await OsKen.start("vlan_pipeline_13.py", {
      env: { WVS_VLANS: VLAN_OF.map((v, i) => `${i + 1}:${v}`).join(",") },
    });
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

describe("os-ken Faucet-style VLAN pipeline drives wasmvs", () => {
  it("installs its four tables in place of NORMAL", async () => {
    const flows = await pollUntil(
      "the pipeline's flows",
      () => s().dumpFlows(),
      (f) => f.length === 4 + 1 + 1 + 2,
    );
    expect(flows.map(({ packets: _p, ...f }) => f)).toEqual([
      ...VLAN_OF.map((v, i) => ({
        table: 0,
        priority: 100,
        match: `in_port=${i + 1}`,
        actions: `push_vlan:0x8100,set_field:${4096 + v}->vlan_vid,write_metadata:0x${v.toString(16)}/0xfff,goto_table:1`,
      })),
      { table: 1, priority: 0, match: "", actions: "CONTROLLER:65535,goto_table:2" },
      { table: 2, priority: 0, match: "", actions: "goto_table:3" },
      { table: 3, priority: 100, match: "metadata=0x64/0xfff", actions: "pop_vlan,output:1,output:2" },
      { table: 3, priority: 100, match: "metadata=0xc8/0xfff", actions: "pop_vlan,output:3,output:4" },
    ]);
  });

  it("hosts of one VLAN ping each other; the app learns them from table 1", async () => {
    for (const [a, b] of [
      [0, 1],
      [2, 3],
    ]) {
      const r = await ping(hosts[a].ns, IP(b), { count: 5, interval: 0.1, wait: 2, deadline: 15 });
      expect(r.received, `${r.output}\n${app().output()}`).toBe(5);
    }
    const learned = await pollUntil(
      "all four hosts learned",
      () => app().events("LEARNED"),
      (l) => l.length >= 4,
    );
    // from table 1's table-miss entry (priority 0, match anything): reason NO_MATCH (0), as
    // OpenFlow 1.3.5 §7.4.1 (ofp_packet_in_reason) and Open vSwitch have it
    expect(learned.map((e) => [e.mac, e.port, e.vid, e.table, e.reason]).sort()).toEqual(
      macs.map((m, i) => [m, String(i + 1), String(VLAN_OF[i]), "1", "0"]).sort(),
    );
  });

  it("hosts of different VLANs cannot reach each other, in either direction", async () => {
    const pairs = [
      [0, 2],
      [1, 3],
      [3, 0],
    ];
    const results = await Promise.all(
      pairs.map(([a, b]) => ping(hosts[a].ns, IP(b), { count: 3, interval: 0.2, wait: 1, deadline: 4 })),
    );
    for (const r of results) expect(r.received, r.output).toBe(0);
  });

  it("the learned eth_src and eth_dst flows carry same-VLAN traffic", async () => {
    for (const [a, b] of [
      [0, 1],
      [2, 3],
    ]) {
      const r = await ping(hosts[a].ns, IP(b), { count: 10, interval: 0.02, wait: 1, deadline: 10 });
      // every echo answered (with -w, ping may send an 11th before the 10th reply is in)
      expect([r.received >= 10, r.received], r.output).toEqual([true, r.transmitted]);
    }
    const flows = await pollUntil(
      "learned flows credited",
      () => s().dumpFlows(),
      (f) => f.filter((x) => (x.table === 1 || x.table === 2) && x.priority === 100 && x.packets >= 10).length === 8,
    );
    for (let i = 0; i < 4; i++) {
      const meta = `metadata=0x${VLAN_OF[i].toString(16)}/0xfff`;
      const src = flows.find((x) => x.table === 1 && x.match.includes(`dl_src=${macs[i]}`));
      expect(src?.match).toContain(`in_port=${i + 1}`);
      expect(src?.match).toContain(meta);
      expect(src?.actions).toBe("goto_table:2");
      expect(src?.packets).toBeGreaterThanOrEqual(10);
      const dst = flows.find((x) => x.table === 2 && x.match.includes(`dl_dst=${macs[i]}`));
      expect(dst?.match).toContain(meta);
      expect(dst?.actions).toBe(`pop_vlan,output:${i + 1}`);
    }
  });

  it("tshark dissects every byte between os-ken and wasmvs: zero malformed", async () => {
    const rec = await s().dissect();
    // os-ken's connection, and ovs-ofctl's on the passive listener (dump-flows)
    expectCleanRecording(rec);
    const segs = rec.controllers;
    const types = countTypes(segs);
    for (const t of [0, 6, 10, 14, 21]) expect(types.get(t) ?? 0, `type ${t}`).toBeGreaterThan(0);
    // delete-all + 4 vlan + 1 eth_src miss + 1 eth_dst miss + 2 flood, then 2 per learned host
    expect(types.get(14)).toBe(9 + 2 * app().events("LEARNED").length);
  });
});
