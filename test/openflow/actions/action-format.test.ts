import { describe, expect, it } from "vitest";
import {
  type ActionState,
  formatActions,
  parseActions,
  splitTopLevel,
} from "../../../openflow/actions/action-format.ts";
import type { Action } from "../../../openflow/actions/actions.ts";
import { OFPP } from "../../../openflow/constants.ts";

const untagged = (): ActionState => ({ tagged: false });

describe("formatActions prints what ovs-ofctl prints", () => {
  // ovs-ofctl 3.1's output for the same actions (parse-flow / dump-flows).
  const cases: Array<[Action[], string]> = [
    [
      [
        { type: "pop_vlan" },
        { type: "output", port: 2, maxLen: 0 },
        { type: "output", port: OFPP.CONTROLLER, maxLen: 65535 },
        { type: "output", port: OFPP.CONTROLLER, maxLen: 100 },
      ],
      "pop_vlan,output:2,CONTROLLER:65535,CONTROLLER:100",
    ],
    [
      [
        { type: "output", port: OFPP.IN_PORT, maxLen: 0 },
        { type: "output", port: OFPP.NORMAL, maxLen: 0 },
        { type: "output", port: OFPP.FLOOD, maxLen: 0 },
        { type: "output", port: OFPP.ALL, maxLen: 0 },
        { type: "output", port: OFPP.LOCAL, maxLen: 0 },
        { type: "output", port: 65279, maxLen: 0 },
      ],
      "IN_PORT,NORMAL,FLOOD,ALL,LOCAL,output:65279",
    ],
    [
      [
        { type: "dec_nw_ttl" },
        { type: "set_nw_ttl", ttl: 5 },
        { type: "set_queue", queueId: 3 },
        { type: "group", groupId: 4 },
      ],
      "dec_ttl,mod_nw_ttl:5,set_queue:3,group:4",
    ],
    [
      [
        { type: "push_mpls", ethertype: 0x8847 },
        { type: "set_mpls_ttl", ttl: 3 },
        { type: "dec_mpls_ttl" },
        { type: "pop_mpls", ethertype: 0x0800 },
        { type: "push_vlan", ethertype: 0x88a8 },
      ],
      "push_mpls:0x8847,set_mpls_ttl(3),dec_mpls_ttl,pop_mpls:0x0800,push_vlan:0x88a8",
    ],
    [
      [
        { type: "push_mpls", ethertype: 0x8848 },
        { type: "set_field", field: { name: "mpls_label", value: 1000 } },
        { type: "set_field", field: { name: "mpls_tc", value: 5 } },
        { type: "set_field", field: { name: "mpls_bos", value: 1 } },
        { type: "copy_ttl_in" },
        { type: "copy_ttl_out" },
      ],
      "push_mpls:0x8848,set_field:1000->mpls_label,set_field:5->mpls_tc,set_field:1->mpls_bos,copy_ttl_in,copy_ttl_out",
    ],
    [
      [
        { type: "set_field", field: { name: "vlan_vid", value: 4106 } },
        { type: "set_field", field: { name: "eth_src", value: Uint8Array.from([0, 0, 0, 0, 0, 1]) } },
        { type: "set_field", field: { name: "ipv4_src", value: 0x01020304 } },
        { type: "set_field", field: { name: "ip_ecn", value: 3 } },
        { type: "set_field", field: { name: "tunnel_id", value: 5n } },
        { type: "set_field", field: { name: "ipv6_flabel", value: 0 } },
        { type: "set_field", field: { name: "icmpv4_type", value: 3 } },
      ],
      "set_field:4106->vlan_vid,set_field:00:00:00:00:00:01->eth_src,set_field:1.2.3.4->ip_src,set_field:3->nw_ecn,set_field:0x5->tun_id,set_field:0->ipv6_label,set_field:3->icmp_type",
    ],
  ];
  for (const [actions, text] of cases) {
    it(text.slice(0, 50), () => {
      expect(formatActions(actions)).toBe(text);
      expect(parseActions(text, { tagged: true, ipProto: 6 })).toEqual(actions);
    });
  }
  it("prints copy_ttl and pbb actions under their OpenFlow names (OVS has none)", () => {
    const list: Action[] = [{ type: "copy_ttl_in" }, { type: "copy_ttl_out" }, { type: "push_pbb", ethertype: 0x88e7 }];
    expect(formatActions(list)).toBe("copy_ttl_in,copy_ttl_out,push_pbb:0x88e7");
    expect(parseActions(formatActions(list), untagged())).toEqual(list);
  });
});

describe("parseActions maps ovs-ofctl's shorthands as ovs-ofctl does", () => {
  const text = (s: string, state = untagged()) => formatActions(parseActions(s, state));
  it("mod_vlan_vid / mod_vlan_pcp push a tag only when the packet has none", () => {
    expect(text("mod_vlan_vid:5")).toBe("push_vlan:0x8100,set_field:4101->vlan_vid");
    expect(text("mod_vlan_vid:5,mod_vlan_pcp:3")).toBe(
      "push_vlan:0x8100,set_field:4101->vlan_vid,set_field:3->vlan_pcp",
    );
    expect(text("mod_vlan_pcp:5", { tagged: true })).toBe("set_field:5->vlan_pcp");
    expect(text("push_vlan:0x8100,mod_vlan_vid:5")).toBe("push_vlan:0x8100,set_field:4101->vlan_vid");
    expect(text("strip_vlan,mod_vlan_vid:5", { tagged: true })).toBe(
      "pop_vlan,push_vlan:0x8100,set_field:4101->vlan_vid",
    );
  });
  it("mod_dl_*, mod_nw_*, mod_tp_* become set_field of the 1.3 fields", () => {
    expect(text("mod_dl_dst:00:00:00:00:00:02,mod_nw_dst:5.6.7.8,mod_nw_tos:16,mod_nw_ecn:2")).toBe(
      "set_field:00:00:00:00:00:02->eth_dst,set_field:5.6.7.8->ip_dst,set_field:4->ip_dscp,set_field:2->nw_ecn",
    );
    expect(text("mod_tp_src:5", { tagged: false, ipProto: 17 })).toBe("set_field:5->udp_src");
    expect(text("mod_tp_dst:5", { tagged: false, ipProto: 132 })).toBe("set_field:5->sctp_dst");
  });
  it("reads bare ports and the controller forms", () => {
    expect(text("2,in_port,controller,controller:7,controller(max_len=9),output:controller")).toBe(
      "output:2,IN_PORT,CONTROLLER:65535,CONTROLLER:7,CONTROLLER:9,CONTROLLER:65535",
    );
  });
  it("rejects bad actions, naming them", () => {
    for (const [bad, msg] of [
      ["resubmit(,3)", /unknown action "resubmit\(,3\)"/],
      ["output:", /"output:" needs a port/],
      ["group:x", /"group:x"/],
      ["set_mpls_ttl:300", /"set_mpls_ttl:300".*8 bits/],
      ["mod_vlan_vid:4096", /"mod_vlan_vid:4096"/],
      ["pop_vlan:1", /takes no argument/],
      ["set_field:1.2.3->ip_src", /"set_field:1.2.3->ip_src"/],
    ] as Array<[string, RegExp]>) {
      expect(() => parseActions(bad, untagged()), bad).toThrow(msg);
    }
  });
  it("splits on top-level commas only", () => {
    expect(splitTopLevel("a,write_actions(b,c), d")).toEqual(["a", "write_actions(b,c)", "d"]);
    expect(() => splitTopLevel("a(")).toThrow(/unbalanced/);
  });
});
