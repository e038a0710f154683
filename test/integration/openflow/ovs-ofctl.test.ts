// `ovs-ofctl -O OpenFlow13 --no-names` against the running switch, over its passive TCP
// listener (--openflow 127.0.0.1:0, the bound port read from the readiness line) and over the
// bridge's punix socket <state-dir>/<bridge>.mgmt.
//
// What it proves: the switch answers FEATURES (dpid, 254 tables, capabilities), PORT_DESC
// (ofports and names of the configured ports), GET_CONFIG, DESC (wasmvs's own strings);
// a fresh bridge shows exactly `table=0, priority=0 actions=NORMAL`; add-flow, dump-flows,
// dump-aggregate and del-flows (non-strict and --strict) change and read the tables as
// ovs-ofctl expects; an invalid FLOW_MOD gets an OFPT_ERROR and changes nothing; PACKET_OUT
// from CONTROLLER and from a port sends the frame out of the port its actions name; a daemon
// whose --openflow address is taken refuses to start.
// How: ovs-ofctl is the real Debian binary (fail, never skip, if missing); its output is parsed
// (durations and counters dropped) and compared with what was added. Every OpenFlow byte of
// these exchanges (TCP and punix) is recorded and dissected by tshark at the end: zero malformed.

import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NetLab, PYTHON, requireTools, type VethNs } from "../../support/netns.ts";
import { countTypes } from "../../support/openflow-dissect.ts";
import { spawnDaemon } from "../daemon/daemon-process.ts";
import { frame, sniff } from "../ports/frame-peer.ts";
import { expectCleanRecording } from "./of-recording.ts";
import { OfSwitch, OVS_OFCTL, stopOfSwitch } from "./of-switch.ts";

const lab = new NetLab();
let sw: OfSwitch | undefined;
let a: VethNs;
let b: VethNs;

beforeAll(async () => {
  requireTools("ip", PYTHON, OVS_OFCTL, "dumpcap", "tshark");
  try {
    a = lab.addVethNs("a");
    b = lab.addVethNs("b");
    sw = await OfSwitch.start(lab, "ob", { record: true });
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
});

const s = () => sw as OfSwitch;

describe("ovs-ofctl against wasmvs", () => {
  for (const via of ["tcp", "unix"] as const) {
    it(`show and dump-desc over ${via}`, async () => {
      const target = s()[via];
      const show = await s().ofctl("show", target);
      expect(show).toMatch(/OFPT_FEATURES_REPLY \(OF1\.3\).*dpid:[0-9a-f]{16}/);
      expect(show).toContain("n_tables:254, n_buffers:0");
      expect(show).toMatch(/capabilities: FLOW_STATS TABLE_STATS PORT_STATS GROUP_STATS/);
      expect(show).toMatch(new RegExp(`\\n 1\\(${a.host}\\): addr:[0-9a-f:]{17}`));
      expect(show).toMatch(new RegExp(`\\n 2\\(${b.host}\\): addr:[0-9a-f:]{17}`));
      expect(show).toContain("frags=normal miss_send_len=128");

      const desc = await s().ofctl("dump-desc", target);
      expect(desc).toContain("Manufacturer: wasmvs");
      expect(desc).toContain("Hardware: wasmvs software switch");
      expect(desc).toMatch(/Software: \d+\.\d+\.\d+/);
      expect(desc).toContain(`DP Description: ${s().bridge}`);
    });
  }

  it("a fresh bridge has one flow: table=0, priority=0, actions=NORMAL", async () => {
    expect(await s().dumpFlows()).toEqual([{ table: 0, priority: 0, match: "", actions: "NORMAL", packets: 0 }]);
    const tables = await s().ofctl("dump-tables", s().tcp);
    expect(tables).toMatch(/table 0:\s+active=1/);
    expect(tables).toMatch(/tables 2\.\.\.253: ditto/);
  });

  for (const via of ["tcp", "unix"] as const) {
    it(`add-flow, dump-flows, dump-aggregate and del-flows over ${via}`, async () => {
      const t = s()[via];
      await s().ofctl("del-flows", t);
      expect(await s().dumpFlows(t)).toEqual([]);

      await s().ofctl("add-flow", t, "table=0,priority=10,in_port=1,actions=output:2");
      await s().ofctl("add-flow", t, "table=0,priority=20,ip,nw_dst=10.0.0.2,actions=goto_table:3");
      await s().ofctl("add-flow", t, "table=3,priority=1,dl_vlan=10,actions=pop_vlan,output:1");
      const flows = await s().dumpFlows(t);
      expect(flows.map(({ packets: _p, ...f }) => f)).toEqual([
        { table: 0, priority: 10, match: "in_port=1", actions: "output:2" },
        { table: 0, priority: 20, match: "ip,nw_dst=10.0.0.2", actions: "goto_table:3" },
        { table: 3, priority: 1, match: "dl_vlan=10", actions: "pop_vlan,output:1" },
      ]);
      expect(await s().ofctl("dump-aggregate", t)).toContain("flow_count=3");

      // --strict deletes only the exact (match, priority); non-strict deletes what it covers.
      await s().ofctl("--strict del-flows", t, "table=0,priority=10,in_port=1");
      expect((await s().dumpFlows(t)).map((f) => f.priority)).toEqual([20, 1]);
      await s().ofctl("del-flows", t, "table=3");
      expect((await s().dumpFlows(t)).map((f) => f.priority)).toEqual([20]);
      await s().ofctl("del-flows", t);
      expect(await s().dumpFlows(t)).toEqual([]);

      // Put the standalone behaviour back for the next test.
      await s().ofctl("add-flow", t, "table=0,priority=0,actions=NORMAL");
      expect(await s().dumpFlows(t)).toEqual([{ table: 0, priority: 0, match: "", actions: "NORMAL", packets: 0 }]);
    });
  }

  // The rest of the command list, over both targets (groups.test.ts, meters.test.ts and
  // ports-daemon.test.ts take each further with traffic, over TCP).
  for (const via of ["tcp", "unix"] as const) {
    it(`dump-tables, dump-ports, dump-ports-desc, groups and meters over ${via}`, async () => {
      const t = s()[via];
      const tables = await s().ofctl("dump-tables", t);
      expect(tables).toMatch(/table 0:\s+active=1/);
      expect(tables).toMatch(/tables 2\.\.\.253: ditto/);
      const ports = await s().ofctl("dump-ports", t);
      expect(ports).toMatch(/OFPST_PORT reply \(OF1\.3\).*: 2 ports/);
      expect(ports).toMatch(/port {2}1: rx pkts=\d+, bytes=\d+, drop=\d+, errs=\d+/);
      expect(ports).toMatch(/port {2}2: rx pkts=\d+/);
      const desc = await s().ofctl("dump-ports-desc", t);
      expect(desc).toMatch(new RegExp(` 1\\(${a.host}\\): addr:[0-9a-f:]{17}`));
      expect(desc).toMatch(new RegExp(` 2\\(${b.host}\\): addr:[0-9a-f:]{17}`));

      await s().ofctl("add-group", t, "group_id=7,type=all,bucket=output:1,bucket=output:2");
      expect(await s().ofctl("dump-groups", t)).toMatch(/group_id=7,type=all,bucket=.*output:1,bucket=.*output:2/);
      await s().ofctl("del-groups", t, "group_id=7");
      expect(await s().ofctl("dump-groups", t)).not.toContain("group_id=7");

      await s().ofctl("add-meter", t, "meter=3,pktps,band=type=drop,rate=100");
      expect(await s().ofctl("dump-meters", t)).toMatch(/meter=3 pktps bands=\s*type=drop rate=100/);
      await s().ofctl("del-meter", t, "meter=3");
      expect(await s().ofctl("dump-meters", t)).not.toContain("meter=3");
    });
  }

  it("an invalid FLOW_MOD is refused with an OFPT_ERROR and changes nothing", async () => {
    const before = await s().dumpFlows();
    // Table 254 is not one of ours (0..253): FLOW_MOD_FAILED/BAD_TABLE_ID.
    await expect(s().ofctl("add-flow", s().tcp, "table=254,priority=1,actions=drop")).rejects.toThrow(
      /OFPFMFC_BAD_TABLE_ID/,
    );
    expect(await s().dumpFlows()).toEqual(before);
  });

  it("packet-out sends the frame where its actions say, from CONTROLLER and from a port, over both", async () => {
    for (const [inPort, fill, via] of [
      ["controller", 1, "tcp"],
      ["1", 2, "tcp"],
      ["controller", 3, "unix"],
      ["1", 4, "unix"],
    ] as const) {
      const f = frame({ dst: "02:77:76:73:00:0b", fill });
      const sniffer = sniff(b.ns, b.peer, 1, 5);
      await sniffer.ready;
      const hex = Buffer.from(f).toString("hex");
      await s().ofctl("packet-out", s()[via], `in_port=${inPort},packet=${hex},actions=output:2`);
      const got = await sniffer.frames;
      expect(got).toHaveLength(1);
      expect(Buffer.from(got[0]).toString("hex")).toBe(hex);
    }
  });

  it("refuses to start when the --openflow address is taken", async () => {
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, "127.0.0.1", r));
    const port = (taken.address() as net.AddressInfo).port;
    const root = mkdtempSync(join(tmpdir(), "wasmvs-of-taken-"));
    try {
      const args = ["--bridge", lab.name("tk"), "--no-internal-ports", "--openflow", `127.0.0.1:${port}`];
      await expect(spawnDaemon(join(root, "state"), args)).rejects.toThrow(/daemon exited.*cannot listen/s);
    } finally {
      taken.close();
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("tshark dissects every OpenFlow byte exchanged above: zero malformed", async () => {
    const rec = await s().dissect();
    expectCleanRecording(rec);
    const n = (m: Map<number, number>) => [...m.values()].reduce((a, c) => a + c, 0);
    expect(n(countTypes(rec.unix))).toBe(rec.unixMessages);
    // FEATURES_REPLY, FLOW_MOD, GROUP_MOD, MULTIPART_REPLY and METER_MOD over both transports
    for (const segs of [rec.tcp, rec.unix])
      for (const t of [6, 14, 15, 19, 29]) expect(countTypes(segs).get(t) ?? 0).toBeGreaterThan(0);
    for (const segs of [rec.tcp, rec.unix]) expect(countTypes(segs).get(13) ?? 0).toBeGreaterThan(0);
  });
});
