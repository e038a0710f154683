// Text forms of the addresses a match carries: MAC, IPv4 and IPv6, with their masks, as
// ovs-ofctl writes them (ovs-fields(7)): `aa:bb:cc:dd:ee:ff[/mask]`, `10.0.0.0/8` or
// `10.0.0.0/255.0.255.0`, `2001:db8::/32` or `2001:db8::/ffff::ff`.
//
// Design: a mask that is a prefix prints as /len, any other as an address; IPv6 prints in the
//   RFC 5952 short form (lower case, the longest run of two or more zero groups as "::").
// Invariants: parse(format(x)) = x for every value and mask.

export function formatMac(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(":");
}

export function parseMac(s: string): Uint8Array {
  const parts = s.split(":");
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-f]{1,2}$/i.test(p))) throw new Error(`"${s}" is not a MAC`);
  return Uint8Array.from(parts, (p) => Number.parseInt(p, 16));
}

/** Prefix length of a mask made of leading ones, or -1. */
function prefixLength(bits: bigint, width: number): number {
  for (let len = 0; len <= width; len++) {
    const m = len === 0 ? 0n : ((1n << BigInt(len)) - 1n) << BigInt(width - len);
    if (m === bits) return len;
  }
  return -1;
}

const dotted = (v: number) => [24, 16, 8, 0].map((s) => (v >>> s) & 0xff).join(".");

export function formatIpv4(v: number, mask?: number): string {
  if (mask === undefined) return dotted(v);
  const len = prefixLength(BigInt(mask >>> 0), 32);
  return `${dotted(v)}/${len >= 0 ? len : dotted(mask)}`;
}

function parseDotted(s: string): number {
  const parts = s.split(".");
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    throw new Error(`"${s}" is not an IPv4 address`);
  }
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

function prefixMask(len: number, width: number): bigint {
  if (!Number.isInteger(len) || len < 0 || len > width) throw new Error(`bad prefix length /${len}`);
  return len === 0 ? 0n : ((1n << BigInt(len)) - 1n) << BigInt(width - len);
}

export function parseIpv4(s: string): [number, number | undefined] {
  const [a, m] = s.split("/");
  const v = parseDotted(a);
  if (m === undefined) return [v, undefined];
  return [v, /^\d+$/.test(m) ? Number(prefixMask(Number(m), 32)) : parseDotted(m)];
}

const toBig = (b: Uint8Array) => b.reduce((n, x) => (n << 8n) | BigInt(x), 0n);
function fromBig(n: bigint): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 15; i >= 0; i--, n >>= 8n) out[i] = Number(n & 0xffn);
  return out;
}

function ipv6Text(b: Uint8Array): string {
  const groups = Array.from({ length: 8 }, (_, i) => (b[2 * i] << 8) | b[2 * i + 1]);
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hexes = groups.map((g) => g.toString(16));
  if (best < 0) return hexes.join(":");
  return `${hexes.slice(0, best).join(":")}::${hexes.slice(best + bestLen).join(":")}`;
}

export function formatIpv6(v: Uint8Array, mask?: Uint8Array): string {
  if (mask === undefined) return ipv6Text(v);
  const len = prefixLength(toBig(mask), 128);
  return `${ipv6Text(v)}/${len >= 0 ? len : ipv6Text(mask)}`;
}

function parseIpv6Address(s: string): Uint8Array {
  const halves = s.split("::");
  if (halves.length > 2) throw new Error(`"${s}" is not an IPv6 address`);
  const groups = (h: string) => (h === "" ? [] : h.split(":"));
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 1 && missing !== 0) || (halves.length === 2 && missing < 1)) {
    throw new Error(`"${s}" is not an IPv6 address`);
  }
  const all = [...head, ...Array(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (all.some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) throw new Error(`"${s}" is not an IPv6 address`);
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    const n = Number.parseInt(g, 16);
    out[2 * i] = n >> 8;
    out[2 * i + 1] = n & 0xff;
  });
  return out;
}

export function parseIpv6(s: string): [Uint8Array, Uint8Array | undefined] {
  const [a, m] = s.split("/");
  const v = parseIpv6Address(a);
  if (m === undefined) return [v, undefined];
  return [v, /^\d+$/.test(m) ? fromBig(prefixMask(Number(m), 128)) : parseIpv6Address(m)];
}
