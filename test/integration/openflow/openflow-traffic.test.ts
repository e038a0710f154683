// Traffic follows the flows ovs-ofctl programs: two namespaces on veth `system` ports
// (ofports 1 and 2) of the running switch, programmed over its passive TCP listener.
//
// What it proves: with the fresh bridge's NORMAL flow the namespaces ping each other (and the
// flow's counters, fed back from the fast path, move); after `del-flows` the table misses and
// drops, and ping fails at once (the megaflows NORMAL installed are gone); after explicit
// `output:` flows in both directions ping works again; after a priority-100 drop flow for one
// direction, added with `ovs-ofctl --strict add-flow` (which waits for a BARRIER_REPLY), the
// very next echo requests are dropped although megaflows were carrying that traffic a moment
// before — the barrier is only answered once no stale megaflow can handle a packet.
// How: real ping between the namespaces (static addresses), ovs-ofctl as the controller. Every
// OpenFlow byte is recorded and dissected by tshark at the end: zero malformed, each message
// re-encoded byte for byte.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NetLab, requireTools, type VethNs } from "../../support/netns.ts";
import { addAddress, ping } from "../../support/ns-traffic.ts";
import { pollUntil } from "../../support/switch-daemon.ts";
import { expectCleanRecording } from "./of-recording.ts";
import { OfSwitch, OVS_OFCTL, stopOfSwitch } from "./of-switch.ts";

const lab = new NetLab();
let sw: OfSwitch | undefined;
let a: VethNs;
let b: VethNs;
const A_IP = "10.77.0.1";
const B_IP = "10.77.0.2";

beforeAll(async () => {
  requireTools("ip", "ping", OVS_OFCTL, "dumpcap", "tshark");
  try {
    a = lab.addVethNs("a");
    b = lab.addVethNs("b");
    addAddress(a.ns, a.peer, `${A_IP}/24`);
    addAddress(b.ns, b.peer, `${B_IP}/24`);
    sw = await OfSwitch.start(lab, "ot", { record: true });
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
const pingAB = (count: number) => ping(a.ns, B_IP, { count, interval: 0.02, wait: 1 });

describe("traffic follows OpenFlow flows", () => {
  it("the fresh bridge's NORMAL flow switches, and its counters move", async () => {
    const r = await ping(a.ns, B_IP, { count: 20, interval: 0.05, wait: 1, deadline: 10 });
    expect(r.received, r.output).toBeGreaterThanOrEqual(19);
    await pollUntil(
      "the NORMAL flow credited with the traffic",
      () => s().dumpFlows(),
      (f) => f.length === 1 && f[0].actions === "NORMAL" && f[0].packets >= 20,
    );
  });

  it("after del-flows the table misses and drops: ping fails at once", async () => {
    await s().ofctl("del-flows", s().tcp);
    const r = await pingAB(5);
    expect(r.received, r.output).toBe(0);
  });

  it("explicit output flows in both directions carry the ping", async () => {
    await s().ofctl("add-flow", s().tcp, "table=0,priority=10,in_port=1,actions=output:2");
    await s().ofctl("add-flow", s().tcp, "table=0,priority=10,in_port=2,actions=output:1");
    const r = await pingAB(10);
    expect(r.received, r.output).toBe(10);
  });

  it("a drop flow for one direction takes effect before --strict add-flow returns", async () => {
    // Keep the megaflows of both directions hot right up to the change.
    const warm = await pingAB(20);
    expect(warm.received, warm.output).toBe(20);
    await s().ofctl("--strict add-flow", s().tcp, "table=0,priority=100,icmp,in_port=1,actions=drop");
    const r = await pingAB(10);
    expect(r.received, r.output).toBe(0);
    const flows = await pollUntil(
      "the drop flow credited with the dropped echo requests",
      () => s().dumpFlows(),
      (f) => (f.find((x) => x.priority === 100)?.packets ?? 0) >= 10,
    );
    expect(flows.find((x) => x.priority === 100)).toMatchObject({ match: "icmp,in_port=1", actions: "drop" });

    // And removing it (strict) brings the ping back.
    await s().ofctl("--strict del-flows", s().tcp, "table=0,priority=100,icmp,in_port=1");
    const back = await pingAB(5);
    expect(back.received, back.output).toBe(5);
  });

  it("tshark dissects every OpenFlow byte exchanged above: zero malformed", async () => {
    expectCleanRecording(await s().dissect());
  }, 60_000);
});
