// fast-check arbitraries for the classifier properties: flows and rule matches drawn from small
// value pools (so rules hit flows often), and the "same on the mask, anything elsewhere" mixer
// that the megaflow soundness property is built on.

import fc from "fast-check";
import type { OxmBasic } from "../../../openflow/match/match.ts";
import { KEY, type KeyMask } from "../../../src/datapath/flow-key.ts";
import type { PipelineFlow } from "../../../src/ofproto/pipeline-flow.ts";
import { type FlowSpec, flowOf, ip4, ip6, mac } from "./flow-fixtures.ts";

const MACS = [mac(1), mac(2), mac(3), [1, 0, 0x5e, 0, 0, 1]];
const IP4S = [ip4(10, 0, 0, 1), ip4(10, 0, 1, 2), ip4(10, 1, 0, 3), ip4(192, 168, 0, 1)];
const PORTS = [22, 80, 443, 53];

const pick = <T>(xs: readonly T[]) => fc.constantFrom(...xs);

export const flowSpecArb: fc.Arbitrary<FlowSpec> = fc
  .record({
    inPort: fc.integer({ min: 1, max: 3 }),
    metadata: pick([0n, 1n, 0x10n, 0xff00n]),
    ethDst: pick(MACS),
    ethSrc: pick(MACS),
    vlan: fc.option(fc.record({ vid: pick([10, 20, 30]), pcp: fc.integer({ min: 0, max: 7 }) }), { nil: undefined }),
    kind: pick(["ipv4", "ipv6", "arp", "other", "mpls"] as const),
    proto: pick(["tcp", "udp", "icmp", "gre"] as const),
    src: pick(IP4S),
    dst: pick(IP4S),
    sport: pick(PORTS),
    dport: pick(PORTS),
    tos: fc.integer({ min: 0, max: 255 }),
    op: pick([1, 2, 0x101]),
  })
  .map((r) => {
    const protoNum = { tcp: 6, udp: 17, icmp: r.kind === "ipv6" ? 58 : 1, gre: 47 }[r.proto];
    const l4: FlowSpec["l4"] =
      r.proto === "icmp"
        ? { kind: "icmp", type: r.sport & 0xff, code: r.dport & 3 }
        : r.proto === "gre"
          ? undefined
          : { kind: r.proto, src: r.sport, dst: r.dport };
    let l3: FlowSpec["l3"];
    if (r.kind === "ipv4") l3 = { kind: "ipv4", src: r.src, dst: r.dst, proto: protoNum, tos: r.tos };
    else if (r.kind === "ipv6") l3 = { kind: "ipv6", src: ip6(r.src & 0xff), dst: ip6(r.dst & 0xff), proto: protoNum };
    else if (r.kind === "arp") l3 = { kind: "arp", op: r.op, spa: r.src, tpa: r.dst };
    else if (r.kind === "mpls")
      l3 = { kind: "mpls", label: [16, 17, 1000][r.sport % 3], tc: r.tos & 7, bos: r.op & 1, ttl: r.dport & 0xff };
    else l3 = { kind: "other", ethType: 0x88cc };
    return { inPort: r.inPort, metadata: r.metadata, ethDst: r.ethDst, ethSrc: r.ethSrc, vlan: r.vlan, l3, l4 };
  });

export const flowArb: fc.Arbitrary<PipelineFlow> = flowSpecArb.map(flowOf);

const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 2 });
const oxm = (name: OxmBasic["name"], value: OxmBasic["value"], mask?: OxmBasic["value"]): OxmBasic =>
  mask === undefined ? { name, value } : { name, value, mask };

const prefixMask = (len: number) => (len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0);
const ip4Field = (name: "ipv4_src" | "ipv4_dst" | "arp_spa" | "arp_tpa") =>
  fc
    .tuple(pick(IP4S), pick([32, 24, 16, 8, 0]))
    .map(([a, len]) => (len === 32 ? oxm(name, a) : oxm(name, (a & prefixMask(len)) >>> 0, prefixMask(len))));

const vlanArb = fc.oneof(
  fc.constant([oxm("vlan_vid", 0)]),
  fc.constant([oxm("vlan_vid", 0x1000, 0x1000)]),
  fc
    .tuple(pick([10, 20]), opt(fc.integer({ min: 0, max: 7 })))
    .map(([vid, pcp]) => [oxm("vlan_vid", 0x1000 | vid), ...(pcp === undefined ? [] : [oxm("vlan_pcp", pcp)])]),
);

/** A match that passes validateMatch, over a handful of fields with random masks. */
export const matchArb: fc.Arbitrary<OxmBasic[]> = fc
  .record({
    inPort: opt(fc.integer({ min: 1, max: 3 })),
    ethDst: opt(
      fc.tuple(pick(MACS), pick([undefined, [1, 0, 0, 0, 0, 0], [0xff, 0xff, 0xff, 0, 0, 0]])).map(([m, k]) =>
        k === undefined
          ? oxm("eth_dst", Uint8Array.from(m))
          : oxm(
              "eth_dst",
              Uint8Array.from(m, (b, i) => b & k[i]),
              Uint8Array.from(k),
            ),
      ),
    ),
    vlan: opt(vlanArb),
    metadata: opt(pick([oxm("metadata", 0n), oxm("metadata", 0x10n, 0xf0n), oxm("metadata", 0xff00n)])),
    l3: opt(
      fc.oneof(
        fc
          .record({
            proto: opt(pick([6, 17, 1])),
            src: opt(ip4Field("ipv4_src")),
            dst: opt(ip4Field("ipv4_dst")),
            dscp: opt(fc.integer({ min: 0, max: 3 })),
            port: opt(pick(PORTS)),
          })
          .map((r) => {
            const out = [oxm("eth_type", 0x0800)];
            if (r.src) out.push(r.src);
            if (r.dst) out.push(r.dst);
            if (r.dscp !== undefined) out.push(oxm("ip_dscp", r.dscp));
            if (r.proto !== undefined) {
              out.push(oxm("ip_proto", r.proto));
              if (r.port !== undefined) {
                if (r.proto === 6) out.push(oxm("tcp_dst", r.port));
                else if (r.proto === 17) out.push(oxm("udp_src", r.port));
                else out.push(oxm("icmpv4_type", r.port & 0xff));
              }
            }
            return out;
          }),
        fc
          .record({ op: opt(pick([1, 2, 0x101])), spa: opt(ip4Field("arp_spa")) })
          .map((r) => [
            oxm("eth_type", 0x0806),
            ...(r.op === undefined ? [] : [oxm("arp_op", r.op)]),
            ...(r.spa ? [r.spa] : []),
          ]),
        fc
          .option(pick([6, 58]), { nil: undefined })
          .map((p) => [oxm("eth_type", 0x86dd), ...(p === undefined ? [] : [oxm("ip_proto", p)])]),
        fc
          .record({ label: opt(pick([16, 17])), tc: opt(pick([0, 1, 5])), bos: opt(pick([0, 1])) })
          .map((r) => [
            oxm("eth_type", 0x8847),
            ...(r.label === undefined ? [] : [oxm("mpls_label", r.label)]),
            ...(r.tc === undefined ? [] : [oxm("mpls_tc", r.tc)]),
            ...(r.bos === undefined ? [] : [oxm("mpls_bos", r.bos)]),
          ]),
        fc.constant([oxm("eth_type", 0x88e7), oxm("pbb_isid", 16)]),
        fc.constant([oxm("eth_type", 0x88cc)]),
      ),
    ),
  })
  .map((r) => [
    ...(r.inPort === undefined ? [] : [oxm("in_port", r.inPort)]),
    ...(r.ethDst ? [r.ethDst] : []),
    ...(r.vlan ?? []),
    ...(r.metadata ? [r.metadata] : []),
    ...(r.l3 ?? []),
  ]);

/**
 * A flow equal to `f` on every datapath key bit of `wc` and equal to `other` elsewhere. The
 * OpenFlow in_port is a function of the datapath port (flowOf's: datapath port - 100), as the
 * bridge's port map is; metadata and tunnel_id are pipeline state computed before this table,
 * so they stay f's.
 */
export function mixOnMask(f: PipelineFlow, other: PipelineFlow, wc: KeyMask): PipelineFlow {
  const g = f.clone();
  for (let i = 0; i < 112; i++) g.key[i] = (f.key[i] & wc.bytes[i]) | (other.key[i] & ~wc.bytes[i]);
  g.inPort = new DataView(g.key.buffer, g.key.byteOffset).getUint32(KEY.IN_PORT, true) - 100;
  return g;
}
