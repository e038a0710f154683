// Rule timeouts and FLOW_REMOVED through the running daemon: flows added by `ovs-ofctl` with
// idle_timeout / hard_timeout / send_flow_rem leave the tables on time, and a real controller
// connection (`ovs-ofctl monitor` on the bridge's punix socket) prints FLOW_REMOVED with the
// right reason, timeouts and counters — also for rules removed by del-flows (the same path).
//
// What it proves: an idle rule with no traffic goes after its idle timeout (reason idle); a
// rule kept busy by pings every 200 ms — traffic handled in the fast path, credited back from
// megaflow statistics — does not idle out even with idle_timeout=1, and goes (with its packets
// counted) once the pings stop; a hard timeout ends a rule regardless of traffic (reason hard);
// a rule without send_flow_rem expires silently; del-flows reports reason delete.
// How: two namespaces on veth `system` ports (ofports 1 and 2), 10.200.1.0/24 with static ARP.
// Every OpenFlow byte (ovs-ofctl over TCP, the monitor over punix) is recorded and dissected by
// tshark at the end: zero malformed, each message re-encoded byte for byte.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NetLab, requireTools, type VethNs } from "../../support/netns.ts";
import { addAddress, macOf, ping, staticNeighbour } from "../../support/ns-traffic.ts";
import { countTypes } from "../../support/openflow-dissect.ts";
import { pollUntil } from "../../support/switch-daemon.ts";
import { OfMonitor } from "./of-monitor.ts";
import { expectCleanRecording } from "./of-recording.ts";
import { OfSwitch, OVS_OFCTL, stopOfSwitch } from "./of-switch.ts";

const lab = new NetLab();
let sw: OfSwitch | undefined;
let mon: OfMonitor | undefined;
let a: VethNs;
let b: VethNs;
const A_IP = "10.200.1.1";
const B_IP = "10.200.1.2";

beforeAll(async () => {
  requireTools("ip", "ping", "stdbuf", OVS_OFCTL, "dumpcap", "tshark");
  try {
    a = lab.addVethNs("ta");
    b = lab.addVethNs("tb");
    addAddress(a.ns, a.peer, `${A_IP}/24`);
    addAddress(b.ns, b.peer, `${B_IP}/24`);
    staticNeighbour(a.ns, a.peer, B_IP, macOf(lab, b.ns, b.peer));
    staticNeighbour(b.ns, b.peer, A_IP, macOf(lab, a.ns, a.peer));
    sw = await OfSwitch.start(lab, "to", { record: true });
    await sw.addPort({ name: a.host, type: "system", ofport: 1 });
    await sw.addPort({ name: b.host, type: "system", ofport: 2 });
    const s = sw;
    mon = await OfMonitor.start(s.unix, () => s.connections());
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
});

const removedWith = (cookie: string) => (m: string) => m.includes(`cookie:${cookie}`);

describe("rule timeouts on the running switch", () => {
  it("an idle rule without traffic expires after its idle timeout: FLOW_REMOVED reason idle", async () => {
    const s = sw as OfSwitch;
    const m = mon as OfMonitor;
    await s.ofctl("del-flows", s.tcp);
    await s.ofctl(
      "add-flow",
      s.tcp,
      "cookie=0x11,priority=100,in_port=1,idle_timeout=2,send_flow_rem,actions=output:2",
    );
    expect((await s.dumpFlows()).map((f) => f.priority)).toEqual([100]);
    const fr = await m.waitFor("OFPT_FLOW_REMOVED", removedWith("0x11"), 10_000);
    expect(fr).toMatch(/priority=100,in_port=1 /);
    expect(fr).toMatch(/reason=idle/);
    expect(fr).toMatch(/idle2/);
    expect(fr).toMatch(/pkts0 bytes0/);
    const secs = Number(/duration(\d+\.\d+)s/.exec(fr)?.[1]);
    expect(secs).toBeGreaterThanOrEqual(2);
    expect(await s.dumpFlows()).toEqual([]);
  });

  it("fast-path traffic keeps an idle_timeout=1 rule alive; it expires once traffic stops", async () => {
    const s = sw as OfSwitch;
    const m = mon as OfMonitor;
    await s.ofctl("del-flows", s.tcp);
    await s.ofctl(
      "add-flow",
      s.tcp,
      "cookie=0x21,priority=100,in_port=1,idle_timeout=1,send_flow_rem,actions=output:2",
    );
    await s.ofctl(
      "add-flow",
      s.tcp,
      "cookie=0x22,priority=100,in_port=2,idle_timeout=1,send_flow_rem,actions=output:1",
    );
    // 25 echo requests 200 ms apart: 5 s, five idle timeouts' worth.
    const r = await ping(a.ns, B_IP, { count: 25, interval: 0.2, wait: 1 });
    expect(r.received, r.output).toBe(25);
    const during = m.messages("OFPT_FLOW_REMOVED").filter((x) => /cookie:0x2[12]/.test(x));
    expect(during, "a rule carrying traffic idled out").toEqual([]);
    const fr = await m.waitFor("OFPT_FLOW_REMOVED", removedWith("0x21"), 10_000);
    expect(fr).toMatch(/reason=idle/);
    const pkts = Number(/pkts(\d+)/.exec(fr)?.[1]);
    expect(pkts).toBe(25); // every echo request crossed this rule, most of them in the fast path
    await m.waitFor("OFPT_FLOW_REMOVED", removedWith("0x22"), 10_000);
  });

  it("a hard timeout ends a busy rule: reason hard; a rule without send_flow_rem goes silently", async () => {
    const s = sw as OfSwitch;
    const m = mon as OfMonitor;
    await s.ofctl("del-flows", s.tcp);
    await s.ofctl(
      "add-flow",
      s.tcp,
      "cookie=0x31,priority=100,in_port=1,hard_timeout=2,send_flow_rem,actions=output:2",
    );
    await s.ofctl("add-flow", s.tcp, "cookie=0x32,priority=100,in_port=2,hard_timeout=2,actions=output:1");
    await s.ofctl("add-flow", s.tcp, "cookie=0x33,priority=1,actions=drop");
    const busy = ping(a.ns, B_IP, { count: 20, interval: 0.2, wait: 1 });
    const fr = await m.waitFor("OFPT_FLOW_REMOVED", removedWith("0x31"), 10_000);
    expect(fr).toMatch(/reason=hard/);
    expect(fr).toMatch(/hard2/);
    expect(Number(/pkts(\d+)/.exec(fr)?.[1])).toBeGreaterThan(0);
    const r = await busy;
    expect(r.received, r.output).toBeLessThan(20); // the rules are gone: the drop rule wins
    await pollUntil(
      "both timed rules gone",
      () => s.dumpFlows(),
      (f) => f.length === 1,
    );
    expect(m.messages("OFPT_FLOW_REMOVED").filter((x) => x.includes("cookie:0x32"))).toEqual([]);
  });

  it("del-flows reports removed send_flow_rem rules with reason delete", async () => {
    const s = sw as OfSwitch;
    const m = mon as OfMonitor;
    await s.ofctl("del-flows", s.tcp);
    await s.ofctl("add-flow", s.tcp, "cookie=0x41,priority=7,in_port=1,send_flow_rem,actions=output:2");
    await s.ofctl("add-flow", s.tcp, "cookie=0x42,priority=7,in_port=2,actions=output:1");
    await s.ofctl("del-flows", s.tcp);
    const fr = await m.waitFor("OFPT_FLOW_REMOVED", removedWith("0x41"), 10_000);
    expect(fr).toMatch(/reason=delete/);
    expect(m.messages("OFPT_FLOW_REMOVED").filter((x) => x.includes("cookie:0x42"))).toEqual([]);
  });

  it("tshark dissects every OpenFlow byte exchanged above: zero malformed", async () => {
    mon?.stop();
    const rec = await (sw as OfSwitch).dissect();
    expectCleanRecording(rec);
    expect(countTypes(rec.unix).get(11) ?? 0).toBeGreaterThanOrEqual(5); // the FLOW_REMOVEDs
  }, 60_000);
});
