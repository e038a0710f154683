// fast-check arbitraries for parser tests: structured Ethernet frames built from random field
// values (so most get deep into the parser), then optionally cut short and bit-flipped.
//
// Design: each layer is a record of random fields plus a little "lie" budget (IHL, total
// length, data offset, option lengths drawn from ranges that include invalid values), and an
// encoder that lays the record out as bytes. Lengths are computed honestly unless the record
// says otherwise, so valid frames dominate and malformed ones still appear.

import fc from "fast-check";

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u8 = fc.integer({ min: 0, max: 0xff });

const be16 = (v: number) => [(v >> 8) & 0xff, v & 0xff];

/** A transport header + payload for a given protocol number. */
function l4Arb(proto: number, v6: boolean): fc.Arbitrary<number[]> {
  const tail = fc.uint8Array({ maxLength: 24 }).map((a) => [...a]);
  if (proto === 6) {
    return fc
      .record({
        ports: bytes(4),
        doff: fc.oneof(fc.constant(5), fc.integer({ min: 0, max: 15 })),
        flags: fc.integer({ min: 0, max: 0xfff }),
        rest: bytes(8),
        tail,
      })
      .map(({ ports, doff, flags, rest, tail }) => {
        const opts = Math.max(0, doff - 5) * 4;
        return [
          ...ports,
          ...rest,
          ...be16((doff << 12) | flags),
          0,
          0,
          0,
          0,
          0,
          0,
          ...new Array(opts).fill(1),
          ...tail,
        ];
      });
  }
  if (proto === 17) return fc.tuple(bytes(8), tail).map(([h, t]) => [...h, ...t]);
  if (proto === 132) return fc.tuple(bytes(12), tail).map(([h, t]) => [...h, ...t]);
  if (v6 && proto === 58) {
    const opt = fc.record({
      type: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(1, 2) }, { weight: 2, arbitrary: u8 }),
      len: fc.oneof({ weight: 8, arbitrary: fc.constant(1) }, { weight: 2, arbitrary: fc.integer({ min: 0, max: 3 }) }),
      data: bytes(22),
    });
    return fc
      .record({
        type: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(135, 136, 128) }, { weight: 2, arbitrary: u8 }),
        code: fc.oneof({ weight: 8, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: u8 }),
        rest: bytes(4),
        target: bytes(16),
        opts: fc.array(opt, { maxLength: 5 }),
      })
      .map(({ type, code, rest, target, opts }) => [
        type,
        code,
        ...rest.subarray(0, 2),
        ...rest.subarray(2),
        ...target,
        ...opts.flatMap((o) => [o.type, o.len, ...o.data.subarray(0, Math.max(0, o.len * 8 - 2))]),
      ]);
  }
  if (proto === 1 && !v6) return fc.tuple(bytes(8), tail).map(([h, t]) => [...h, ...t]);
  return tail;
}

const protoArb = fc.oneof(fc.constantFrom(1, 6, 17, 58, 132), u8);
const protoV6Arb = fc.oneof(
  { weight: 3, arbitrary: fc.constant(58) },
  { weight: 5, arbitrary: fc.constantFrom(6, 17, 132) },
  { weight: 2, arbitrary: u8 },
);

const ipv4Arb = protoArb.chain((proto) =>
  fc
    .record({
      version: fc.oneof(
        { weight: 9, arbitrary: fc.constant(4) },
        { weight: 1, arbitrary: fc.integer({ min: 0, max: 15 }) },
      ),
      ihl: fc.oneof(
        { weight: 6, arbitrary: fc.constant(5) },
        { weight: 4, arbitrary: fc.integer({ min: 0, max: 15 }) },
      ),
      tos: u8,
      lenDelta: fc.oneof(
        { weight: 8, arbitrary: fc.constant(0) },
        { weight: 2, arbitrary: fc.integer({ min: -40, max: 40 }) },
      ),
      frag: fc.oneof(fc.constant(0), fc.constant(0x4000), fc.constant(0x2000), u16),
      ttl: u8,
      addrs: bytes(8),
      l4: l4Arb(proto, false),
    })
    .map((r) => {
      const hlen = Math.max(r.ihl, 5) * 4;
      const total = Math.max(0, Math.min(0xffff, hlen + r.l4.length + r.lenDelta));
      const hdr = [
        (r.version << 4) | r.ihl,
        r.tos,
        ...be16(total),
        0,
        1,
        ...be16(r.frag),
        r.ttl,
        proto,
        0,
        0,
        ...r.addrs,
      ];
      return { type: 0x0800, bytes: [...hdr, ...new Array(hlen - 20).fill(1), ...r.l4] };
    }),
);

const extArb = fc.record({
  kind: fc.constantFrom(0, 43, 60, 51, 44),
  len: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 3 })),
  fragOffset: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0x1fff })),
  more: fc.boolean(),
});

const ipv6Arb = fc.tuple(protoV6Arb, fc.array(extArb, { maxLength: 4 })).chain(([proto, exts]) =>
  fc
    .record({
      version: fc.oneof(
        { weight: 9, arbitrary: fc.constant(6) },
        { weight: 1, arbitrary: fc.integer({ min: 0, max: 15 }) },
      ),
      tc: u8,
      label: fc.integer({ min: 0, max: 0xfffff }),
      lenDelta: fc.oneof(
        { weight: 8, arbitrary: fc.constant(0) },
        { weight: 2, arbitrary: fc.integer({ min: -40, max: 40 }) },
      ),
      hop: u8,
      addrs: bytes(32),
      l4: l4Arb(proto, true),
    })
    .map((r) => {
      const chain: number[] = [];
      exts.forEach((e, i) => {
        const next = i + 1 < exts.length ? exts[i + 1].kind : proto;
        if (e.kind === 44) {
          chain.push(next, 0, ...be16((e.fragOffset << 3) | (e.more ? 1 : 0)), 0, 0, 0, 9);
        } else {
          const n = e.kind === 51 ? (e.len + 2) * 4 : (e.len + 1) * 8;
          chain.push(next, e.len, ...new Array(n - 2).fill(0));
        }
      });
      const payload = [...chain, ...r.l4];
      const plen = Math.max(0, Math.min(0xffff, payload.length + r.lenDelta));
      const first = exts.length ? exts[0].kind : proto;
      const w0 = ((r.version << 28) | (r.tc << 20) | r.label) >>> 0;
      const hdr = [
        w0 >>> 24,
        (w0 >>> 16) & 0xff,
        (w0 >>> 8) & 0xff,
        w0 & 0xff,
        ...be16(plen),
        first,
        r.hop,
        ...r.addrs,
      ];
      return { type: 0x86dd, bytes: [...hdr, ...payload] };
    }),
);

const arpArb = fc
  .record({
    prefix: fc.oneof(
      { weight: 9, arbitrary: fc.constant([0, 1, 8, 0, 6, 4]) },
      { weight: 1, arbitrary: bytes(6).map((a) => [...a]) },
    ),
    op: fc.oneof(fc.constantFrom(1, 2), u16),
    body: bytes(20),
    type: fc.constantFrom(0x0806, 0x8035),
  })
  .map((r) => ({ type: r.type, bytes: [...r.prefix, ...be16(r.op), ...r.body] }));

/** An MPLS label stack (1-3 entries, bottom of stack set on the last one) over an IP header. */
const mplsArb = fc
  .record({
    type: fc.constantFrom(0x8847, 0x8848),
    stack: fc.array(
      fc.record({ label: fc.integer({ min: 0, max: 0xfffff }), tc: fc.integer({ min: 0, max: 7 }), ttl: u8 }),
      {
        minLength: 1,
        maxLength: 3,
      },
    ),
    inner: fc.oneof(ipv4Arb, ipv6Arb),
  })
  .map((r) => ({
    type: r.type,
    bytes: [
      ...r.stack.flatMap((e, i) => {
        const lse = ((e.label << 12) | (e.tc << 9) | (i === r.stack.length - 1 ? 0x100 : 0) | e.ttl) >>> 0;
        return [lse >>> 24, (lse >>> 16) & 0xff, (lse >>> 8) & 0xff, lse & 0xff];
      }),
      ...r.inner.bytes,
    ],
  }));

const otherArb = fc.record({ type: u16, bytes: fc.uint8Array({ maxLength: 40 }).map((a) => [...a]) });

const tagArb = fc.record({ tpid: fc.constantFrom(0x8100, 0x88a8), tci: u16 });

/** An untagged IPv6 frame carrying ICMPv6 (mostly neighbour discovery with options). */
export const ndFrame: fc.Arbitrary<Uint8Array> = fc
  .record({ macs: bytes(12), addrs: bytes(32), icmp: l4Arb(58, true) })
  .map(({ macs, addrs, icmp }) =>
    Uint8Array.from([...macs, 0x86, 0xdd, 0x60, 0, 0, 0, ...be16(icmp.length), 58, 255, ...addrs, ...icmp]),
  );

/** A structured frame: Ethernet, 0-3 VLAN tags, an L3 (+ L4), trailing padding. */
export const structuredFrame: fc.Arbitrary<Uint8Array> = fc
  .record({
    macs: bytes(12),
    tags: fc.oneof(
      { weight: 6, arbitrary: fc.constant([]) },
      { weight: 4, arbitrary: fc.array(tagArb, { maxLength: 3 }) },
    ),
    l3: fc.oneof(ipv4Arb, ipv6Arb, arpArb, mplsArb, otherArb),
    padding: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 20 })),
  })
  .map(({ macs, tags, l3, padding }) => {
    const out: number[] = [...macs];
    for (const t of tags) out.push(...be16(t.tpid), ...be16(t.tci));
    out.push(...be16(l3.type), ...l3.bytes, ...new Array(padding).fill(0));
    return Uint8Array.from(out);
  });

/** A structured frame, maybe cut at a random length, maybe with a few random bytes changed. */
export const mutatedFrame: fc.Arbitrary<Uint8Array> = fc
  .record({
    frame: structuredFrame,
    cut: fc.option(fc.nat(), { freq: 3 }),
    flips: fc.array(fc.tuple(fc.nat(), u8), { maxLength: 3 }),
  })
  .map(({ frame, cut, flips }) => {
    const f = cut === null ? frame.slice() : frame.slice(0, cut % (frame.length + 1));
    for (const [at, v] of flips) if (f.length) f[at % f.length] = v;
    return f;
  });
