// Meters on the running switch, programmed with `ovs-ofctl -O OpenFlow13 --no-names` and
// measured with real traffic between two namespaces.
//
// What it proves: add-meter / mod-meter / dump-meters / meter-stats / meter-features /
//   del-meters work as ovs-ofctl expects; a mod-meter to a much lower rate governs the burst sent
//   the moment ovs-ofctl has its BARRIER_REPLY (no stale state in the fast path); flows with
//   `meter:N` are metered in the fast path: a PKTPS drop meter and a KBPS drop meter let through
//   what their burst and rate allow of a fast burst of frames, a DSCP_REMARK band raises the DSCP drop precedence of the frames over
//   its rate (seen on the receiver, IPv4 checksum intact), and meter-stats band counters agree
//   with what was sent and received; a flow naming an unknown meter is refused
//   (OFPMMFC_UNKNOWN_METER), deleting a meter deletes its flows.
// How: meter-peer.py sends N frames as fast as a raw socket takes them from namespace a and
//   counts what reaches namespace b (stopping after IDLE_S seconds of silence: 2 s, since with
//   0.5 s a CI run once stopped counting 19 frames short of the 400 the meter passed). Bounds, never
//   timings of our own code: a bucket starts full, so at least `burst` pass (when at least that
//   many were metered); at most burst + rate × T pass, T being the whole wall time from just
//   before the sender started to the end of the receiver — the meter cannot have refilled for
//   longer than the traffic existed. Frames the switch's receive ring may have dropped never
//   reached the meter: the meter's own packet_in_count is the sent figure the bands are
//   checked against (and it can exceed neither what was sent).

import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NetLab, PYTHON, requireTools, type VethNs } from "../../support/netns.ts";
import { countTypes } from "../../support/openflow-dissect.ts";
import { expectCleanRecording } from "./of-recording.ts";
import { OfSwitch, OVS_OFCTL, stopOfSwitch } from "./of-switch.ts";

const PEER = fileURLToPath(new URL("./meter-peer.py", import.meta.url));
const SRC = "02:77:6d:00:00:01";
const DST = "02:77:6d:00:00:02";
const IDLE_S = 2;

const lab = new NetLab();
let sw: OfSwitch | undefined;
let a: VethNs;
let b: VethNs;

beforeAll(async () => {
  requireTools("ip", PYTHON, OVS_OFCTL, "dumpcap", "tshark");
  try {
    a = lab.addVethNs("ma");
    b = lab.addVethNs("mb");
    sw = await OfSwitch.start(lab, "mbr", { record: true });
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
const ofctl = (cmd: string, ...args: string[]) => s().ofctl(cmd, s().tcp, ...args);

function run(argv: string[], onLine?: (line: string) => void): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const p = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    const lines: string[] = [];
    let buf = "";
    let err = "";
    p.stdout.on("data", (d) => {
      buf += d;
      for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
        const line = buf.slice(0, i).trim();
        buf = buf.slice(i + 1);
        lines.push(line);
        onLine?.(line);
      }
    });
    p.stderr.on("data", (d) => {
      err += d;
    });
    p.on("error", reject);
    p.on("close", (code) =>
      code === 0 ? resolve(lines) : reject(new Error(`${argv.join(" ")}: exit ${code}: ${err}`)),
    );
  });
}

interface Received {
  count: number;
  bytes: number;
  dscp: Record<string, number>;
  badChecksums: number;
}

/** Sends n frames of `size` bytes with `dscp` from a to b; what b received and the wall time T. */
async function traffic(n: number, size: number, dscp: number): Promise<{ got: Received; seconds: number }> {
  let ready: () => void = () => {};
  const bound = new Promise<void>((r) => {
    ready = r;
  });
  const start = performance.now();
  const receiver = run(["ip", "netns", "exec", b.ns, PYTHON, PEER, "recv", b.peer, SRC, "10", String(IDLE_S)], (l) => {
    if (l === "ready") ready();
  });
  await bound;
  await run([
    "ip",
    "netns",
    "exec",
    a.ns,
    PYTHON,
    PEER,
    "send",
    a.peer,
    SRC,
    DST,
    String(n),
    String(size),
    String(dscp),
  ]);
  const lines = await receiver;
  const seconds = (performance.now() - start) / 1000;
  return { got: JSON.parse(lines[lines.length - 1]) as Received, seconds };
}

interface MeterStatsLine {
  flowCount: number;
  packetIn: number;
  byteIn: number;
  bands: Array<{ packets: number; bytes: number }>;
}

/** Parses `ovs-ofctl meter-stats` for one meter. */
async function meterStats(id: number): Promise<MeterStatsLine> {
  const out = await ofctl("meter-stats", `meter=${id}`);
  const head = out.match(/meter:(\d+) flow_count:(\d+) packet_in_count:(\d+) byte_in_count:(\d+)/);
  if (!head || Number(head[1]) !== id) throw new Error(`no stats for meter ${id} in:\n${out}`);
  const bands = [...out.matchAll(/\d+: packet_count:(\d+) byte_count:(\d+)/g)].map((m) => ({
    packets: Number(m[1]),
    bytes: Number(m[2]),
  }));
  return { flowCount: Number(head[2]), packetIn: Number(head[3]), byteIn: Number(head[4]), bands };
}

async function meteredFlow(meterId: number): Promise<void> {
  await ofctl("del-flows");
  await ofctl("add-flow", `priority=100,in_port=1,actions=meter:${meterId},output:2`);
  await ofctl("--strict del-flows", "priority=0"); // nothing else may carry the test frames
}

describe("meters through ovs-ofctl", () => {
  it("meter-features tells what the fast path does", async () => {
    const out = await ofctl("meter-features");
    expect(out).toContain("max_meter:4096 max_bands:8 max_color:0");
    expect(out).toMatch(/band_types: drop dscp_remark/);
    expect(out).toMatch(/capabilities: kbps pktps burst stats/);
  });

  it("a PKTPS drop meter lets through its burst and its rate of a fast burst", async () => {
    const rate = 100;
    const burst = 50;
    await ofctl("add-meter", `meter=1,pktps,burst,stats,bands=type=drop,rate=${rate},burst_size=${burst}`);
    await meteredFlow(1);
    const sent = 2000;
    const { got, seconds } = await traffic(sent, 60, 0);
    const st = await meterStats(1);
    expect(st.flowCount).toBe(1);
    expect(st.packetIn).toBeLessThanOrEqual(sent);
    expect(st.packetIn).toBeGreaterThan(burst);
    expect(st.byteIn).toBe(st.packetIn * 60);
    expect(st.bands).toHaveLength(1);
    // What the meter passed is what b received; what its band dropped is the rest.
    expect(got.count).toBe(st.packetIn - st.bands[0].packets);
    expect(st.bands[0].bytes).toBe(st.bands[0].packets * 60);
    expect(got.count).toBeGreaterThanOrEqual(burst);
    expect(got.count).toBeLessThanOrEqual(burst + Math.ceil(rate * seconds));
    expect(got.count).toBeLessThan(sent / 4);
  }, 60_000);

  it("a KBPS drop meter counts bits: burst_size kbits plus the rate", async () => {
    const rateKbps = 1000;
    const burstKbits = 100;
    await ofctl("add-meter", `meter=2,kbps,burst,bands=type=drop,rate=${rateKbps},burst_size=${burstKbits}`);
    await meteredFlow(2);
    const size = 1000; // 8 kbit a frame
    const { got, seconds } = await traffic(500, size, 0);
    const st = await meterStats(2);
    expect(got.count).toBe(st.packetIn - st.bands[0].packets);
    expect(got.bytes).toBe(got.count * size);
    expect(got.count).toBeGreaterThanOrEqual(Math.floor(burstKbits / 8));
    expect(got.count * 8).toBeLessThanOrEqual(burstKbits + Math.ceil(rateKbps * seconds) + 8);
  }, 60_000);

  it("a DSCP_REMARK band raises the drop precedence of what is over its rate", async () => {
    const rate = 100;
    const burst = 20;
    await ofctl(
      "add-meter",
      `meter=3,pktps,burst,bands=type=dscp_remark,rate=${rate},burst_size=${burst},prec_level=1`,
    );
    await meteredFlow(3);
    const sent = 400;
    const { got } = await traffic(sent, 100, 10); // AF11
    const st = await meterStats(3);
    expect(got.badChecksums).toBe(0);
    expect(got.count).toBe(st.packetIn); // a remark band drops nothing
    const af11 = got.dscp["10"] ?? 0;
    const af12 = got.dscp["12"] ?? 0;
    expect(af11 + af12).toBe(got.count);
    expect(af12).toBe(st.bands[0].packets);
    expect(af11).toBeGreaterThanOrEqual(burst);
    expect(af12).toBeGreaterThan(0);
  }, 60_000);

  it("mod-meter changes a meter in place; dump-meters shows every meter", async () => {
    await ofctl("mod-meter", "meter=1,pktps,burst,stats,bands=type=drop,rate=200,burst_size=30");
    const out = await ofctl("dump-meters");
    expect(out).toMatch(/meter=1 pktps burst stats bands=\s*type=drop rate=200 burst_size=30/);
    expect(out).toMatch(/meter=2 kbps burst bands=\s*type=drop rate=1000 burst_size=100/);
    expect(out).toMatch(/meter=3 pktps burst bands=\s*type=dscp_remark rate=100 burst_size=20 prec_level=1/);
    const one = await ofctl("dump-meters", "meter=2");
    expect(one).toContain("meter=2");
    expect(one).not.toContain("meter=1 ");
  });

  it("a mod-meter to a much lower rate applies to the very next burst (its barrier answered, no stale state)", async () => {
    // A meter nothing exceeds: the flow's megaflow carries a burst whole.
    await ofctl("add-meter", "meter=4,pktps,burst,stats,bands=type=drop,rate=100000,burst_size=100000");
    await meteredFlow(4);
    const warm = await traffic(500, 60, 0);
    const st0 = await meterStats(4);
    expect(st0.bands[0].packets).toBe(0);
    expect(warm.got.count).toBe(st0.packetIn);
    expect(warm.got.count).toBeGreaterThan(250);

    // ovs-ofctl sends the METER_MOD and a BARRIER_REQUEST and returns at the BARRIER_REPLY;
    // the burst follows at once, over the same megaflow.
    const rate = 10;
    const burst = 10;
    await ofctl("mod-meter", `meter=4,pktps,burst,stats,bands=type=drop,rate=${rate},burst_size=${burst}`);
    const { got, seconds } = await traffic(500, 60, 0);
    const st1 = await meterStats(4);
    const metered = st1.packetIn - st0.packetIn; // counters are kept across a modify
    const dropped = st1.bands[0].packets - st0.bands[0].packets;
    expect(metered).toBeGreaterThan(250);
    expect(got.count).toBe(metered - dropped);
    // the new bucket (full at its new burst_size) and rate, not the old 100,000
    expect(got.count).toBeGreaterThanOrEqual(burst);
    expect(got.count).toBeLessThanOrEqual(burst + Math.ceil(rate * seconds));
    expect(dropped).toBeGreaterThanOrEqual(metered - burst - Math.ceil(rate * seconds));
    expect(await ofctl("dump-meters", "meter=4")).toMatch(
      /meter=4 pktps burst stats bands=\s*type=drop rate=10 burst_size=10/,
    );
  }, 60_000);

  it("refuses a flow naming an unknown meter and an existing meter id", async () => {
    await expect(ofctl("add-flow", "priority=7,in_port=2,actions=meter:9,output:1")).rejects.toThrow(
      /OFPMMFC_UNKNOWN_METER/,
    );
    expect((await s().dumpFlows()).some((f) => f.priority === 7)).toBe(false);
    await expect(ofctl("add-meter", "meter=1,pktps,bands=type=drop,rate=5")).rejects.toThrow(/OFPMMFC_METER_EXISTS/);
  });

  it("del-meters deletes a meter and the flows that use it, then every meter", async () => {
    await meteredFlow(3);
    await ofctl("add-flow", "priority=50,in_port=2,actions=meter:2,output:1");
    await ofctl("del-meters", "meter=3");
    const flows = await s().dumpFlows();
    expect(flows.map((f) => f.actions)).toEqual(["meter:2,output:1"]);
    expect(await ofctl("dump-meters")).not.toContain("meter=3");
    await ofctl("del-meters");
    expect(await s().dumpFlows()).toEqual([]);
    expect(await ofctl("dump-meters")).not.toMatch(/meter=\d/);
  });
});

describe("the OpenFlow bytes of this file", () => {
  it("tshark dissects every one exchanged above (METER_MOD and the meter MULTIPART replies): zero malformed", async () => {
    const rec = await (sw as OfSwitch).dissect();
    expectCleanRecording(rec);
    const seen = (t: number) => (countTypes(rec.tcp).get(t) ?? 0) + (countTypes(rec.unix).get(t) ?? 0);
    for (const t of [29, 19]) expect({ type: t, seen: seen(t) > 0 }).toEqual({ type: t, seen: true });
  });
});
