// Ports over OpenFlow on the running daemon: PORT_STATS counters against pings sent, PORT_MOD
// (`ovs-ofctl mod-port`) with traffic showing each config bit's effect, PORT_DESC reporting
// config and state, and PORT_STATUS reaching a real controller (`ovs-ofctl monitor`) when a
// port is added or deleted over REST, when its config changes (PORT_MOD, REST admin state) and
// when its veth loses carrier.
//
// How: namespaces on veth `system` ports of the daemon (ofports 1, 2; a third added during the
// test), 10.200.2.0/24 with static ARP so only the pings cross; ovs-ofctl over the passive TCP
// listener, the monitor on the bridge's punix socket.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OFPET, PORT_MOD_FAILED } from "../../../openflow/errors.ts";
import { OFPPC, type PortModMessage } from "../../../openflow/messages/port.ts";
import { NetLab, requireTools, sh, type VethNs } from "../../support/netns.ts";
import { addAddress, macOf, ping, staticNeighbour } from "../../support/ns-traffic.ts";
import { countTypes } from "../../support/openflow-dissect.ts";
import { pollUntil } from "../../support/switch-daemon.ts";
import { OfMonitor } from "./of-monitor.ts";
import { OfRawClient } from "./of-raw-client.ts";
import { expectCleanRecording } from "./of-recording.ts";
import { OfSwitch, OVS_OFCTL, stopOfSwitch } from "./of-switch.ts";

const lab = new NetLab();
let sw: OfSwitch | undefined;
let mon: OfMonitor | undefined;
let a: VethNs;
let b: VethNs;
const A_IP = "10.200.2.1";
const B_IP = "10.200.2.2";

beforeAll(async () => {
  requireTools("ip", "ping", "stdbuf", OVS_OFCTL, "dumpcap", "tshark");
  try {
    a = lab.addVethNs("pa");
    b = lab.addVethNs("pb");
    addAddress(a.ns, a.peer, `${A_IP}/24`);
    addAddress(b.ns, b.peer, `${B_IP}/24`);
    staticNeighbour(a.ns, a.peer, B_IP, macOf(lab, b.ns, b.peer));
    staticNeighbour(b.ns, b.peer, A_IP, macOf(lab, a.ns, a.peer));
    sw = await OfSwitch.start(lab, "po", { record: true });
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

interface PortCounters {
  rxPkts: number;
  rxBytes: number;
  txPkts: number;
  txBytes: number;
  rxDrop: number;
  txDrop: number;
}

/** `ovs-ofctl dump-ports` parsed: port number → counters. */
async function dumpPorts(s: OfSwitch, port?: number): Promise<Map<number, PortCounters>> {
  const out = await s.ofctl("dump-ports", s.tcp, ...(port === undefined ? [] : [String(port)]));
  const map = new Map<number, PortCounters>();
  const re =
    /port\s+(\S+): rx pkts=(\d+), bytes=(\d+), drop=(\d+), errs=\d+, frame=\?, over=\?, crc=\?\s+tx pkts=(\d+), bytes=(\d+), drop=(\d+), errs=\d+, coll=\?\s+duration=[\d.]+s/g;
  for (const m of out.matchAll(re)) {
    map.set(Number(m[1]), {
      rxPkts: Number(m[2]),
      rxBytes: Number(m[3]),
      rxDrop: Number(m[4]),
      txPkts: Number(m[5]),
      txBytes: Number(m[6]),
      txDrop: Number(m[7]),
    });
  }
  if (map.size === 0) throw new Error(`no ports in dump-ports output:\n${out}`);
  return map;
}

/** `ovs-ofctl dump-ports-desc` for one port: its config and state lines. */
async function portDesc(s: OfSwitch, port: number): Promise<{ config: string; state: string }> {
  const out = await s.ofctl("dump-ports-desc", s.tcp);
  const at = out.split("\n").findIndex((l) => new RegExp(`^\\s*${port}\\(`).test(l));
  if (at < 0) throw new Error(`port ${port} not in dump-ports-desc:\n${out}`);
  const lines = out.split("\n").slice(at + 1, at + 4);
  const field = (k: string) => (lines.find((l) => l.trim().startsWith(`${k}:`)) ?? "").split(":")[1].trim();
  return { config: field("config"), state: field("state") };
}

const pingAB = (count = 3) => ping(a.ns, B_IP, { count, interval: 0.1, wait: 1 });

describe("PORT_STATS", () => {
  it("counts the pings in both directions on both ports (dump-ports), for all ports or one", async () => {
    const s = sw as OfSwitch;
    const warm = await pingAB(1); // NORMAL learns both MACs
    expect(warm.received, warm.output).toBe(1);
    const before = await dumpPorts(s);
    expect([...before.keys()].sort()).toEqual([1, 2]);
    const N = 10;
    const r = await pingAB(N);
    expect(r.received, r.output).toBe(N);
    const after = await dumpPorts(s);
    const frame = 98; // 14 Ethernet + 20 IPv4 + 8 ICMP + 56 payload
    const d = (p: number, k: keyof PortCounters) => (after.get(p)?.[k] ?? 0) - (before.get(p)?.[k] ?? 0);
    expect([d(1, "rxPkts"), d(1, "txPkts"), d(2, "rxPkts"), d(2, "txPkts")]).toEqual([N, N, N, N]);
    expect([d(1, "rxBytes"), d(2, "txBytes")]).toEqual([N * frame, N * frame]);
    expect([d(1, "rxDrop"), d(2, "txDrop")]).toEqual([0, 0]);
    const one = await dumpPorts(s, 2);
    expect([...one.keys()]).toEqual([2]);
    expect(one.get(2)?.txPkts).toBe(after.get(2)?.txPkts);
  });

  it("refuses a port the bridge does not have with BAD_REQUEST/BAD_PORT", async () => {
    const s = sw as OfSwitch;
    // ovs-ofctl prints the switch's error and exits 0.
    expect(await s.ofctl("dump-ports", s.tcp, "99")).toMatch(
      /^OFPT_ERROR \(OF1\.3\) \(xid=0x[0-9a-f]+\): OFPBRC_BAD_PORT/,
    );
  });
});

describe("PORT_MOD", () => {
  it("no-forward: nothing is sent to the port until forward; PORT_DESC and PORT_STATUS say so", async () => {
    const s = sw as OfSwitch;
    const m = mon as OfMonitor;
    await s.ofctl("mod-port", s.tcp, "2", "no-forward");
    expect((await portDesc(s, 2)).config).toBe("NO_FWD");
    await m.waitFor("OFPT_PORT_STATUS", (x) => /MOD: 2\(/.test(x) && /config:\s+NO_FWD/.test(x));
    const blocked = await pingAB();
    expect(blocked.received, blocked.output).toBe(0);
    await s.ofctl("mod-port", s.tcp, "2", "forward");
    expect((await portDesc(s, 2)).config).toBe("0");
    const r = await pingAB();
    expect(r.received, r.output).toBe(3);
  });

  it("no-receive: what the port receives is dropped until receive", async () => {
    const s = sw as OfSwitch;
    await s.ofctl("mod-port", s.tcp, "1", "no-receive");
    expect((await portDesc(s, 1)).config).toBe("NO_RECV");
    const before = (await dumpPorts(s, 2)).get(2)?.txPkts;
    const blocked = await pingAB();
    expect(blocked.received, blocked.output).toBe(0);
    expect((await dumpPorts(s, 2)).get(2)?.txPkts).toBe(before); // nothing reached port 2
    await s.ofctl("mod-port", s.tcp, "1", "receive");
    expect((await pingAB()).received).toBe(3);
  });

  it("down: the port stops forwarding and is not LIVE, run-time only (the configuration stays up)", async () => {
    const s = sw as OfSwitch;
    const m = mon as OfMonitor;
    await s.ofctl("mod-port", s.tcp, "2", "down");
    expect(await portDesc(s, 2)).toEqual({ config: "PORT_DOWN", state: "0" });
    await m.waitFor("OFPT_PORT_STATUS", (x) => /MOD: 2\(/.test(x) && /config:\s+PORT_DOWN/.test(x));
    expect((await pingAB()).received).toBe(0);
    const rest = await fetch(`${s.daemon.url}/v1/bridges/${s.bridge}/ports/${b.host}`).then((r) => r.json());
    expect(rest).toMatchObject({ adminDown: false });
    await s.ofctl("mod-port", s.tcp, "2", "up");
    expect(await portDesc(s, 2)).toEqual({ config: "0", state: "LIVE" });
    expect((await pingAB()).received).toBe(3);
  });

  it("no-packet-in: CONTROLLER outputs for the port's packets are dropped, forwarding goes on", async () => {
    const s = sw as OfSwitch;
    const m = mon as OfMonitor;
    const pins = () => m.messages("OFPT_PACKET_IN").filter((x) => /in_port=1/.test(x)).length;
    await s.ofctl("add-flow", s.tcp, "priority=300,icmp,in_port=1,actions=CONTROLLER:65535,output:2");
    const n0 = pins();
    expect((await pingAB(2)).received).toBe(2);
    await pollUntil(
      "two packet-ins",
      async () => pins(),
      (n) => n === n0 + 2,
    );
    await s.ofctl("mod-port", s.tcp, "1", "no-packet-in");
    expect((await portDesc(s, 1)).config).toBe("NO_PACKET_IN");
    expect((await pingAB(3)).received).toBe(3);
    await s.ofctl("mod-port", s.tcp, "1", "packet-in");
    expect((await pingAB(1)).received).toBe(1);
    // Messages arrive in order: the one after packet-in is back is the only new one.
    await pollUntil(
      "the packet-in after packet-in was restored",
      async () => pins(),
      (n) => n >= n0 + 3,
    );
    expect(pins()).toBe(n0 + 3);
    await s.ofctl("del-flows", s.tcp, "--strict", "priority=300,icmp,in_port=1");
  });

  it("refuses a bad PORT_MOD with the spec's PORT_MOD_FAILED code and changes nothing", async () => {
    const s = sw as OfSwitch;
    const hw = (await s.ofctl("dump-ports-desc", s.tcp)).match(/ 1\([^)]*\): addr:([0-9a-f:]+)/)?.[1] ?? "";
    const hwAddr = Uint8Array.from(hw.split(":").map((h) => Number.parseInt(h, 16)));
    expect(hwAddr.length).toBe(6);
    const c = await OfRawClient.connect(s.tcp);
    try {
      const pm = (p: Partial<PortModMessage>): PortModMessage => ({
        kind: "port-mod",
        xid: 0,
        portNo: 1,
        hwAddr,
        config: OFPPC.PORT_DOWN,
        mask: OFPPC.PORT_DOWN,
        advertise: 0,
        ...p,
      });
      const errorOf = async (p: Partial<PortModMessage>) =>
        (await c.request(pm(p))).map((m) => (m.kind === "error" ? [m.errType, m.code] : m.kind));
      expect(await errorOf({ portNo: 99 })).toEqual([[OFPET.PORT_MOD_FAILED, PORT_MOD_FAILED.BAD_PORT]]);
      expect(await errorOf({ hwAddr: Uint8Array.from([2, 0, 0, 0, 0, 0x99]) })).toEqual([
        [OFPET.PORT_MOD_FAILED, PORT_MOD_FAILED.BAD_HW_ADDR],
      ]);
      expect(await errorOf({ config: 1 << 3, mask: OFPPC.PORT_DOWN | (1 << 3) })).toEqual([
        [OFPET.PORT_MOD_FAILED, PORT_MOD_FAILED.BAD_CONFIG],
      ]);
      expect((await portDesc(s, 1)).config).toBe("0"); // none of them applied PORT_DOWN
      expect((await pingAB(1)).received).toBe(1);
    } finally {
      c.close();
    }
  });
});

describe("PORT_STATUS", () => {
  it("is sent when a port is added over REST, loses its link, changes admin state, and is deleted", async () => {
    const s = sw as OfSwitch;
    const m = mon as OfMonitor;
    const c = lab.addVethNs("pc");
    await s.addPort({ name: c.host, type: "system", ofport: 3 });
    const add = await m.waitFor("OFPT_PORT_STATUS", (x) => /ADD: 3\(/.test(x));
    expect(add).toContain(c.host);
    expect(add).toMatch(/state:\s+LIVE/);

    sh("ip", ["-n", c.ns, "link", "set", c.peer, "down"]); // our veth end loses carrier
    const down = await m.waitFor("OFPT_PORT_STATUS", (x) => /MOD: 3\(/.test(x) && /state:\s+LINK_DOWN/.test(x));
    expect(down).toMatch(/config:\s+0/);
    expect((await portDesc(s, 3)).state).toBe("LINK_DOWN");
    sh("ip", ["-n", c.ns, "link", "set", c.peer, "up"]);
    await m.waitFor("OFPT_PORT_STATUS", (x) => /MOD: 3\(/.test(x) && /state:\s+LIVE/.test(x));

    const patch = await fetch(`${s.daemon.url}/v1/bridges/${s.bridge}/ports/${c.host}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ adminDown: true }),
    });
    expect(patch.status).toBe(200);
    await m.waitFor("OFPT_PORT_STATUS", (x) => /MOD: 3\(/.test(x) && /config:\s+PORT_DOWN/.test(x));

    const del = await fetch(`${s.daemon.url}/v1/bridges/${s.bridge}/ports/${c.host}`, { method: "DELETE" });
    expect(del.status).toBe(200);
    await m.waitFor("OFPT_PORT_STATUS", (x) => /DEL: 3\(/.test(x));
  });
});

describe("the OpenFlow bytes of this file", () => {
  it("tshark dissects every one exchanged above (PORT_MOD, PORT_STATUS and the PORT_STATS replies): zero malformed", async () => {
    mon?.stop();
    const rec = await (sw as OfSwitch).dissect();
    expectCleanRecording(rec);
    const seen = (t: number) => (countTypes(rec.tcp).get(t) ?? 0) + (countTypes(rec.unix).get(t) ?? 0);
    for (const t of [16, 12, 19]) expect({ type: t, seen: seen(t) > 0 }).toEqual({ type: t, seen: true });
  });
});
