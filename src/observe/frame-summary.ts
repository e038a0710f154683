// One-line summaries of Ethernet frames, the way `tcpdump -e -n` prints them, for
// `wasmvs capture` without -w:
//
//   14:02:11.123456 in  02:00:00:00:00:01 > 02:00:00:00:00:02, vlan 10, IPv4 10.200.1.1 >
//     10.200.1.2: ICMP echo request, id 7, seq 1, length 98
//
// What: summarizeFrame(frame, dir, timeMs) → the line (no newline).
// Design: a small header walk of its own (Ethernet, up to two VLAN tags, ARP, IPv4, IPv6, ICMP,
//   ICMPv6, TCP, UDP): this is control-plane text for a human, not the fast path's parser, and
//   it must say "truncated" rather than throw on a short frame.
// Invariants: never throws for any byte string.
// Threading: pure.

const hex2 = (b: number) => b.toString(16).padStart(2, "0");
const mac = (f: Uint8Array, o: number) => Array.from(f.subarray(o, o + 6), hex2).join(":");
const ip4 = (f: Uint8Array, o: number) => Array.from(f.subarray(o, o + 4)).join(".");

function ip6(f: Uint8Array, o: number): string {
  const g: string[] = [];
  for (let i = 0; i < 16; i += 2) g.push(((f[o + i] << 8) | f[o + i + 1]).toString(16));
  return g.join(":").replace(/(^|:)0(:0)+(:|$)/, "::");
}

function time(timeMs: number): string {
  const d = new Date(timeMs);
  const usec = Math.floor((timeMs * 1000) % 1e6)
    .toString()
    .padStart(6, "0");
  const p = (n: number) => String(n).padStart(2, "0");
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${usec}`;
}

const ICMP4_TYPES: Record<number, string> = {
  0: "echo reply",
  3: "unreachable",
  8: "echo request",
  11: "time exceeded",
};
const ICMP6_TYPES: Record<number, string> = {
  128: "echo request",
  129: "echo reply",
  133: "router solicitation",
  134: "router advertisement",
  135: "neighbor solicitation",
  136: "neighbor advertisement",
};

function l4(f: Uint8Array, o: number, proto: number, src: string, dst: string, payloadLen: number): string {
  const v = new DataView(f.buffer, f.byteOffset, f.byteLength);
  const need = (n: number) => o + n <= f.length;
  if (proto === 6 && need(14)) {
    const flags = f[o + 13];
    const names = [
      [0x01, "F"],
      [0x02, "S"],
      [0x04, "R"],
      [0x08, "P"],
      [0x10, "."],
    ]
      .filter(([b]) => flags & (b as number))
      .map(([, c]) => c)
      .join("");
    return `${src}.${v.getUint16(o)} > ${dst}.${v.getUint16(o + 2)}: Flags [${names}], seq ${v.getUint32(o + 4)}, length ${Math.max(0, payloadLen - (f[o + 12] >> 4) * 4)}`;
  }
  if (proto === 17 && need(8))
    return `${src}.${v.getUint16(o)} > ${dst}.${v.getUint16(o + 2)}: UDP, length ${Math.max(0, payloadLen - 8)}`;
  if (proto === 1 && need(8)) {
    const t = f[o];
    const what = ICMP4_TYPES[t] ?? `type ${t}`;
    const echo = t === 0 || t === 8 ? `, id ${v.getUint16(o + 4)}, seq ${v.getUint16(o + 6)}` : "";
    return `${src} > ${dst}: ICMP ${what}${echo}, length ${payloadLen}`;
  }
  if (proto === 58 && need(4))
    return `${src} > ${dst}: ICMP6, ${ICMP6_TYPES[f[o]] ?? `type ${f[o]}`}, length ${payloadLen}`;
  return `${src} > ${dst}: ip-proto-${proto} ${payloadLen}${need(0) ? "" : " [|truncated]"}`;
}

function body(f: Uint8Array): string {
  if (f.length < 14) return `truncated frame of ${f.length} bytes`;
  const v = new DataView(f.buffer, f.byteOffset, f.byteLength);
  const parts = [`${mac(f, 6)} > ${mac(f, 0)}`];
  let o = 12;
  let type = v.getUint16(o);
  for (let tags = 0; (type === 0x8100 || type === 0x88a8) && tags < 2; tags++) {
    if (o + 6 > f.length) return `${parts.join(", ")}, vlan [|truncated]`;
    const tci = v.getUint16(o + 2);
    parts.push(`${type === 0x88a8 ? "802.1ad" : "vlan"} ${tci & 0xfff}, p ${tci >> 13}`);
    o += 4;
    type = v.getUint16(o);
  }
  o += 2;
  const head = parts.join(", ");
  if (type === 0x0806) {
    if (o + 28 > f.length) return `${head}, ARP [|truncated]`;
    const op = v.getUint16(o + 6);
    if (op === 1)
      return `${head}, ARP, Request who-has ${ip4(f, o + 24)} tell ${ip4(f, o + 14)}, length ${f.length - o}`;
    if (op === 2) return `${head}, ARP, Reply ${ip4(f, o + 14)} is-at ${mac(f, o + 8)}, length ${f.length - o}`;
    return `${head}, ARP, op ${op}, length ${f.length - o}`;
  }
  if (type === 0x0800) {
    if (o + 20 > f.length) return `${head}, IPv4 [|truncated]`;
    const ihl = (f[o] & 0x0f) * 4;
    const total = v.getUint16(o + 2);
    return `${head}, IPv4 ${l4(f, o + ihl, f[o + 9], ip4(f, o + 12), ip4(f, o + 16), total - ihl)}`;
  }
  if (type === 0x86dd) {
    if (o + 40 > f.length) return `${head}, IPv6 [|truncated]`;
    return `${head}, IPv6 ${l4(f, o + 40, f[o + 6], ip6(f, o + 8), ip6(f, o + 24), v.getUint16(o + 4))}`;
  }
  return `${head}, ethertype 0x${type.toString(16).padStart(4, "0")}, length ${f.length}`;
}

/** dir 1 = received on the port ("in"), 2 = transmitted ("out"). */
export function summarizeFrame(frame: Uint8Array, dir: number, timeMs: number): string {
  let text: string;
  try {
    text = body(frame);
  } catch {
    text = `unparsable frame of ${frame.length} bytes`;
  }
  return `${time(timeMs)} ${dir === 1 ? "in " : "out"} ${text}`;
}
