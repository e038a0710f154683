// Frame builders for tests: valid Ethernet/IPv4/UDP frames with correct checksums, varied by
// a flow number, and a seeded PRNG for reproducible random and mutated frames.

export function udpFrame(flow: number, opts: { vlan?: number; len?: number } = {}): Uint8Array {
  const tag = opts.vlan !== undefined ? 4 : 0;
  const len = Math.max(opts.len ?? 64, 42 + tag);
  const f = new Uint8Array(len);
  const v = new DataView(f.buffer);
  f.set([0x02, 0, 0, 0, 0, 0x02], 0);
  f.set([0x02, 0, 0, 0, (flow >>> 8) & 0xff, flow & 0xff], 6);
  let o = 12;
  if (opts.vlan !== undefined) {
    v.setUint16(12, 0x8100);
    v.setUint16(14, opts.vlan & 0xfff);
    o = 16;
  }
  v.setUint16(o, 0x0800);
  const ip = o + 2;
  v.setUint8(ip, 0x45);
  v.setUint16(ip + 2, len - ip);
  v.setUint8(ip + 8, 64);
  v.setUint8(ip + 9, 17);
  v.setUint32(ip + 12, (10 << 24) | (flow & 0xffffff));
  v.setUint32(ip + 16, 0xc0a80001);
  let sum = 0;
  for (let i = ip; i < ip + 20; i += 2) sum += v.getUint16(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  v.setUint16(ip + 10, ~sum & 0xffff);
  v.setUint16(ip + 20, 1000 + (flow % 50000));
  v.setUint16(ip + 22, 5001);
  v.setUint16(ip + 24, len - ip - 20);
  return f;
}

/** xorshift32: a small seeded PRNG, so a failing run can be replayed from its seed. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 1;
  }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.s = x;
    return x;
  }
  below(n: number): number {
    return this.next() % n;
  }
  bytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = this.next() & 0xff;
    return b;
  }
}

function macBytes(mac: string): number[] {
  return mac.split(":").map((h) => Number.parseInt(h, 16));
}

/** An Ethernet frame with the given MACs, optional 802.1Q tag, and an IPv4/UDP-looking body. */
export function ethFrame(opts: {
  dst: string;
  src: string;
  vid?: number;
  pcp?: number;
  tpid?: number;
  ethType?: number;
  len?: number;
}): Uint8Array {
  const tagged = opts.vid !== undefined;
  const len = Math.max(opts.len ?? 64, tagged ? 18 : 14);
  const f = new Uint8Array(len);
  const v = new DataView(f.buffer);
  f.set(macBytes(opts.dst), 0);
  f.set(macBytes(opts.src), 6);
  let o = 12;
  if (tagged) {
    v.setUint16(12, opts.tpid ?? 0x8100);
    v.setUint16(14, ((opts.pcp ?? 0) << 13) | (opts.vid ?? 0));
    o = 16;
  }
  v.setUint16(o, opts.ethType ?? 0x88b5); // IEEE local experimental ethertype: no L3 parsing
  for (let i = o + 2; i < len; i++) f[i] = i & 0xff;
  return f;
}

/** The 802.1Q VID of a frame, or null when untagged. */
export function frameVid(f: Uint8Array): number | null {
  const t = (f[12] << 8) | f[13];
  return t === 0x8100 || t === 0x88a8 ? ((f[14] << 8) | f[15]) & 0xfff : null;
}
