// Two controllers with roles on the running daemon: both dialed by the switch (tcp: targets),
// packet-ins from real traffic (a namespace pinging through a system port, `actions=CONTROLLER`)
// go only to the master; the slave's FLOW_MOD is refused BAD_REQUEST/IS_SLAVE; a stale
// generation id is refused ROLE_REQUEST_FAILED/STALE; SET_ASYNC masks then turn the delivery
// around (the slave asks for ACTION packet-ins, the master for none). Every OpenFlow byte (both
// controllers' connections, ovs-ofctl on the passive listener) is recorded and dissected by
// tshark at the end: zero malformed, each message re-encoded byte for byte.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OFPP } from "../../../openflow/constants.ts";
import { BAD_REQUEST, OFPET, ROLE_REQUEST_FAILED } from "../../../openflow/errors.ts";
import type { OfpMessage } from "../../../openflow/message.ts";
import { OFPR } from "../../../openflow/messages/packet-in.ts";
import { OFPCR_ROLE } from "../../../openflow/messages/role.ts";
import { NetLab, requireTools, type VethNs } from "../../support/netns.ts";
import { addAddress, ping } from "../../support/ns-traffic.ts";
import { countTypes } from "../../support/openflow-dissect.ts";
import { expectCleanRecording } from "../openflow/of-recording.ts";
import { OfSwitch, OVS_OFCTL, stopOfSwitch } from "../openflow/of-switch.ts";
import { type TsConnection, TsController } from "../openflow/ts-controller.ts";
import { rest } from "./rest.ts";

const lab = new NetLab();
let sw: OfSwitch | undefined;
let a: VethNs;
const ctls: TsController[] = [];
let c1: TsConnection;
let c2: TsConnection;

beforeAll(async () => {
  requireTools("ip", "ping", OVS_OFCTL, "dumpcap", "tshark");
  try {
    a = lab.addVethNs("ra");
    addAddress(a.ns, a.peer, "10.200.41.1/24");
    sw = await OfSwitch.start(lab, "ro", { record: true });
    await sw.addPort({ name: a.host, type: "system", ofport: 3 });
    for (let i = 0; i < 2; i++) ctls.push(await TsController.listen());
    await sw.recordAlso(ctls.map((c) => c.port));
    const r = await rest(sw.daemon.url, "PUT", `/bridges/${sw.bridge}/controllers`, {
      targets: ctls.map((c) => `tcp:127.0.0.1:${c.port}`),
    });
    if (r.status !== 200) throw new Error(JSON.stringify(r.body));
    c1 = await ctls[0].connection(0);
    c2 = await ctls[1].connection(0);
    await sw.ofctl("add-flow", sw.tcp, "table=0,priority=100,actions=CONTROLLER:65535");
  } catch (e) {
    await stopOfSwitch(sw);
    lab.cleanup();
    throw e;
  }
}, 90_000);

afterAll(async () => {
  for (const c of ctls) await c.close();
  await stopOfSwitch(sw);
  lab.cleanup();
});

const packetIns = (c: TsConnection) =>
  c.received.filter((m): m is Extract<OfpMessage, { kind: "packet-in" }> => m.kind === "packet-in");

/** Everything the switch queued for `c` before now has arrived once this resolves. */
async function flush(c: TsConnection): Promise<void> {
  await c.request({ kind: "barrier-request" });
}

async function role(c: TsConnection, r: number, gen: bigint): Promise<OfpMessage> {
  return c.request({ kind: "role-request", role: r, generationId: gen });
}

describe("controller roles", () => {
  it("elects a master, demotes the old one, refuses stale generation ids and the slave's FLOW_MOD", async () => {
    expect(await role(c1, OFPCR_ROLE.MASTER, 5n)).toMatchObject({
      kind: "role-reply",
      role: OFPCR_ROLE.MASTER,
      generationId: 5n,
    });
    expect(await role(c2, OFPCR_ROLE.MASTER, 6n)).toMatchObject({
      kind: "role-reply",
      role: OFPCR_ROLE.MASTER,
      generationId: 6n,
    });
    expect(await role(c1, OFPCR_ROLE.NOCHANGE, 0n)).toMatchObject({ role: OFPCR_ROLE.SLAVE, generationId: 6n });
    expect(await role(c1, OFPCR_ROLE.MASTER, 5n)).toMatchObject({
      kind: "error",
      errType: OFPET.ROLE_REQUEST_FAILED,
      code: ROLE_REQUEST_FAILED.STALE,
    });

    const flowMod = {
      kind: "flow-mod" as const,
      cookie: 0n,
      cookieMask: 0n,
      tableId: 0,
      command: 0,
      idleTimeout: 0,
      hardTimeout: 0,
      priority: 7,
      bufferId: 0xffffffff,
      outPort: OFPP.ANY,
      outGroup: 0xffffffff,
      flags: 0,
      match: [],
      instructions: [],
    };
    const refused = await c1.sendAndBarrier(flowMod);
    expect(refused).toMatchObject({ kind: "error", errType: OFPET.BAD_REQUEST, code: BAD_REQUEST.IS_SLAVE });
    expect(await c2.sendAndBarrier({ ...flowMod, priority: 8 })).toBeUndefined();
    const flows = await (sw as OfSwitch).dumpFlows();
    expect(flows.some((f) => f.priority === 8)).toBe(true);
    expect(flows.some((f) => f.priority === 7)).toBe(false);

    const shown = await rest((sw as OfSwitch).daemon.url, "GET", `/bridges/${(sw as OfSwitch).bridge}/controllers`);
    expect(shown.body.controllers.map((c: { connections: { role: string }[] }) => c.connections[0]?.role)).toEqual([
      "slave",
      "master",
    ]);
  }, 60_000);

  it("sends packet-ins to the master only", async () => {
    await ping(a.ns, "10.200.41.9", { count: 3, interval: 0.2, wait: 1 });
    const got = await c2.waitFor("a packet-in at the master", (m) => m.kind === "packet-in");
    expect(got).toMatchObject({ reason: OFPR.ACTION });
    await flush(c1);
    expect(packetIns(c1)).toHaveLength(0);
  }, 60_000);

  it("filters packet-ins by the SET_ASYNC masks of each connection's role", async () => {
    const ALL = 0b111;
    // The slave asks for ACTION packet-ins in its slave role; the master for none.
    c1.channel.send({
      kind: "set-async",
      packetInMask: [ALL, 1 << OFPR.ACTION],
      portStatusMask: [ALL, ALL],
      flowRemovedMask: [0, 0],
    });
    c2.channel.send({ kind: "set-async", packetInMask: [0, 0], portStatusMask: [ALL, ALL], flowRemovedMask: [0, 0] });
    expect(await c1.request({ kind: "get-async-request" })).toMatchObject({ packetInMask: [ALL, 1 << OFPR.ACTION] });
    await flush(c2);
    const before = packetIns(c2).length;
    await ping(a.ns, "10.200.41.9", { count: 3, interval: 0.2, wait: 1 });
    await c1.waitFor("a packet-in at the slave", (m) => m.kind === "packet-in");
    await flush(c2);
    expect(packetIns(c2)).toHaveLength(before);
  }, 60_000);

  it("tshark dissects every OpenFlow byte exchanged above: zero malformed", async () => {
    for (const c of ctls) await c.close();
    const rec = await (sw as OfSwitch).dissect();
    expectCleanRecording(rec);
    // ROLE_REQUEST/REPLY (24/25), SET_ASYNC (28) and PACKET_IN (10) on the controllers' connections
    for (const t of [24, 25, 28, 10])
      expect({ t, n: countTypes(rec.controllers).get(t) ?? 0 }).not.toEqual({ t, n: 0 });
  }, 60_000);
});
