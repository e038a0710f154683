// MPLS end to end: flows programmed with `ovs-ofctl -O OpenFlow13` push, match, pop and
// decrement MPLS label stack entries on real frames between two namespaces.
//
// What it proves: (1) push_mpls + set_field on the label sends, on the wire, an MPLS frame
// whose entry tshark reads as the label set, tc = the DSCP's low 3 bits, bos 1 and ttl = the IP
// TTL (OVS's push); (2) a flow matching mpls,mpls_label=N with pop_mpls:0x0800 delivers the
// inner IPv4 packet to the host behind port 2, whose kernel answers it (ICMP echo reply);
// frames with another label do not match; (3) dec_mpls_ttl on TTL 1 and dec_ttl on IP TTL 1
// become OFPT_PACKET_INs with reason invalid_ttl and the table and cookie of the rule whose
// action expired them, printed by `ovs-ofctl monitor`; with a larger TTL dec_mpls_ttl forwards
// with TTL - 1; (4) `ovs-ofctl dump-flows` prints the MPLS flows in ovs-ofctl's words with
// counters that moved.
// How: frames are built and sent by scapy (scapy.contrib.mpls) in namespace a, captured by
// tcpdump in namespace b and dissected by tshark.

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NetLab, PYTHON, requireTools, type VethNs } from "../../support/netns.ts";
import { addAddress, macOf, staticNeighbour } from "../../support/ns-traffic.ts";
import { pollUntil } from "../../support/switch-daemon.ts";
import { OfMonitor } from "./of-monitor.ts";
import { OfSwitch, OVS_OFCTL, stopOfSwitch } from "./of-switch.ts";

const lab = new NetLab();
let sw: OfSwitch | undefined;
let mon: OfMonitor | undefined;
let a: VethNs;
let b: VethNs;
let aMac: string;
let bMac: string;
let dir: string;
const A_IP = "10.78.0.1";
const B_IP = "10.78.0.2";

beforeAll(async () => {
  requireTools("ip", "tcpdump", "tshark", PYTHON, OVS_OFCTL);
  dir = mkdtempSync(join(tmpdir(), "wvs-mpls-"));
  try {
    a = lab.addVethNs("a");
    b = lab.addVethNs("b");
    addAddress(a.ns, a.peer, `${A_IP}/24`);
    addAddress(b.ns, b.peer, `${B_IP}/24`);
    aMac = macOf(lab, a.ns, a.peer);
    bMac = macOf(lab, b.ns, b.peer);
    staticNeighbour(b.ns, b.peer, A_IP, aMac);
    sw = await OfSwitch.start(lab, "mp");
    await sw.addPort({ name: a.host, type: "system", ofport: 1 });
    await sw.addPort({ name: b.host, type: "system", ofport: 2 });
    await sw.ofctl("del-flows", sw.tcp);
    mon = await OfMonitor.start(sw.unix, () => (sw as OfSwitch).connections());
  } catch (e) {
    mon?.stop();
    await stopOfSwitch(sw);
    lab.cleanup();
    throw e;
  }
}, 90_000);

afterAll(async () => {
  mon?.stop();
  await stopOfSwitch(sw);
  lab.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const s = () => sw as OfSwitch;
const addFlow = (flow: string) => s().ofctl("add-flow", s().tcp, flow);

/** Sends scapy packets (a Python expression, MPLS from scapy.contrib.mpls) out of a's port. */
function sendFromA(packet: string, count = 1): void {
  const script = [
    "from scapy.all import Ether, IP, ICMP, UDP, Raw, sendp",
    "from scapy.contrib.mpls import MPLS",
    `sendp(${packet}, iface=${JSON.stringify(a.peer)}, count=${count}, inter=0.05, verbose=False)`,
  ].join("\n");
  const r = spawnSync("ip", ["netns", "exec", a.ns, PYTHON, "-c", script], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`scapy sendp failed: ${r.stderr}`);
}

const eth = () => `Ether(src=${JSON.stringify(aMac)}, dst=${JSON.stringify(bMac)})`;

/** Captures `count` frames matching `filter` on b's interface while `send` runs; tshark fields. */
async function captureOnB(filter: string[], count: number, send: () => void, fields: string[]): Promise<string[]> {
  const file = join(dir, `cap-${Date.now()}.pcap`);
  const dump: ChildProcess = spawn(
    "ip",
    ["netns", "exec", b.ns, "tcpdump", "-i", b.peer, "-U", "-c", String(count), "-w", file, ...filter],
    { stdio: "ignore" },
  );
  const done = new Promise<number | null>((resolve) => dump.on("exit", resolve));
  try {
    await pollUntil(
      "tcpdump started",
      async () => (statSync(file, { throwIfNoEntry: false })?.size ?? 0) > 0,
      (up) => up,
      10_000,
    );
    send();
    const timer = setTimeout(() => dump.kill("SIGTERM"), 10_000);
    const code = await done;
    clearTimeout(timer);
    expect(code, `tcpdump saw fewer than ${count} frames matching ${filter.join(" ")}`).toBe(0);
  } finally {
    if (dump.exitCode === null) dump.kill("SIGKILL");
  }
  const r = spawnSync(
    "tshark",
    ["-r", file, "-T", "fields", "-E", "separator=;", ...fields.flatMap((f) => ["-e", f])],
    {
      encoding: "utf8",
    },
  );
  if (r.status !== 0) throw new Error(`tshark failed: ${r.stderr}`);
  return r.stdout.trim().split("\n");
}

describe("MPLS between namespaces", () => {
  it("push_mpls + set_field mpls_label: label, tc, bos and ttl on the wire", async () => {
    await addFlow("table=0,priority=100,in_port=1,ip,actions=push_mpls:0x8847,set_field:1000->mpls_label,output:2");
    const lines = await captureOnB(
      ["mpls"],
      2,
      () => sendFromA(`${eth()}/IP(src="${A_IP}", dst="${B_IP}", ttl=33, tos=0xb8)/UDP(sport=5000, dport=6000)`, 2),
      ["eth.type", "mpls.label", "mpls.exp", "mpls.bottom", "mpls.ttl", "ip.ttl", "ip.dst"],
    );
    // tc 6: DSCP 46 (tos 0xb8) & 7, as OVS composes the pushed entry; ttl from the IP TTL.
    expect(lines).toEqual(Array(2).fill(`0x8847;1000;6;1;33;33;${B_IP}`));
    await s().ofctl("del-flows", s().tcp, "ip");
  });

  it("mpls,mpls_label=77 + pop_mpls:0x0800 delivers the inner packet; b's kernel answers it", async () => {
    await addFlow("table=0,priority=100,in_port=1,mpls,mpls_label=77,actions=pop_mpls:0x0800,output:2");
    const inner = `IP(src="${A_IP}", dst="${B_IP}", ttl=9)/ICMP(type=8, id=0x4d50, seq=1)/Raw(b"mpls-pop")`;
    // Two frames: label 78 first (matches nothing: dropped), then label 77.
    const lines = await captureOnB(
      ["icmp"],
      2,
      () => {
        sendFromA(`${eth()}/MPLS(label=78, s=1, ttl=5)/${inner}`);
        sendFromA(`${eth()}/MPLS(label=77, s=1, ttl=5)/${inner}`);
      },
      ["eth.type", "ip.src", "ip.dst", "ip.ttl", "icmp.type"],
    );
    // The echo request as popped (IPv4 again, TTL untouched), then b's echo reply.
    expect(lines).toEqual([`0x0800;${A_IP};${B_IP};9;8`, `0x0800;${B_IP};${A_IP};64;0`]);
  });

  it("dec_mpls_ttl forwards with TTL - 1, and at TTL 1 is an INVALID_TTL packet-in with the rule's table and cookie", async () => {
    await addFlow("table=0,priority=100,in_port=1,mpls,mpls_label=99,actions=goto_table:3");
    await addFlow("table=3,priority=50,cookie=0x77,mpls,actions=dec_mpls_ttl,output:2");
    const lines = await captureOnB(
      ["mpls"],
      1,
      () => sendFromA(`${eth()}/MPLS(label=99, s=1, ttl=7)/IP(src="${A_IP}", dst="${B_IP}")/UDP()`),
      ["mpls.label", "mpls.ttl"],
    );
    expect(lines).toEqual(["99;6"]);
    sendFromA(`${eth()}/MPLS(label=99, s=1, ttl=1)/IP(src="${A_IP}", dst="${B_IP}")/UDP()`);
    const pin = await (mon as OfMonitor).waitFor("OFPT_PACKET_IN", (m) => /invalid_ttl/.test(m));
    expect(pin).toMatch(/table_id=3 cookie=0x77 total_len=\d+ in_port=1 \(via invalid_ttl\)/);
    expect(pin).toMatch(/mpls/);
  });

  it("dec_ttl at IP TTL 1 is an INVALID_TTL packet-in with its rule's table and cookie too", async () => {
    await addFlow("table=0,priority=90,in_port=1,udp,actions=goto_table:5");
    await addFlow("table=5,priority=50,cookie=0x55,udp,actions=dec_ttl,output:2");
    sendFromA(`${eth()}/IP(src="${A_IP}", dst="${B_IP}", ttl=1)/UDP(sport=7, dport=9)`);
    const pin = await (mon as OfMonitor).waitFor(
      "OFPT_PACKET_IN",
      (m) => /invalid_ttl/.test(m) && /cookie=0x55/.test(m),
    );
    expect(pin).toMatch(/table_id=5 cookie=0x55 total_len=\d+ in_port=1 \(via invalid_ttl\)/);
  });

  it("dump-flows prints the MPLS flows as ovs-ofctl writes them, with counters that moved", async () => {
    const flows = await pollUntil(
      "the MPLS flows credited with their packets",
      () => s().dumpFlows(),
      (f) =>
        (f.find((x) => x.actions === "pop_mpls:0x0800,output:2")?.packets ?? 0) >= 1 &&
        (f.find((x) => x.actions === "dec_mpls_ttl,output:2")?.packets ?? 0) >= 2,
      15_000,
    );
    expect(flows.find((x) => x.actions === "pop_mpls:0x0800,output:2")).toMatchObject({
      table: 0,
      priority: 100,
      match: "mpls,in_port=1,mpls_label=77",
    });
    expect(flows.find((x) => x.actions === "dec_mpls_ttl,output:2")).toMatchObject({ table: 3, match: "mpls" });
  });
});
