// Test frames for the action executor: a plain description (FrameSpec) encoded to bytes with
// every checksum computed from scratch, and fast-check arbitraries over such descriptions.
//
// Design: a set-field action is checked by re-encoding the spec with the field changed: the
// executor's incremental checksum updates must give exactly the bytes a full recomputation
// gives. Checksums here are written the slow, obvious way (sum of big-endian words), shared
// with nothing in assembly/.

import fc from "fast-check";

export interface VlanSpec {
  tpid: number;
  tci: number;
}

export type L4Spec =
  | { kind: "tcp"; sport: number; dport: number; seq: number; flags: number; payload: Uint8Array }
  | { kind: "udp"; sport: number; dport: number; noCsum: boolean; payload: Uint8Array }
  | { kind: "sctp"; sport: number; dport: number; vtag: number; payload: Uint8Array }
  | { kind: "icmp"; type: number; code: number; payload: Uint8Array }
  | { kind: "raw"; proto: number; payload: Uint8Array };

export interface Ipv4Spec {
  kind: "ipv4";
  src: Uint8Array;
  dst: Uint8Array;
  tos: number;
  ttl: number;
  id: number;
  /** Fragment offset in 8-byte units; non-zero makes a later fragment (L4 is then raw). */
  fragOffset: number;
  mf: boolean;
  options: Uint8Array; // multiple of 4 bytes, <= 40
  l4: L4Spec;
}

export interface Ipv6Spec {
  kind: "ipv6";
  src: Uint8Array;
  dst: Uint8Array;
  tc: number;
  flow: number;
  hlim: number;
  hopByHop: boolean;
  /** A fragment header: offset in 8-byte units (non-zero: later fragment), more-fragments. */
  frag: { offset: number; mf: boolean } | null;
  l4: L4Spec;
}

export interface RawL3Spec {
  kind: "raw";
  ethType: number;
  payload: Uint8Array;
}

export interface FrameSpec {
  dst: Uint8Array;
  src: Uint8Array;
  vlans: VlanSpec[]; // outer first
  /** MPLS label stack entries (outer first, host-order u32s written as given) between the tags
   *  and the L3 header; the type field before them is mplsType (0x8847 when absent). */
  mpls?: number[];
  mplsType?: number;
  l3: Ipv4Spec | Ipv6Spec | RawL3Spec;
  pad: number; // trailing bytes after the IP packet (Ethernet padding)
}

export const PROTO = { ICMP: 1, TCP: 6, UDP: 17, ICMPV6: 58, SCTP: 132, HOPOPTS: 0, FRAGMENT: 44 } as const;

/** One's complement sum of big-endian 16-bit words (odd tail padded with zero), folded. */
export function onesSum(bytes: Uint8Array, initial = 0): number {
  let s = initial;
  for (let i = 0; i + 1 < bytes.length; i += 2) s += (bytes[i] << 8) | bytes[i + 1];
  if (bytes.length & 1) s += bytes[bytes.length - 1] << 8;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}

/** Internet checksum (RFC 1071) of bytes plus a pre-summed pseudo-header. */
export function inetChecksum(bytes: Uint8Array, initial = 0): number {
  return ~onesSum(bytes, initial) & 0xffff;
}

const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

export function crc32c(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC32C_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

function pseudoSum(src: Uint8Array, dst: Uint8Array, proto: number, len: number): number {
  const p = new Uint8Array(src.length * 2 + 8);
  p.set(src, 0);
  p.set(dst, src.length);
  const dv = new DataView(p.buffer);
  if (src.length === 4) {
    // IPv4: src, dst, zero, proto, u16 length
    dv.setUint8(9, proto);
    dv.setUint16(10, len);
    return onesSum(p.subarray(0, 12));
  }
  dv.setUint32(32, len);
  dv.setUint8(39, proto);
  return onesSum(p.subarray(0, 40));
}

function encodeL4(l4: L4Spec, src: Uint8Array, dst: Uint8Array, v6: boolean, later: boolean): Uint8Array {
  if (later || l4.kind === "raw") return l4.payload.slice();
  let b: Uint8Array;
  let dv: DataView;
  switch (l4.kind) {
    case "tcp": {
      b = new Uint8Array(20 + l4.payload.length);
      dv = new DataView(b.buffer);
      dv.setUint16(0, l4.sport);
      dv.setUint16(2, l4.dport);
      dv.setUint32(4, l4.seq);
      dv.setUint32(8, 0);
      dv.setUint16(12, (5 << 12) | (l4.flags & 0x1ff));
      dv.setUint16(14, 8192);
      b.set(l4.payload, 20);
      dv.setUint16(16, inetChecksum(b, pseudoSum(src, dst, PROTO.TCP, b.length)));
      return b;
    }
    case "udp": {
      b = new Uint8Array(8 + l4.payload.length);
      dv = new DataView(b.buffer);
      dv.setUint16(0, l4.sport);
      dv.setUint16(2, l4.dport);
      dv.setUint16(4, b.length);
      b.set(l4.payload, 8);
      if (!l4.noCsum) {
        const c = inetChecksum(b, pseudoSum(src, dst, PROTO.UDP, b.length));
        dv.setUint16(6, c === 0 ? 0xffff : c);
      }
      return b;
    }
    case "sctp": {
      b = new Uint8Array(12 + l4.payload.length);
      dv = new DataView(b.buffer);
      dv.setUint16(0, l4.sport);
      dv.setUint16(2, l4.dport);
      dv.setUint32(4, l4.vtag);
      b.set(l4.payload, 12);
      dv.setUint32(8, crc32c(b), true); // SCTP stores the CRC32c little-endian
      return b;
    }
    case "icmp": {
      b = new Uint8Array(4 + l4.payload.length);
      dv = new DataView(b.buffer);
      dv.setUint8(0, l4.type);
      dv.setUint8(1, l4.code);
      b.set(l4.payload, 4);
      dv.setUint16(2, inetChecksum(b, v6 ? pseudoSum(src, dst, PROTO.ICMPV6, b.length) : 0));
      return b;
    }
  }
}

export function l4Proto(l4: L4Spec, v6: boolean): number {
  switch (l4.kind) {
    case "tcp":
      return PROTO.TCP;
    case "udp":
      return PROTO.UDP;
    case "sctp":
      return PROTO.SCTP;
    case "icmp":
      return v6 ? PROTO.ICMPV6 : PROTO.ICMP;
    case "raw":
      return l4.proto;
  }
}

function encodeL3(l3: FrameSpec["l3"]): Uint8Array {
  if (l3.kind === "raw") return l3.payload.slice();
  if (l3.kind === "ipv4") {
    const later = l3.fragOffset !== 0;
    const l4 = encodeL4(l3.l4, l3.src, l3.dst, false, later);
    const hlen = 20 + l3.options.length;
    const b = new Uint8Array(hlen + l4.length);
    const dv = new DataView(b.buffer);
    dv.setUint8(0, 0x40 | (hlen >> 2));
    dv.setUint8(1, l3.tos);
    dv.setUint16(2, b.length);
    dv.setUint16(4, l3.id);
    dv.setUint16(6, (l3.mf ? 0x2000 : 0) | (l3.fragOffset & 0x1fff));
    dv.setUint8(8, l3.ttl);
    dv.setUint8(9, l4Proto(l3.l4, false));
    b.set(l3.src, 12);
    b.set(l3.dst, 16);
    b.set(l3.options, 20);
    dv.setUint16(10, inetChecksum(b.subarray(0, hlen)));
    b.set(l4, hlen);
    return b;
  }
  const later = l3.frag !== null && l3.frag.offset !== 0;
  const l4 = encodeL4(l3.l4, l3.src, l3.dst, true, later);
  const ext: number[] = [];
  const proto = l4Proto(l3.l4, true);
  const chain: number[] = [];
  if (l3.hopByHop) chain.push(PROTO.HOPOPTS);
  if (l3.frag) chain.push(PROTO.FRAGMENT);
  chain.push(proto);
  // chain[0] is the IPv6 header's next header; each extension header names the following one.
  if (l3.hopByHop) ext.push(chain[1], 0, 1, 4, 0, 0, 0, 0); // PadN option filling 8 bytes
  if (l3.frag) {
    const fo = ((l3.frag.offset & 0x1fff) << 3) | (l3.frag.mf ? 1 : 0);
    ext.push(proto, 0, fo >> 8, fo & 0xff, 0x12, 0x34, 0x56, 0x78);
  }
  const b = new Uint8Array(40 + ext.length + l4.length);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, (6 << 28) | ((l3.tc & 0xff) << 20) | (l3.flow & 0xfffff));
  dv.setUint16(4, ext.length + l4.length);
  dv.setUint8(6, chain[0]);
  dv.setUint8(7, l3.hlim);
  b.set(l3.src, 8);
  b.set(l3.dst, 24);
  b.set(ext, 40);
  b.set(l4, 40 + ext.length);
  return b;
}

/** The frame's bytes, every checksum computed from scratch. */
export function encodeFrame(f: FrameSpec): Uint8Array {
  const l3 = encodeL3(f.l3);
  const stack = f.mpls ?? [];
  const l3Type = f.l3.kind === "ipv4" ? 0x0800 : f.l3.kind === "ipv6" ? 0x86dd : f.l3.ethType;
  const ethType = stack.length > 0 ? (f.mplsType ?? 0x8847) : l3Type;
  const b = new Uint8Array(14 + 4 * f.vlans.length + 4 * stack.length + l3.length + f.pad);
  const dv = new DataView(b.buffer);
  b.set(f.dst, 0);
  b.set(f.src, 6);
  let o = 12;
  for (const v of f.vlans) {
    dv.setUint16(o, v.tpid);
    dv.setUint16(o + 2, v.tci);
    o += 4;
  }
  dv.setUint16(o, ethType);
  o += 2;
  for (const lse of stack) {
    dv.setUint32(o, lse >>> 0);
    o += 4;
  }
  b.set(l3, o);
  return b;
}

/** Deep copy of a spec (specs are mutated to describe the expected result). */
export function cloneSpec(f: FrameSpec): FrameSpec {
  return structuredClone(f);
}

// ---- arbitraries ----

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const payload = (max = 64) => fc.uint8Array({ minLength: 0, maxLength: max });
const port16 = fc.integer({ min: 0, max: 0xffff });

export const arbL4: fc.Arbitrary<L4Spec> = fc.oneof(
  fc.record({
    kind: fc.constant("tcp" as const),
    sport: port16,
    dport: port16,
    seq: fc.integer({ min: 0, max: 0xffffffff }),
    flags: fc.integer({ min: 0, max: 0x1ff }),
    payload: payload(),
  }),
  fc.record({
    kind: fc.constant("udp" as const),
    sport: port16,
    dport: port16,
    noCsum: fc.boolean(),
    payload: payload(),
  }),
  fc.record({
    kind: fc.constant("sctp" as const),
    sport: port16,
    dport: port16,
    vtag: fc.integer({ min: 0, max: 0xffffffff }),
    payload: payload(),
  }),
  fc.record({
    kind: fc.constant("icmp" as const),
    type: fc.constantFrom(0, 8, 128, 129),
    code: fc.constant(0),
    // Echo: identifier and sequence make the header 8 bytes, the parser's ICMP minimum.
    payload: fc.uint8Array({ minLength: 4, maxLength: 64 }),
  }),
  fc.record({
    kind: fc.constant("raw" as const),
    proto: fc.constantFrom(47, 50, 253),
    payload: payload(),
  }),
);

/** ICMP types that match the IP version: echo 0/8 for IPv4, 128/129 for IPv6. */
function fixIcmp(l4: L4Spec, v6: boolean): L4Spec {
  if (l4.kind !== "icmp") return l4;
  return { ...l4, type: v6 ? 128 + (l4.type & 1) : l4.type === 0 ? 0 : 8 };
}

export const arbIpv4: fc.Arbitrary<Ipv4Spec> = fc
  .record({
    kind: fc.constant("ipv4" as const),
    src: bytes(4),
    dst: bytes(4),
    tos: fc.integer({ min: 0, max: 255 }),
    ttl: fc.integer({ min: 0, max: 255 }),
    id: port16,
    fragOffset: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, fc.integer({ min: 1, max: 0x1fff })),
    mf: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, fc.constant(true)),
    options: fc.oneof(
      { weight: 4, arbitrary: fc.constant(new Uint8Array(0)) },
      fc.integer({ min: 1, max: 10 }).map((n) => new Uint8Array(4 * n).fill(1)), // NOPs
    ),
    l4: arbL4,
  })
  .map((s) => ({ ...s, l4: fixIcmp(s.l4, false) }));

export const arbIpv6: fc.Arbitrary<Ipv6Spec> = fc
  .record({
    kind: fc.constant("ipv6" as const),
    src: bytes(16),
    dst: bytes(16),
    tc: fc.integer({ min: 0, max: 255 }),
    flow: fc.integer({ min: 0, max: 0xfffff }),
    hlim: fc.integer({ min: 0, max: 255 }),
    hopByHop: fc.boolean(),
    frag: fc.oneof(
      { weight: 4, arbitrary: fc.constant(null) },
      fc.record({ offset: fc.integer({ min: 0, max: 0x1fff }), mf: fc.boolean() }),
    ),
    l4: arbL4,
  })
  .map((s) => ({ ...s, l4: fixIcmp(s.l4, true) }));

export const arbVlan: fc.Arbitrary<VlanSpec> = fc.record({
  tpid: fc.constantFrom(0x8100, 0x88a8),
  tci: port16,
});

export const arbFrame: fc.Arbitrary<FrameSpec> = fc.record({
  dst: bytes(6),
  src: bytes(6),
  vlans: fc.array(arbVlan, { maxLength: 2 }),
  l3: fc.oneof(
    { weight: 4, arbitrary: arbIpv4 },
    { weight: 4, arbitrary: arbIpv6 },
    fc.record({
      kind: fc.constant("raw" as const),
      ethType: fc.constantFrom(0x0806, 0x88cc, 0x9000),
      payload: payload(46),
    }),
  ),
  pad: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, fc.integer({ min: 1, max: 20 })),
});

/** MPLS label stacks of 1-3 random entries, the last one mostly bottom of stack; small TTLs
 *  reach expiry. */
export const arbMplsStack: fc.Arbitrary<number[]> = fc
  .array(fc.record({ lse: fc.integer({ min: 0, max: 0xffffffff }), ttl: fc.constantFrom(0, 1, 2, 64, 255) }), {
    minLength: 1,
    maxLength: 3,
  })
  .chain((es) =>
    fc
      .boolean()
      .map((bosLast) =>
        es.map((e, i) => ((e.lse & ~0x1ff) | (i === es.length - 1 && bosLast ? 0x100 : 0) | e.ttl) >>> 0),
      ),
  );

/** arbFrame, and a quarter of the time with an MPLS label stack between the tags and L3. */
export const arbFrameWithMpls: fc.Arbitrary<FrameSpec> = fc.oneof(
  { weight: 3, arbitrary: arbFrame },
  fc
    .record({ f: arbFrame, mpls: arbMplsStack, mplsType: fc.constantFrom(0x8847, 0x8848) })
    .map(({ f, mpls, mplsType }) => ({ ...f, mpls, mplsType })),
);
