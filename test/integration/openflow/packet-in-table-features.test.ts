// PACKET_IN delivery and the TABLE_FEATURES multipart, seen by the real `ovs-ofctl -O OpenFlow13`.
//
// What it proves: (1) packet-ins reach every OpenFlow connection of their bridge — a datapath
// USERSPACE upcall whose userdata is a CONTROLLER action (ControllerUserdata) becomes an
// OFPT_PACKET_IN with the rule's table id and cookie, reason ACTION or NO_MATCH, in_port the
// bridge's ofport of the datapath in_port, data cut to the action's max_len and (NO_MATCH) the
// connection's miss_send_len; a TTL upcall becomes reason INVALID_TTL with the table and cookie
// its userdata names, cut to miss_send_len too (§7.3.2); with no connection they
// are counted as dropped. (2) The running daemon answers dump-table-features (254 tables, split
// over several replies) and `show` without --no-names, over its passive TCP listener and over
// its punix socket.
// How: (1) runs Ofproto and OfConnections in this process over a punix socket (the daemon's
// datapath→ofproto upcall wiring lives in src/bridge/live-dataplane.ts) and feeds
// onActionUpcall what the datapath would send up; `ovs-ofctl monitor` is the controller.
// (2) spawns the daemon (of-switch.ts) with a port in a namespace. Both parts record every
// OpenFlow byte (of-recording.ts: a recording proxy in front of the punix socket, dumpcap on the
// TCP listener) and end with tshark's dissection of it: zero malformed, and each message
// re-encoded byte for byte by openflow/message.ts.

import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KEY, KEY_SIZE } from "../../../src/datapath/flow-key.ts";
import { policyOf } from "../../../src/ofproto/normal/vlan-policy.ts";
import { OfConnections } from "../../../src/ofproto/of-connections.ts";
import type { OfBridge } from "../../../src/ofproto/of-handlers/handler-context.ts";
import { Ofproto, UPCALL_ACTION, UPCALL_TTL } from "../../../src/ofproto/ofproto.ts";
import { PACKET_IN_REASON } from "../../../src/ofproto/xlate/controller-userdata.ts";
import { NetLab, PYTHON, requireTools, type VethNs } from "../../support/netns.ts";
import { countTypes } from "../../support/openflow-dissect.ts";
import { pollUntil } from "../../support/switch-daemon.ts";
import { expectCleanRecording, OfRecording } from "./of-recording.ts";
import { OfSwitch, OVS_OFCTL, stopOfSwitch } from "./of-switch.ts";

const OFPP_LOCAL = 0xfffffffe;

function ofctl(...argv: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(OVS_OFCTL, ["-O", "OpenFlow13", ...argv], { timeout: 20_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`ovs-ofctl ${argv.join(" ")} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    }),
  );
}

/** A key whose IN_PORT is `dpPort` (the rest does not matter to packet-in). */
function keyOn(dpPort: number): Uint8Array {
  const k = new Uint8Array(KEY_SIZE);
  new DataView(k.buffer).setUint32(KEY.IN_PORT, dpPort, true);
  return k;
}

/** An Ethernet frame of `len` bytes, broadcast, ethertype 0x88b5 (local experimental). */
function frameOf(len: number): Uint8Array {
  const f = new Uint8Array(len);
  f.fill(0xff, 0, 6);
  f.set([0x02, 0, 0, 0, 0, 1], 6);
  f.set([0x88, 0xb5], 12);
  for (let i = 14; i < len; i++) f[i] = i & 0xff;
  return f;
}

interface Monitor {
  child: ChildProcess;
  out: () => string;
}

/** `ovs-ofctl monitor` (its unixctl socket goes to `runDir`: no /var/run/openvswitch here). */
function startMonitor(target: string, missLen: number, runDir: string): Monitor {
  const child = spawn(OVS_OFCTL, ["-O", "OpenFlow13", "monitor", target, String(missLen)], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, OVS_RUNDIR: runDir },
  });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  return { child, out: () => out };
}

function packetIns(out: string): string[] {
  return out.split("\n").filter((l) => l.startsWith("OFPT_PACKET_IN"));
}

describe("PACKET_IN to every connection of the bridge (in-process ofproto + OfConnections)", () => {
  const name = "pibr";
  let dir: string;
  let ofproto: Ofproto;
  let conns: OfConnections;
  let rec: OfRecording | undefined;
  const monitors: Monitor[] = [];

  beforeAll(async () => {
    requireTools(OVS_OFCTL, "tshark");
    dir = mkdtempSync(join(tmpdir(), "wasmvs-pi-"));
    ofproto = new Ofproto();
    ofproto.addBridge(name, 300, 1000);
    ofproto.setPort(name, { dpPort: 3, name: "p3", policy: policyOf("trunk", 0, []), up: true }, 7);
    ofproto.setPort(name, { dpPort: 4, name: "brint", policy: policyOf("trunk", 0, []), up: true }, OFPP_LOCAL);
    const bridge: OfBridge = {
      name,
      datapathId: () => 0x1234n,
      ports: () => [],
      tables: () => {
        const t = ofproto.bridges.get(name)?.tables;
        if (!t) throw new Error("no bridge");
        return t;
      },
      now: () => ofproto.now(),
      flowMod: (fm) => ofproto.flowMod(name, fm),
      packetOut: async () => {},
      fence: async () => {},
      subscribePacketIn: (l) => ofproto.subscribePacketIn(name, l),
    };
    conns = new OfConnections({ runDir: dir, bridgeOf: () => bridge, logger: pino({ level: "silent" }) });
    await conns.addBridge(name);
    rec = await OfRecording.start(dir, undefined, join(dir, `${name}.mgmt`));
  });

  afterAll(async () => {
    for (const m of monitors) m.child.kill("SIGKILL");
    await rec?.stop();
    await conns?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("with no connection, controller and TTL upcalls are dropped and counted", () => {
    const br = ofproto.bridges.get(name);
    const ud = br?.controller.encode({ reason: PACKET_IN_REASON.ACTION, tableId: 0, cookie: 0n, maxLen: 0xffff });
    const before = conns.stats.packetInDrops;
    ofproto.onActionUpcall(UPCALL_ACTION, ud ?? 0, keyOn(3), frameOf(60));
    ofproto.onActionUpcall(UPCALL_TTL, 0, keyOn(3), frameOf(60));
    expect(conns.stats.packetInDrops - before).toBe(2);
    expect(conns.stats.packetIns).toBe(0);
  });

  it("ACTION, NO_MATCH and INVALID_TTL packet-ins reach two monitors with in_port, table, cookie, lengths", async () => {
    const target = (rec as OfRecording).unixTarget; // the recording proxy in front of the punix socket
    // Monitor 1 asks for miss_send_len 65534, monitor 2 for 100: NO_MATCH data differ.
    monitors.push(startMonitor(target, 65534, dir), startMonitor(target, 100, dir));
    const br = ofproto.bridges.get(name);
    if (!br) throw new Error("no bridge");
    const action = br.controller.encode({
      reason: PACKET_IN_REASON.ACTION,
      tableId: 3,
      cookie: 0xabcdn,
      maxLen: 0xffff,
    });
    const cut = br.controller.encode({ reason: PACKET_IN_REASON.ACTION, tableId: 0, cookie: 0x7n, maxLen: 64 });
    const miss = br.controller.encode({ reason: PACKET_IN_REASON.NO_MATCH, tableId: 5, cookie: 0n, maxLen: 0xffff });
    // ovs-ofctl monitor takes any message other than the GET_CONFIG_REPLY it waits for after its
    // HELLO as a "bad reply to config request" and exits: no packet-in before both have theirs.
    await pollUntil(
      "both monitors configured (HELLO and GET_CONFIG_REPLY received)",
      () => (rec as OfRecording).unixExchanges().map((c) => c.toClient),
      (n) => n.length === 2 && n.every((x) => x >= 2),
      15_000,
    );
    // Each monitor has seen one ACTION packet-in once it is connected and configured.
    await pollUntil(
      "both monitors receive packet-ins",
      () => {
        ofproto.onActionUpcall(UPCALL_ACTION, action ?? 0, keyOn(3), frameOf(300));
        return monitors.map((m) => packetIns(m.out()).length);
      },
      (n) => n.every((x) => x > 0),
      15_000,
    );
    for (const m of monitors) {
      const first = packetIns(m.out())[0];
      expect(first).toMatch(/table_id=3 cookie=0xabcd total_len=300 in_port=7 \(via action\) data_len=300/);
    }
    const seen = monitors.map((m) => packetIns(m.out()).length);
    ofproto.onActionUpcall(UPCALL_ACTION, cut ?? 0, keyOn(3), frameOf(300));
    ofproto.onActionUpcall(UPCALL_ACTION, miss ?? 0, keyOn(4), frameOf(300));
    const ttl = br.controller.encode({
      reason: PACKET_IN_REASON.INVALID_TTL,
      tableId: 2,
      cookie: 0x99n,
      maxLen: 0xffff,
    });
    ofproto.onActionUpcall(UPCALL_TTL, ttl ?? 0, keyOn(3), frameOf(200));
    await pollUntil(
      "three more packet-ins each",
      () => monitors.map((m, i) => packetIns(m.out()).length - seen[i]),
      (n) => n.every((x) => x >= 3),
      10_000,
    );
    const missData = [300, 100];
    const ttlData = [200, 100];
    monitors.forEach((m, i) => {
      const lines = packetIns(m.out()).slice(seen[i]);
      const rest = lines.filter((l) => !/cookie=0xabcd /.test(l));
      expect(rest[0]).toMatch(/cookie=0x7 total_len=300 in_port=7 \(via action\) data_len=64/);
      expect(rest[1]).toMatch(
        new RegExp(`table_id=5 cookie=0x0 total_len=300 in_port=LOCAL \\(via no_match\\) data_len=${missData[i]}\\b`),
      );
      // INVALID_TTL: the rule's table and cookie (§7.4.1), data capped by miss_send_len (§7.3.2).
      expect(rest[2]).toMatch(
        new RegExp(`table_id=2 cookie=0x99 total_len=200 in_port=7 \\(via invalid_ttl\\) data_len=${ttlData[i]}\\b`),
      );
    });
  }, 40_000);

  it("tshark dissects every byte the monitors exchanged: zero malformed", async () => {
    const exited = monitors.map((m) => new Promise((r) => m.child.once("close", r)));
    for (const m of monitors) m.child.kill("SIGTERM");
    await Promise.all(exited);
    const r = await (rec as OfRecording).finish();
    expectCleanRecording(r);
    // PACKET_IN (10) of every reason, SET_CONFIG (9) from each monitor
    expect(countTypes(r.unix).get(10) ?? 0).toBeGreaterThanOrEqual(8);
    expect(countTypes(r.unix).get(9) ?? 0).toBeGreaterThanOrEqual(2);
  }, 60_000);
});

describe("TABLE_FEATURES and show on the running daemon", () => {
  const lab = new NetLab();
  let sw: OfSwitch | undefined;
  let a: VethNs;

  beforeAll(async () => {
    requireTools("ip", PYTHON, OVS_OFCTL, "dumpcap", "tshark");
    try {
      a = lab.addVethNs("a");
      sw = await OfSwitch.start(lab, "tf", { record: true });
      await sw.addPort({ name: a.host, type: "system", ofport: 1 });
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

  for (const via of ["tcp", "unix"] as const)
    it(`dump-table-features over ${via} describes 254 tables with our instructions, actions and fields`, async () => {
      const out = await ofctl("dump-table-features", (sw as OfSwitch)[via]);
      expect(out).toMatch(/table 0 \("table 0"\)/);
      expect(out).toMatch(/table 253 \("table 253"\)/);
      expect(out).not.toMatch(/table 254/);
      expect(out).toMatch(/instructions: meter apply_actions clear_actions write_actions write_metadata goto_table/);
      expect(out).toMatch(/next tables: 1-253/);
      expect(out.match(/^ {2}table \d+ \("table \d+"\)/gm)?.length).toBe(254);
      // Every action FLOW_MOD accepts (src/ofproto/action-checks.ts): no PBB, no experimenter.
      expect(out).toMatch(
        /actions: output group set_field strip_vlan push_vlan mod_nw_ttl dec_ttl set_mpls_ttl dec_mpls_ttl push_mpls pop_mpls set_queue/,
      );
      // Match fields: what the flow key carries (no pbb_isid, no ipv6_exthdr); set-field: ip_ecn,
      // icmp and ND fields included.
      const setField = /supported on Set-Field: (.*)/.exec(out)?.[1] ?? "";
      expect(setField).toMatch(/ipv6_\{src,dst,label\}.*nw_ecn arp_\{op,spa,tpa,sha,tha\}/);
      expect(setField).toMatch(/icmp_\{type,code\} icmpv6_\{type,code\} nd_\{target,sll,tll\}/);
      expect(setField).not.toMatch(/eth_type|nw_proto/);
      expect(out).not.toMatch(/pbb|exthdr/);
      expect(out).toMatch(/supported on Set-Field: .*eth_\{src,dst\}.*tcp_\{src,dst\}/);
      expect(out).toMatch(/arbitrary mask: .*metadata eth_\{src,dst\} vlan_vid ip_\{src,dst\}/);
    });

  for (const via of ["tcp", "unix"] as const)
    it(`show over ${via} works with port names (no --no-names)`, async () => {
      const out = await ofctl("show", (sw as OfSwitch)[via]);
      expect(out).toMatch(/n_tables:254/);
      expect(out).toContain(`(${a.host})`);
    });

  it("tshark dissects every byte exchanged above: zero malformed", async () => {
    const r = await (sw as OfSwitch).dissect();
    expectCleanRecording(r);
    // TABLE_FEATURES (12) replies: 254 tables take at least 4 MULTIPART_REPLY (19) messages
    for (const segs of [r.tcp, r.unix]) expect(countTypes(segs).get(19) ?? 0).toBeGreaterThanOrEqual(4);
  }, 60_000);
});
