// Groups on the running switch, programmed with `ovs-ofctl -O OpenFlow13 --no-names`: three
// namespaces on veth `system` ports (s = ofport 1 sends, a = 2 and b = 3 receive), raw frames
// from a marked source MAC sent in s and sniffed in a and b.
//
// What it proves: add-group of each type is read back by dump-groups as added (parsed and
// compared); dump-group-features tells the truth; an ALL group floods to both receivers; a
// SELECT group spreads different flows (destination MACs) over its buckets, every frame of one
// flow to the same bucket; an INDIRECT group and its mod-group retarget; a FAST_FAILOVER group
// moves to its second bucket when the watched veth goes down (`ip link set ... down`) and back
// when it comes up; dump-group-stats packet counters of groups and buckets equal what was sent
// and what each receiver got (traffic counted from the fast path's megaflow stats); del-groups
// of one group removes the flows that use it (dump-flows), and del-groups removes all.
// How: the daemon's passive TCP listener; ovs-ofctl's add-flow/add-group wait for a barrier, so
// frames sent after them see the new state. frame-peer.py sends and sniffs.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NetLab, PYTHON, requireTools, sh, type VethNs } from "../../support/netns.ts";
import { countTypes } from "../../support/openflow-dissect.ts";
import { pollUntil } from "../../support/switch-daemon.ts";
import { frame, MARK_SRC, sendFrames, sniff } from "../ports/frame-peer.ts";
import { expectCleanRecording } from "./of-recording.ts";
import { OfSwitch, OVS_OFCTL, stopOfSwitch } from "./of-switch.ts";

const lab = new NetLab();
let sw: OfSwitch | undefined;
let s: VethNs;
let a: VethNs;
let b: VethNs;

beforeAll(async () => {
  requireTools("ip", PYTHON, OVS_OFCTL, "dumpcap", "tshark");
  try {
    s = lab.addVethNs("s");
    a = lab.addVethNs("a");
    b = lab.addVethNs("b");
    sw = await OfSwitch.start(lab, "gr", { record: true });
    await sw.addPort({ name: s.host, type: "system", ofport: 1 });
    await sw.addPort({ name: a.host, type: "system", ofport: 2 });
    await sw.addPort({ name: b.host, type: "system", ofport: 3 });
    await sw.ofctl("del-flows", sw.tcp);
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

const o = () => sw as OfSwitch;
const ofctl = (cmd: string, ...args: string[]) => o().ofctl(cmd, o().tcp, ...args);
/** The one flow that sends the marked frames from s into a group. */
const useGroup = (id: number) => ofctl("add-flow", `priority=10,in_port=1,dl_src=${MARK_SRC},actions=group:${id}`);

const dst = (i: number) =>
  `02:00:00:00:${(i >> 8).toString(16).padStart(2, "0")}:${(i & 0xff).toString(16).padStart(2, "0")}`;

/** Sends frames to the given destinations from s; returns what a and b received (dst MACs). */
async function exchange(dsts: string[], waitSecs = 3): Promise<{ a: string[]; b: string[] }> {
  const sa = sniff(a.ns, a.peer, dsts.length, waitSecs);
  const sb = sniff(b.ns, b.peer, dsts.length, waitSecs);
  await Promise.all([sa.ready, sb.ready]);
  await sendFrames(
    s.ns,
    s.peer,
    dsts.map((d) => frame({ dst: d })),
  );
  const macOf = (f: Uint8Array) => Buffer.from(f.subarray(0, 6)).toString("hex").match(/../g)?.join(":") ?? "";
  const [ra, rb] = await Promise.all([sa.frames, sb.frames]);
  return { a: ra.map(macOf), b: rb.map(macOf) };
}

interface GroupStatsLine {
  packets: number;
  buckets: number[];
}

/** Parses dump-group-stats: group_id → packet_count and the buckets' packet counts. */
function parseGroupStats(out: string): Map<number, GroupStatsLine> {
  const stats = new Map<number, GroupStatsLine>();
  for (const line of out.split("\n")) {
    const id = line.match(/group_id=(\d+)/);
    const packets = line.match(/,packet_count=(\d+)/);
    if (!id || !packets) continue;
    const buckets = [...line.matchAll(/bucket\d+:packet_count=(\d+)/g)].map((m) => Number(m[1]));
    stats.set(Number(id[1]), { packets: Number(packets[1]), buckets });
  }
  return stats;
}

const groupStats = async () => parseGroupStats(await ofctl("dump-group-stats"));

/** Waits until the fast path's counts for group `id` reached what was sent (stats come late). */
function statsOf(id: number, want: (g: GroupStatsLine) => boolean): Promise<GroupStatsLine | undefined> {
  return pollUntil(
    `group ${id} counters`,
    async () => (await groupStats()).get(id),
    (g) => g !== undefined && want(g),
  );
}

/** dump-groups, one normalized line per group. */
async function dumpGroups(): Promise<string[]> {
  const out = await ofctl("dump-groups");
  return out
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.startsWith("group_id="))
    .sort();
}

describe("groups with ovs-ofctl", () => {
  it("add-group of each type reads back from dump-groups as added; dump-group-features tells the truth", async () => {
    const groups = [
      "group_id=1,type=all,bucket=actions=output:2,bucket=actions=output:3",
      "group_id=2,type=select,bucket=weight:3,actions=output:2,bucket=weight:2,actions=output:3",
      "group_id=3,type=indirect,bucket=actions=output:3",
      "group_id=4,type=ff,bucket=watch_port:2,actions=output:2,bucket=watch_port:3,actions=output:3",
    ];
    for (const g of groups) await ofctl("add-group", g);
    expect(await dumpGroups()).toEqual(groups);
    const features = await ofctl("dump-group-features");
    // Types ALL|SELECT|INDIRECT|FF; capabilities SELECT_WEIGHT|SELECT_LIVENESS|CHAINING|CHAINING_CHECKS.
    expect(features).toMatch(/Types: +0xf\n/);
    expect(features).toMatch(/Capabilities: +0xf\n/);
    for (const type of ["all", "select", "indirect", "fast failover"]) {
      expect(features).toContain(
        `${type} group:\n       max_groups=0x10000\n       actions: output group set_field strip_vlan push_vlan mod_nw_ttl dec_ttl set_mpls_ttl dec_mpls_ttl push_mpls pop_mpls set_queue\n`,
      );
    }
    // A second add of an existing id is refused with the spec's code.
    await expect(ofctl("add-group", groups[0])).rejects.toThrow(/OFPGMFC_GROUP_EXISTS/);
  });

  it("ALL floods every frame to both receivers; the group and both buckets count them", async () => {
    await useGroup(1);
    const dsts = Array.from({ length: 10 }, (_, i) => dst(i));
    const got = await exchange(dsts);
    expect(got.a.sort()).toEqual([...dsts].sort());
    expect(got.b.sort()).toEqual([...dsts].sort());
    const g = await statsOf(1, (x) => x.packets >= 10);
    expect(g).toEqual({ packets: 10, buckets: [10, 10] });
  });

  it("SELECT spreads flows over its buckets, every frame of a flow to the same one", async () => {
    await useGroup(2);
    const flows = Array.from({ length: 24 }, (_, i) => dst(0x100 + i));
    const dsts = flows.flatMap((d) => [d, d, d]);
    const got = await exchange(dsts);
    expect(got.a.length + got.b.length).toBe(dsts.length);
    const onA = new Set(got.a);
    const onB = new Set(got.b);
    for (const f of flows) expect(onA.has(f) !== onB.has(f), `${f} went to exactly one bucket`).toBe(true);
    for (const f of onA) expect(got.a.filter((x) => x === f)).toHaveLength(3);
    expect(onA.size).toBeGreaterThan(0);
    expect(onB.size).toBeGreaterThan(0);
    // The same flows again land where they did.
    const again = await exchange(flows);
    expect(new Set(again.a)).toEqual(onA);
    expect(new Set(again.b)).toEqual(onB);
    const total = dsts.length + flows.length;
    const g = await statsOf(2, (x) => x.packets >= total);
    expect(g).toEqual({ packets: total, buckets: [got.a.length + again.a.length, got.b.length + again.b.length] });
  });

  it("INDIRECT sends to its bucket; mod-group retargets it", async () => {
    await useGroup(3);
    const first = await exchange(
      Array.from({ length: 5 }, (_, i) => dst(0x200 + i)),
      2,
    );
    expect([first.a.length, first.b.length]).toEqual([0, 5]);
    await ofctl("mod-group", "group_id=3,type=indirect,bucket=actions=output:2");
    const second = await exchange(
      Array.from({ length: 5 }, (_, i) => dst(0x210 + i)),
      2,
    );
    expect([second.a.length, second.b.length]).toEqual([5, 0]);
    // MODIFY zeroes the group's counters: only the frames after it.
    expect(await statsOf(3, (x) => x.packets >= 5)).toEqual({ packets: 5, buckets: [5] });
  });

  it("FAST_FAILOVER moves to the next bucket when the watched veth goes down, and back when it is up", async () => {
    await useGroup(4);
    const before = await exchange(
      Array.from({ length: 5 }, (_, i) => dst(0x300 + i)),
      2,
    );
    expect([before.a.length, before.b.length]).toEqual([5, 0]);
    let sent = 5;
    let toB = 0;
    sh("ip", ["link", "set", a.host, "down"]);
    try {
      // The link poll notices within a second or so; until then frames go to the dead bucket.
      await pollUntil(
        "frames to fail over to b",
        async () => {
          const r = await exchange([dst(0x3ff)], 0.5);
          sent++;
          toB += r.b.length;
          return r.b.length;
        },
        (n) => n === 1,
        15_000,
        0,
      );
      const after = await exchange(
        Array.from({ length: 5 }, (_, i) => dst(0x310 + i)),
        2,
      );
      sent += 5;
      toB += after.b.length;
      expect([after.a.length, after.b.length]).toEqual([0, 5]);
      const g = await statsOf(4, (x) => x.packets >= sent);
      expect(g).toEqual({ packets: sent, buckets: [sent - toB, toB] });
    } finally {
      sh("ip", ["link", "set", a.host, "up"]);
    }
    await pollUntil(
      "frames back on a",
      async () => (await exchange([dst(0x3fe)], 0.5)).a.length,
      (n) => n === 1,
      15_000,
      0,
    );
  });

  it("del-groups of one group removes the flows that use it; del-groups removes every group", async () => {
    await ofctl("add-flow", "priority=20,in_port=2,actions=group:1");
    await ofctl("add-flow", "table=1,priority=5,actions=write_actions(group:1)");
    await ofctl("add-flow", "priority=5,in_port=3,actions=output:1");
    await useGroup(4);
    await ofctl("del-groups", "group_id=1");
    const flows = (await o().dumpFlows()).map((f) => `${f.table}|${f.match}|${f.actions}`).sort();
    expect(flows).toEqual(["0|in_port=1,dl_src=02:77:76:73:00:01|group:4", "0|in_port=3|output:1"].sort());
    expect((await dumpGroups()).map((l) => l.split(",")[0])).toEqual(["group_id=2", "group_id=3", "group_id=4"]);
    await ofctl("del-groups");
    expect(await dumpGroups()).toEqual([]);
    expect((await o().dumpFlows()).map((f) => f.actions)).toEqual(["output:1"]);
  });

  it("a flow naming a group that does not exist is refused (BAD_OUT_GROUP)", async () => {
    await expect(ofctl("add-flow", "priority=30,actions=group:9")).rejects.toThrow(/OFPBAC_BAD_OUT_GROUP/);
  });
});

describe("the OpenFlow bytes of this file", () => {
  it("tshark dissects every one exchanged above (GROUP_MOD and the group MULTIPART replies): zero malformed", async () => {
    const rec = await (sw as OfSwitch).dissect();
    expectCleanRecording(rec);
    const seen = (t: number) => (countTypes(rec.tcp).get(t) ?? 0) + (countTypes(rec.unix).get(t) ?? 0);
    for (const t of [15, 19]) expect({ type: t, seen: seen(t) > 0 }).toEqual({ type: t, seen: true });
  });
});
