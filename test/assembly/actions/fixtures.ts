// Real frames for the executor's unit tests: bytes produced by scapy 2.5 (Debian
// python3-scapy), each beside the FrameSpec that encodes to the same bytes, so a test can
// change one field of the spec and get the exact bytes the switch must send.

import type { FrameSpec } from "./frames.ts";

const mac = (s: string) => Uint8Array.from(s.split(":").map((x) => Number.parseInt(x, 16)));
const ip4 = (s: string) => Uint8Array.from(s.split(".").map(Number));
const text = (s: string) => new TextEncoder().encode(s);
const fromHex = (s: string) => Uint8Array.from(Buffer.from(s, "hex"));
/** Expands "2001:db8::1" (one "::" at most) to 16 bytes. */
export function ip6(s: string): Uint8Array {
  const [head, tail = ""] = s.split("::");
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  const b = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = Number.parseInt(g, 16);
    b[2 * i] = v >> 8;
    b[2 * i + 1] = v & 0xff;
  });
  return b;
}

const A1 = mac("02:00:00:00:00:01");
const A2 = mac("02:00:00:00:00:02");

export interface Fixture {
  scapy: string;
  spec: FrameSpec;
}

export const FIXTURES: Record<string, Fixture> = {
  // Ether/Dot1Q(prio=3,vlan=100)/IP(tos=0x2d,id=0x1234)/TCP(sport=12345,dport=80,seq=1000,flags=S)/"hello tcp"
  tcp4Tagged: {
    scapy:
      "020000000002020000000001810060640800452d003112340000400654640a0000010a00000230390050000003e800000000500220001f10000068656c6c6f20746370",
    spec: {
      dst: A2,
      src: A1,
      vlans: [{ tpid: 0x8100, tci: (3 << 13) | 100 }],
      l3: {
        kind: "ipv4",
        src: ip4("10.0.0.1"),
        dst: ip4("10.0.0.2"),
        tos: 0x2d,
        ttl: 64,
        id: 0x1234,
        fragOffset: 0,
        mf: false,
        options: new Uint8Array(0),
        l4: { kind: "tcp", sport: 12345, dport: 80, seq: 1000, flags: 0x02, payload: text("hello tcp") },
      },
      pad: 0,
    },
  },
  // Ether/IP(ttl=2,id=7)/UDP(sport=5353,dport=53)/"query!"
  udp4: {
    scapy: "0200000000020200000000010800450000220007000002113556c0a8010ac0a8011414e90035000e173c717565727921",
    spec: {
      dst: A2,
      src: A1,
      vlans: [],
      l3: {
        kind: "ipv4",
        src: ip4("192.168.1.10"),
        dst: ip4("192.168.1.20"),
        tos: 0,
        ttl: 2,
        id: 7,
        fragOffset: 0,
        mf: false,
        options: new Uint8Array(0),
        l4: { kind: "udp", sport: 5353, dport: 53, noCsum: false, payload: text("query!") },
      },
      pad: 0,
    },
  },
  // Ether/IPv6(tc=0x29,fl=0x12345)/UDP(sport=1000,dport=2000)/"v6 payload"
  udp6: {
    scapy:
      "33330000000102000000000186dd629123450012114020010db800000000000000000000000120010db800000000000000000000000203e807d00012d2a97636207061796c6f6164",
    spec: {
      dst: mac("33:33:00:00:00:01"),
      src: A1,
      vlans: [],
      l3: {
        kind: "ipv6",
        src: ip6("2001:db8::1"),
        dst: ip6("2001:db8::2"),
        tc: 0x29,
        flow: 0x12345,
        hlim: 64,
        hopByHop: false,
        frag: null,
        l4: { kind: "udp", sport: 1000, dport: 2000, noCsum: false, payload: text("v6 payload") },
      },
      pad: 0,
    },
  },
  // Ether(type=0x88a8)/Dot1Q(prio=1,vlan=10)/Dot1Q(vlan=20)/IPv6(hlim=1)/TCP(sport=22,dport=40000,flags=PA)/"ssh"
  tcp6QinQ: {
    scapy:
      "02000000000202000000000188a8200a8100001486dd6000000000170601fe800000000000000000000000000001fe80000000000000000000000000000200169c400000000500000000501820001af60000737368",
    spec: {
      dst: A2,
      src: A1,
      vlans: [
        { tpid: 0x88a8, tci: (1 << 13) | 10 },
        { tpid: 0x8100, tci: 20 },
      ],
      l3: {
        kind: "ipv6",
        src: ip6("fe80::1"),
        dst: ip6("fe80::2"),
        tc: 0,
        flow: 0,
        hlim: 1,
        hopByHop: false,
        frag: null,
        l4: { kind: "tcp", sport: 22, dport: 40000, seq: 5, flags: 0x18, payload: text("ssh") },
      },
      pad: 0,
    },
  },
  // Ether/IPv6/ICMPv6EchoRequest(id=1,seq=2,data="ping")
  icmp6: {
    scapy:
      "02000000000202000000000186dd60000000000c3a4020010db800000000000000000000000a20010db800000000000000000000000b8000455e0001000270696e67",
    spec: {
      dst: A2,
      src: A1,
      vlans: [],
      l3: {
        kind: "ipv6",
        src: ip6("2001:db8::a"),
        dst: ip6("2001:db8::b"),
        tc: 0,
        flow: 0,
        hlim: 64,
        hopByHop: false,
        frag: null,
        l4: { kind: "icmp", type: 128, code: 0, payload: fromHex("0001000270696e67") },
      },
      pad: 0,
    },
  },
  // Ether/IP(id=1)/SCTP(sport=3868,dport=3868,tag=0xdeadbeef)/SCTPChunkData(data="diameter")
  sctp4: {
    scapy:
      "020000000002020000000001080045000038000100004084643d0a0101010a0101020f1c0f1cdeadbeefb2c002e7000000180000000000000000000000006469616d65746572",
    spec: {
      dst: A2,
      src: A1,
      vlans: [],
      l3: {
        kind: "ipv4",
        src: ip4("10.1.1.1"),
        dst: ip4("10.1.1.2"),
        tos: 0,
        ttl: 64,
        id: 1,
        fragOffset: 0,
        mf: false,
        options: new Uint8Array(0),
        l4: {
          kind: "sctp",
          sport: 3868,
          dport: 3868,
          vtag: 0xdeadbeef,
          payload: fromHex("000000180000000000000000000000006469616d65746572"),
        },
      },
      pad: 0,
    },
  },
};
