// The ActionList encoders for every record type of assembly/actions/action-format.ts: exact
// bytes for a few, the fast path's own validator accepting all, and describeActions' words.

import { beforeAll, describe, expect, it } from "vitest";
import { ActionList, describeActions, SET_EXCLUDE_IN } from "../../../../src/datapath/datapath-actions.ts";
import { createFastPath, type FastPath } from "../../../../src/datapath/fastpath-module.ts";
import { macBytes } from "./xlate-harness.ts";

let fp: FastPath;
beforeAll(async () => {
  fp = await createFastPath({ buffers: 16 });
});

describe("ActionList encoders", () => {
  it("write the payloads drawn in action-format.ts", () => {
    expect([...new ActionList().setTpDst(0x1234).bytes()]).toEqual([17, 0, 8, 0, 0x34, 0x12, 0, 0]);
    expect([...new ActionList().setIpv4Src(Uint8Array.of(10, 0, 0, 1)).bytes()]).toEqual([10, 0, 8, 0, 10, 0, 0, 1]);
    expect([...new ActionList().outputSet(3, SET_EXCLUDE_IN).bytes()]).toEqual([2, 0, 8, 0, 3, 0, 1, 0]);
    expect([...new ActionList().decTtl().bytes()]).toEqual([15, 0, 8, 0, 0, 0, 0, 0]);
    expect([...new ActionList().decTtl(0x80000102).bytes()]).toEqual([15, 0, 8, 0, 2, 1, 0, 0x80]);
    expect([...new ActionList().pushMpls(0x8847).bytes()]).toEqual([21, 0, 8, 0, 0x47, 0x88, 0, 0]);
    expect([...new ActionList().popMpls(0x0800).bytes()]).toEqual([22, 0, 8, 0, 0, 8, 0, 0]);
    expect([...new ActionList().setMplsLse(0x3e8000, 0xfffff000).bytes()]).toEqual([
      23, 0, 12, 0, 0, 0x80, 0x3e, 0, 0, 0xf0, 0xff, 0xff,
    ]);
    expect([...new ActionList().decMplsTtl(7).bytes()]).toEqual([24, 0, 8, 0, 7, 0, 0, 0]);
    expect([...new ActionList().copyTtlOut().copyTtlIn().bytes()]).toEqual([25, 0, 4, 0, 26, 0, 4, 0]);
    expect([...new ActionList().sample(2, 100).bytes()]).toEqual([18, 0, 12, 0, 2, 0, 0, 0, 100, 0, 0, 0]);
    expect(() => new ActionList().setEthSrc(Uint8Array.of(1, 2))).toThrow(/6 address bytes/);
  });

  it("build lists the fast path validates, rendered record by record", () => {
    const v6 = Uint8Array.from({ length: 16 }, (_, i) => (i === 0 ? 0xfe : i === 1 ? 0x80 : i === 15 ? 1 : 0));
    const list = new ActionList()
      .outputSet(4)
      .setVlanPcp(5)
      .setEthSrc(macBytes("02:00:00:00:00:01"))
      .setEthDst(macBytes("02:00:00:00:00:02"))
      .setIpv4Src(Uint8Array.of(10, 0, 0, 1))
      .setIpv4Dst(Uint8Array.of(10, 0, 0, 2))
      .setIpv6Src(v6)
      .setIpv6Dst(v6)
      .setDscp(46)
      .decTtl()
      .setTpSrc(53)
      .setTpDst(80)
      .sample(1, 64)
      .pushMpls(0x8847)
      .setMplsLse(1000 << 12, 0xfffff000)
      .decMplsTtl(3)
      .copyTtlOut()
      .copyTtlIn()
      .popMpls(0x0800)
      .append(new ActionList().output(3).bytes())
      .bytes();
    const at = fp.classifyScratch();
    new Uint8Array(fp.memory.buffer, at, list.length).set(list);
    expect(fp.actionsListCheck(at, list.length)).toBe(-1);
    expect(describeActions(list)).toBe(
      "output_set:4,set_vlan_pcp:5,set_eth_src:02:00:00:00:00:01,set_eth_dst:02:00:00:00:00:02," +
        "set_ipv4_src:10.0.0.1,set_ipv4_dst:10.0.0.2,set_ipv6_src:fe80:0:0:0:0:0:0:1,set_ipv6_dst:fe80:0:0:0:0:0:0:1," +
        "set_dscp:46,dec_ttl,set_tp_src:53,set_tp_dst:80,sample(sampler=1,rate=64)," +
        "push_mpls:0x8847,set_mpls_lse(0x3e8000/0xfffff000),dec_mpls_ttl,copy_ttl_out,copy_ttl_in,pop_mpls:0x0800," +
        "output:3",
    );
  });
});
