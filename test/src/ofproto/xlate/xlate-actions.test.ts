// Translation of each instruction and action kind: the exact datapath action bytes and the
// exact megaflow mask. Tables here are a fixed-answer stub whose lookups record nothing, so
// every mask bit below was recorded by the translator itself.

import { beforeAll, describe, expect, it } from "vitest";
import { OFPP } from "../../../../openflow/constants.ts";
import { OFPGT_TYPES } from "../../../../openflow/messages/group-mod.ts";
import { A, ActionList, DROP_REASON, describeActions } from "../../../../src/datapath/datapath-actions.ts";
import { createFastPath, type FastPath } from "../../../../src/datapath/fastpath-module.ts";
import { KEY, KeyMask, PRESENT } from "../../../../src/datapath/flow-key.ts";
import { PACKET_IN_REASON } from "../../../../src/ofproto/xlate/controller-userdata.ts";
import { type XlateResult, xlatePipeline } from "../../../../src/ofproto/xlate/xlate.ts";
import {
  apply,
  DP,
  env,
  FixedTables,
  flowOf,
  Groups,
  goto,
  grp,
  macBytes,
  meta,
  out,
  popVlan,
  ports,
  pushVlan,
  setf,
  write,
} from "./xlate-harness.ts";

let fp: FastPath;
beforeAll(async () => {
  fp = await createFastPath({ buffers: 64 });
});

// Frames built by scapy (test/fixtures/scapy-set-fields.py).
const ARP_REQUEST = "020000000002020000000001080600010800060400010200000000010a0000010000000000000a000002";
const ICMP4_ECHO =
  "02000000000202000000000108004500002800010000400166d20a0000010a0000020800bc690007000170696e672d7061796c6f6164";
const ICMP6_ECHO =
  "02000000000202000000000186dd60000000000c3a4020010db800000000000000000000000120010db8000000000000000000000002800045700001000270696e67";
const ND_NS =
  "02000000000202000000000186dd6000000000203aff20010db8000000000000000000000001ff0200000000000000000001ff00009987001af90000000020010db80000000000000000000000990101020000000001";
const hexBytes = (h: string) => Uint8Array.from(Buffer.from(h, "hex"));

const base = () => new KeyMask().inPort().presentBits(PRESENT.ETH);
const ipv4Read = (mk: KeyMask) => mk.presentBits(PRESENT.IPV4).field(KEY.ETH_TYPE, 2);
const vlanRead = (mk: KeyMask) => mk.vlan().presentBits(PRESENT.VLAN2).field(KEY.VLAN2_TCI, 2);

function expectXlate(r: XlateResult, list: ActionList, mask: KeyMask): void {
  expect(r.failed).toBeUndefined();
  expect(describeActions(r.actions)).toBe(describeActions(list.bytes()));
  expect(r.actions).toEqual(list.bytes());
  expect(r.mask).toEqual(mask.bytes);
}

function run(instructions: Parameters<FixedTables["set"]>[1], f = {}, inPort = 1, groups = new Groups()) {
  const t = new FixedTables().set(0, instructions);
  return xlatePipeline(env(t, ports(4), groups), flowOf(fp, f, inPort));
}

describe("outputs", () => {
  it("output:N is the datapath port of N", () => {
    expectXlate(run([apply(out(2))]), new ActionList().output(DP(2)), base());
  });

  it("output to the input port is skipped; IN_PORT sends there", () => {
    const r = run([apply(out(1), out(OFPP.IN_PORT))]);
    expectXlate(r, new ActionList().output(DP(1)), base());
    expect(r.trace.text()).toMatch(/skipped, it is the input port/);
  });

  it("FLOOD skips the ingress, dead ports and NO_FLOOD ports; ALL keeps NO_FLOOD", () => {
    const pm = ports(5, { 3: { noFlood: true }, 4: { live: false } });
    const t = new FixedTables().set(0, [apply(out(OFPP.FLOOD))]);
    const r = xlatePipeline(env(t, pm), flowOf(fp, {}, 1));
    expectXlate(r, new ActionList().output(DP(2)).output(DP(5)), base());
    const t2 = new FixedTables().set(0, [apply(out(OFPP.ALL))]);
    expectXlate(
      xlatePipeline(env(t2, pm), flowOf(fp, {}, 1)),
      new ActionList().output(DP(2)).output(DP(3)).output(DP(5)),
      base(),
    );
  });

  it("a wide FLOOD uses one output set when the port map offers sets", () => {
    const pm = ports(10);
    pm.portSet = (dp) => (dp.length === 9 ? 7 : undefined);
    const t = new FixedTables().set(0, [apply(out(OFPP.FLOOD))]);
    expectXlate(xlatePipeline(env(t, pm), flowOf(fp, {}, 1)), new ActionList().outputSet(7), base());
  });

  it("output to a missing or dead port is skipped", () => {
    const pm = ports(3, { 3: { live: false } });
    const t = new FixedTables().set(0, [apply(out(9), out(3), out(2))]);
    expectXlate(xlatePipeline(env(t, pm), flowOf(fp, {}, 1)), new ActionList().output(DP(2)), base());
  });

  it("CONTROLLER is a userspace action whose userdata decodes to reason, table, cookie, max_len", () => {
    const t = new FixedTables().set(0, [apply(out(OFPP.CONTROLLER, 128))], 5, 0xabcn);
    const e = env(t);
    const r = xlatePipeline(e, flowOf(fp, {}, 1));
    const ud = r.actions[4] | (r.actions[5] << 8) | (r.actions[6] << 16) | (r.actions[7] << 24);
    expectXlate(r, new ActionList().userspace(ud >>> 0), base());
    expect(e.controller.decode(ud >>> 0)).toEqual({
      reason: PACKET_IN_REASON.ACTION,
      tableId: 0,
      cookie: 0xabcn,
      maxLen: 128,
      metadata: 0n,
      tunnelId: 0n,
    });
    // A table-miss entry (priority 0, empty match) reports NO_MATCH.
    const miss = new FixedTables().set(0, [apply(out(OFPP.CONTROLLER, 0xffff))], 0);
    const e2 = env(miss);
    const r2 = xlatePipeline(e2, flowOf(fp, {}, 1));
    const ud2 = new DataView(r2.actions.buffer).getUint32(4, true);
    expect(e2.controller.decode(ud2)?.reason).toBe(PACKET_IN_REASON.NO_MATCH);
    expect(ud2 >>> 30).toBe(1);
  });

  it("CONTROLLER after write_metadata and set_field tunnel_id carries both; the mask stays the same", () => {
    const t = new FixedTables()
      .set(0, [meta(0xabcdn, 0xffffn), apply(setf("tunnel_id", 0x77n)), goto(1)])
      .set(1, [apply(out(OFPP.CONTROLLER, 0xffff))]);
    const e = env(t);
    const r = xlatePipeline(e, flowOf(fp, {}, 1));
    const ud = new DataView(r.actions.buffer, r.actions.byteOffset).getUint32(4, true);
    expectXlate(r, new ActionList().userspace(ud), base());
    expect(e.controller.decode(ud)).toMatchObject({ tableId: 1, metadata: 0xabcdn, tunnelId: 0x77n });
    // Another metadata value is another handle; the same one shares it.
    const other = new FixedTables().set(0, [meta(1n, 1n), goto(1)]).set(1, [apply(out(OFPP.CONTROLLER, 0xffff))]);
    const r2 = xlatePipeline({ ...e, tables: other }, flowOf(fp, {}, 1));
    const ud2 = new DataView(r2.actions.buffer, r2.actions.byteOffset).getUint32(4, true);
    expect(ud2).not.toBe(ud);
    expect(e.controller.decode(ud2)).toMatchObject({ metadata: 1n, tunnelId: 0n });
    expect(xlatePipeline(e, flowOf(fp, {}, 1)).actions).toEqual(r.actions);
  });

  it("LOCAL maps through the port map", () => {
    const pm = ports(2).add({ ofPort: OFPP.LOCAL, dpPort: 0, name: "br0", live: true });
    const t = new FixedTables().set(0, [apply(out(OFPP.LOCAL))]);
    expectXlate(xlatePipeline(env(t, pm), flowOf(fp, {}, 1)), new ActionList().output(0), base());
  });
});

describe("set_field and header actions", () => {
  it("eth_src/eth_dst need no reads", () => {
    const r = run([apply(setf("eth_dst", macBytes("02:aa:00:00:00:01")), out(2))]);
    expectXlate(r, new ActionList().setEthDst(macBytes("02:aa:00:00:00:01")).output(DP(2)), base());
  });

  it("ipv4_src on IPv4 un-wildcards eth_type and the IPv4 presence bit", () => {
    const r = run([apply(setf("ipv4_src", 0x0a000063), out(2))]);
    expectXlate(r, new ActionList().setIpv4Src(Uint8Array.of(10, 0, 0, 99)).output(DP(2)), ipv4Read(base()));
  });

  it("ipv4_dst on a non-IP frame is skipped — having read that it is not IPv4", () => {
    const r = run([apply(setf("ipv4_dst", 0x0a000063), out(2))], { l3: "other" });
    expectXlate(r, new ActionList().output(DP(2)), ipv4Read(base()));
    expect(r.trace.text()).toMatch(/skipped/);
  });

  it("udp_dst sets the port; tcp_dst on UDP is skipped; both read ip_proto", () => {
    const mask = base()
      .presentBits(PRESENT.UDP | PRESENT.TCP)
      .field(KEY.ETH_TYPE, 2)
      .field(KEY.IP_PROTO, 1);
    const r = run([apply(setf("tcp_dst", 80), setf("udp_dst", 53), out(2))]);
    expectXlate(r, new ActionList().setTpDst(53).output(DP(2)), mask);
  });

  it("ip_dscp and ipv6 addresses", () => {
    const mask = base()
      .presentBits(PRESENT.IPV4 | PRESENT.IPV6)
      .field(KEY.ETH_TYPE, 2);
    const r = run([apply(setf("ip_dscp", 46), setf("ipv6_src", new Uint8Array(16).fill(1)), out(2))]);
    expectXlate(r, new ActionList().setDscp(46).output(DP(2)), mask);
  });

  it("push_vlan then set vlan_vid is one push with the final TCI; the whole stack is read", () => {
    const r = run([apply(pushVlan(), setf("vlan_vid", 0x1000 | 100), setf("vlan_pcp", 3), out(2))]);
    expectXlate(r, new ActionList().pushVlan(0x8100, (3 << 13) | 100).output(DP(2)), vlanRead(base()));
  });

  it("push_vlan copies the outer tag (QinQ with 0x88a8)", () => {
    const r = run([apply(pushVlan(0x88a8), out(2))], { vlans: [{ vid: 10, pcp: 2 }] });
    expectXlate(r, new ActionList().pushVlan(0x88a8, (2 << 13) | 10).output(DP(2)), vlanRead(base()));
  });

  it("pop_vlan on a tagged frame; set vlan_vid on a tagged frame is set_vlan_vid", () => {
    expectXlate(
      run([apply(popVlan, out(2))], { vlans: [{ vid: 10 }] }),
      new ActionList().popVlan().output(DP(2)),
      vlanRead(base()),
    );
    expectXlate(
      run([apply(setf("vlan_vid", 0x1000 | 20), out(2))], { vlans: [{ vid: 10 }] }),
      new ActionList().setVlanVid(20).output(DP(2)),
      vlanRead(base()),
    );
  });

  it("rewrites are emitted lazily, before the output that sees them, and only once", () => {
    const r = run([apply(out(2), setf("eth_src", macBytes("02:bb:00:00:00:01")), out(3), out(4))]);
    expectXlate(
      r,
      new ActionList().output(DP(2)).setEthSrc(macBytes("02:bb:00:00:00:01")).output(DP(3)).output(DP(4)),
      base(),
    );
  });

  it("dec_nw_ttl is dec_ttl carrying the rule's table and cookie", () => {
    const t = new FixedTables().set(0, [goto(3)]).set(3, [apply({ type: "dec_nw_ttl" }, out(2))], 10, 0xabcn);
    const e = env(t, ports(4));
    const r = xlatePipeline(e, flowOf(fp, {}, 1));
    const ud = new DataView(r.actions.buffer, r.actions.byteOffset).getUint32(4, true);
    expectXlate(r, new ActionList().decTtl(ud).output(DP(2)), base());
    expect(e.controller.decode(ud)).toEqual({
      reason: PACKET_IN_REASON.INVALID_TTL,
      tableId: 3,
      cookie: 0xabcn,
      maxLen: 0xffff,
      metadata: 0n,
      tunnelId: 0n,
    });
  });

  it("set_nw_ttl is set_ttl to any value and reads only the IP layer", () => {
    const mask = base()
      .presentBits(PRESENT.IPV4 | PRESENT.IPV6)
      .field(KEY.ETH_TYPE, 2);
    for (const ttl of [62, 100, 255, 0]) {
      expectXlate(
        run([apply({ type: "set_nw_ttl", ttl }, out(2))], { ttl: 64 }),
        new ActionList().setByte(A.SET_TTL, ttl).output(DP(2)),
        mask,
      );
    }
    // A decrement before the set runs first (its expiry check); one after it folds into the value.
    const decSet = run([apply({ type: "dec_nw_ttl" }, { type: "set_nw_ttl", ttl: 9 }, { type: "dec_nw_ttl" }, out(2))]);
    const ud = new DataView(decSet.actions.buffer, decSet.actions.byteOffset).getUint32(4, true);
    expectXlate(decSet, new ActionList().decTtl(ud).setByte(A.SET_TTL, 8).output(DP(2)), mask);
    expect(run([apply({ type: "set_nw_ttl", ttl: 1 }, { type: "dec_nw_ttl" }, out(2))]).failed).toMatch(
      /dec_nw_ttl after set_nw_ttl:1/,
    );
    // Not IP: skipped, nothing emitted.
    expectXlate(
      run([apply({ type: "set_nw_ttl", ttl: 5 }, out(2))], { l3: "other" }),
      new ActionList().output(DP(2)),
      mask,
    );
  });

  it("set_field ip_ecn / icmp / arp / nd fields: one record each, the layer (and ip_proto) read", () => {
    const ipRead = base()
      .presentBits(PRESENT.IPV4 | PRESENT.IPV6)
      .field(KEY.ETH_TYPE, 2);
    expectXlate(
      run([apply(setf("ip_ecn", 3), setf("ip_dscp", 10), out(2))], { tos: 0x04 }),
      new ActionList().setDscp(10).setByte(A.SET_ECN, 3).output(DP(2)),
      ipRead,
    );
    const icmpRead = (layer: number) => base().presentBits(layer).field(KEY.ETH_TYPE, 2).field(KEY.IP_PROTO, 1);
    expectXlate(
      xlatePipeline(
        env(new FixedTables().set(0, [apply(setf("icmpv4_type", 0), setf("icmpv4_code", 3), out(2))]), ports(4)),
        flowOf(fp, hexBytes(ICMP4_ECHO), 1),
      ),
      new ActionList().setByte(A.SET_ICMP4_TYPE, 0).setByte(A.SET_ICMP4_CODE, 3).output(DP(2)),
      icmpRead(PRESENT.ICMP4),
    );
    expectXlate(
      xlatePipeline(
        env(new FixedTables().set(0, [apply(setf("icmpv6_type", 129), out(2))]), ports(4)),
        flowOf(fp, hexBytes(ICMP6_ECHO), 1),
      ),
      new ActionList().setByte(A.SET_ICMP6_TYPE, 129).output(DP(2)),
      icmpRead(PRESENT.ICMP6),
    );
    const sha = macBytes("0a:0b:0c:0d:0e:0f");
    expectXlate(
      xlatePipeline(
        env(
          new FixedTables().set(0, [
            apply(setf("arp_op", 2), setf("arp_spa", 0xc0a80001), setf("arp_sha", sha), out(2)),
          ]),
          ports(4),
        ),
        flowOf(fp, hexBytes(ARP_REQUEST), 1),
      ),
      new ActionList()
        .setArpOp(2)
        .setAddr(A.SET_ARP_SPA, Uint8Array.of(192, 168, 0, 1))
        .setAddr(A.SET_ARP_SHA, sha)
        .output(DP(2)),
      base().presentBits(PRESENT.ARP).field(KEY.ETH_TYPE, 2),
    );
    expectXlate(
      xlatePipeline(
        env(
          new FixedTables().set(0, [apply(setf("ipv6_nd_sll", sha), setf("ipv6_flabel", 0xabcde), out(2))]),
          ports(4),
        ),
        flowOf(fp, hexBytes(ND_NS), 1),
      ),
      new ActionList().setIpv6Label(0xabcde).setAddr(A.SET_ND_SLL, sha).output(DP(2)),
      base()
        .presentBits(PRESENT.ND | PRESENT.IPV6)
        .field(KEY.ETH_TYPE, 2)
        .field(KEY.IP_PROTO, 1),
    );
  });

  it("a set_field whose layer the packet lacks is skipped, its layer bit un-wildcarded", () => {
    // UDP frame: no ICMP, no ARP.
    const r = run([apply(setf("icmpv4_type", 0), setf("arp_op", 2), out(2))]);
    expectXlate(
      r,
      new ActionList().output(DP(2)),
      base()
        .presentBits(PRESENT.ICMP4 | PRESENT.ARP)
        .field(KEY.ETH_TYPE, 2)
        .field(KEY.IP_PROTO, 1),
    );
    expect(r.trace.text()).toMatch(/skipped/);
  });

  it("set_queue and meter are accepted without datapath actions", () => {
    const r = run([{ type: "meter", meterId: 1 }, apply({ type: "set_queue", queueId: 3 }, out(2))]);
    expectXlate(r, new ActionList().output(DP(2)), base());
    expect(r.trace.text()).toMatch(/meter:1.*accepted/);
  });
});

describe("fail closed", () => {
  // MPLS and the TTL copies are translated now (xlate-mpls.test.ts); PBB still is not.
  for (const a of [{ type: "push_pbb", ethertype: 0x88e7 }, { type: "pop_pbb" }] as const) {
    it(`${a.type}: drop megaflow, counted, trace says why`, () => {
      const r = run([apply(out(2), a, out(3))]);
      expect(r.failed).toMatch(new RegExp(a.type));
      expect(r.actions).toEqual(new ActionList().drop(DROP_REASON.XLATE_FAILED).bytes());
      expect(r.trace.of("fail")).toHaveLength(1);
    });
  }

  it("set_field of a read-only field (eth_type, ip_proto: FLOW_MOD refuses them) fails closed", () => {
    expect(run([apply(setf("eth_type", 0x86dd), out(2))]).failed).toMatch(/eth_type/);
    expect(run([write(setf("ip_proto", 6), out(2))]).failed).toMatch(/ip_proto/);
  });
});

describe("groups restore what a bucket changed", () => {
  it("ALL: each bucket sees the packet as it entered the group", () => {
    const g = new Groups().add(1, OFPGT_TYPES.ALL, [
      { actions: [setf("eth_dst", macBytes("02:cc:00:00:00:01")), out(2)] },
      { actions: [out(3)] },
    ]);
    const r = run([apply(grp(1), out(4))], { dst: "02:00:00:00:00:09" }, 1, g);
    const orig = macBytes("02:00:00:00:00:09");
    expectXlate(
      r,
      new ActionList()
        .setEthDst(macBytes("02:cc:00:00:00:01"))
        .output(DP(2))
        .setEthDst(orig)
        .output(DP(3))
        .output(DP(4)),
      base().ethDst(),
    );
  });

  it("a VLAN pushed in a bucket is popped before the next output", () => {
    const g = new Groups().add(1, OFPGT_TYPES.INDIRECT, [{ actions: [pushVlan(), setf("vlan_vid", 0x1005), out(2)] }]);
    const r = run([apply(grp(1), out(3))], {}, 1, g);
    expectXlate(r, new ActionList().pushVlan(0x8100, 5).output(DP(2)).popVlan().output(DP(3)), vlanRead(base()));
  });
});
