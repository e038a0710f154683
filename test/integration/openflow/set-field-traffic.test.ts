// set_field on real traffic, and the FLOW_MOD / PACKET_OUT refusals a controller sees.
//
// What it proves: pings between two namespaces through explicit flows whose actions rewrite
//   ip_ecn (and then icmp_type and, with set_nw_ttl, the TTL upwards) arrive at the receiver
//   with the new values and with IPv4 and ICMP checksums tshark finds correct (capture on the
//   receiving veth in its namespace; `-o ip.check_checksum:TRUE`); with only ip_ecn rewritten
//   the receiver's kernel answers every ping, which it would not do for a bad checksum.
//   Refusals, as the wire carries them: a FLOW_MOD setting tcp_src with an empty match gets
//   OFPET_BAD_ACTION / OFPBAC_MATCH_INCONSISTENT (sent with the project's own codec:
//   ovs-ofctl refuses that flow itself before sending it), and `ovs-ofctl packet-out` of a UDP
//   frame with set_field tcp_src prints the switch's OFPBAC_MATCH_INCONSISTENT error, one with
//   a missing group OFPBAC_BAD_OUT_GROUP; no flow is added.
// How: the daemon with two veth `system` ports; ovs-ofctl over TCP as the controller; dumpcap
//   in the receiver's namespace, tshark reading the file.

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BAD_ACTION, OFPET } from "../../../openflow/errors.ts";
import { OFPFC } from "../../../openflow/messages/flow-mod.ts";
import { NetLab, requireTools, sh, type VethNs } from "../../support/netns.ts";
import { addAddress, ping } from "../../support/ns-traffic.ts";
import { OfRawClient } from "./of-raw-client.ts";
import { OfSwitch, OVS_OFCTL, stopOfSwitch } from "./of-switch.ts";

const lab = new NetLab();
let sw: OfSwitch | undefined;
let a: VethNs;
let b: VethNs;
let dir = "";
const A_IP = "10.200.57.1";
const B_IP = "10.200.57.2";

beforeAll(async () => {
  requireTools("ip", "ping", OVS_OFCTL, "dumpcap", "tshark");
  try {
    dir = mkdtempSync(join(tmpdir(), "wasmvs-setfield-"));
    a = lab.addVethNs("sa");
    b = lab.addVethNs("sb");
    addAddress(a.ns, a.peer, `${A_IP}/24`);
    addAddress(b.ns, b.peer, `${B_IP}/24`);
    sw = await OfSwitch.start(lab, "sf");
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

/** Captures ICMP on b's interface while `traffic` runs; the pcap file. */
async function captureOnB(name: string, traffic: () => Promise<unknown>): Promise<string> {
  const file = join(dir, `${name}.pcap`);
  const cap = spawn("ip", ["netns", "exec", b.ns, "dumpcap", "-q", "-i", b.peer, "-f", "icmp", "-w", file], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let err = "";
  cap.stderr.on("data", (d: Buffer) => {
    err += d.toString();
  });
  // dumpcap says "Capturing on ..." once the capture is live.
  const deadline = Date.now() + 10_000;
  while (!/Capturing on/.test(err)) {
    if (Date.now() > deadline || cap.exitCode !== null) throw new Error(`dumpcap did not start: ${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  try {
    await traffic();
    await new Promise((r) => setTimeout(r, 300));
  } finally {
    cap.kill("SIGINT");
    await new Promise((r) => cap.once("exit", r));
  }
  return file;
}

/** One line per ICMP packet from A: type, code, ECN, TTL, IP and ICMP checksum status. */
function icmpFromA(file: string): string[] {
  const out = sh("tshark", [
    "-r",
    file,
    "-o",
    "ip.check_checksum:TRUE",
    "-Y",
    `ip.src == ${A_IP}`,
    "-T",
    "fields",
    "-E",
    "separator=,",
    "-e",
    "icmp.type",
    "-e",
    "icmp.code",
    "-e",
    "ip.dsfield.ecn",
    "-e",
    "ip.ttl",
    "-e",
    "ip.checksum.status",
    "-e",
    "icmp.checksum.status",
  ]);
  return out.split("\n").filter((l) => l.trim() !== "");
}

describe("set_field on pings between namespaces", () => {
  it("ip_ecn rewritten: every ping answered, the receiver sees ECN 2 and good checksums", async () => {
    await s().ofctl("add-flow", s().tcp, "priority=200,icmp,in_port=1,actions=set_field:2->ip_ecn,output:2");
    await s().ofctl("add-flow", s().tcp, "priority=200,icmp,in_port=2,actions=output:1");
    let received = 0;
    const file = await captureOnB("ecn", async () => {
      received = (await ping(a.ns, B_IP, { count: 5, interval: 0.05, wait: 1, deadline: 10 })).received;
    });
    expect(received).toBeGreaterThanOrEqual(4);
    const pkts = icmpFromA(file);
    expect(pkts.length).toBeGreaterThanOrEqual(4);
    // type 8 echo request, code 0, ECN 2, TTL 64, IP checksum good (1), ICMP checksum good (1)
    for (const p of pkts) expect(p).toBe("8,0,2,64,1,1");
  });

  it("icmp_type, icmp_code and a raised TTL too: the receiver sees them, checksums still good", async () => {
    await s().ofctl(
      "--strict mod-flows",
      s().tcp,
      "priority=200,icmp,in_port=1,actions=set_field:1->ip_ecn,set_field:13->icmp_type,set_field:0->icmp_code,mod_nw_ttl:200,output:2",
    );
    const file = await captureOnB("icmp-type", () => ping(a.ns, B_IP, { count: 4, interval: 0.05, wait: 1 }));
    const pkts = icmpFromA(file);
    expect(pkts.length).toBeGreaterThanOrEqual(3);
    for (const p of pkts) expect(p).toBe("13,0,1,200,1,1");
  });
});

describe("refusals on the wire", () => {
  it("FLOW_MOD set_field tcp_src without tcp in the match: OFPBAC_MATCH_INCONSISTENT, no flow added", async () => {
    const before = (await s().dumpFlows()).length;
    const c = await OfRawClient.connect(s().tcp);
    try {
      const got = await c.request({
        kind: "flow-mod",
        xid: 0,
        cookie: 0n,
        cookieMask: 0n,
        tableId: 0,
        command: OFPFC.ADD,
        idleTimeout: 0,
        hardTimeout: 0,
        priority: 300,
        bufferId: 0xffffffff,
        outPort: 0xffffffff,
        outGroup: 0xffffffff,
        flags: 0,
        match: [],
        instructions: [
          {
            type: "apply_actions",
            actions: [
              { type: "set_field", field: { name: "tcp_src", value: 1 } },
              { type: "output", port: 2, maxLen: 0 },
            ],
          },
        ],
      });
      expect(got.map((m) => (m.kind === "error" ? [m.errType, m.code] : m.kind))).toEqual([
        [OFPET.BAD_ACTION, BAD_ACTION.MATCH_INCONSISTENT],
      ]);
    } finally {
      c.close();
    }
    expect((await s().dumpFlows()).length).toBe(before);
  });

  it("ovs-ofctl packet-out: set_field tcp_src on a UDP frame and a missing group get the switch's errors", async () => {
    // Ether/IPv4/UDP from A to B (ovs-ofctl does not check a packet-out's actions against its packet).
    const udp =
      "020000000002020000000001080045000026000100004011f9c50a0000010a00000203e807d000120000" + "68656c6c6f2d75647021";
    // Whether ovs-ofctl exits non-zero or prints the error and exits 0, the text is the switch's.
    const says = (actions: string) =>
      s()
        .ofctl("packet-out", s().tcp, "CONTROLLER", actions, udp)
        .then(
          (out) => out,
          (e: Error) => e.message,
        );
    expect(await says("set_field:1->tcp_src,output:2")).toMatch(/OFPT_ERROR.*OFPBAC_MATCH_INCONSISTENT/s);
    expect(await says("group:77")).toMatch(/OFPT_ERROR.*OFPBAC_BAD_OUT_GROUP/s);
    expect(await says("output:2")).not.toMatch(/OFPT_ERROR/);
  });
});
