// Reference action executor: a plain TypeScript model of assembly/actions/ for differential
// tests.
//
// What: `encodeActions` writes an action list in the format of assembly/actions/action-format.ts;
//   `executeModel(frame, parsed, list, env)` runs it over a copy of the frame and returns what
//   left the switch: per-port byte strings, upcall records, and the action.* counters bumped.
// Design: written as the semantics read, not as the WASM is built: a working byte array,
//   records in order, every output a snapshot of the bytes so far; no buffers, no clones, no
//   "last use" hand-over (those must be invisible). Layer facts (PRESENT bits, l3/l4 offsets,
//   IP_FRAG) come from the caller, normally parseModel in parser-model.ts. Checksums are
//   updated with RFC 1624 over big-endian words, an implementation independent of
//   assembly/actions/checksum.ts (which reads byte-swapped words).
// Invariants: the model never throws on any list or frame (malformed lists are a result).

import {
  executeSetFieldRecord,
  type SetFieldAction,
  SF_PAYLOAD_SIZE,
  setFieldRecord,
} from "./actions-model-set-fields.ts";
import { FRAG_ANY, FRAG_LATER, K, P } from "./parser-model.ts";

export const A = {
  OUTPUT: 1,
  OUTPUT_SET: 2,
  DROP: 3,
  PUSH_VLAN: 4,
  POP_VLAN: 5,
  SET_VLAN_VID: 6,
  SET_VLAN_PCP: 7,
  SET_ETH_SRC: 8,
  SET_ETH_DST: 9,
  SET_IPV4_SRC: 10,
  SET_IPV4_DST: 11,
  SET_IPV6_SRC: 12,
  SET_IPV6_DST: 13,
  SET_DSCP: 14,
  DEC_TTL: 15,
  SET_TP_SRC: 16,
  SET_TP_DST: 17,
  SAMPLE: 18,
  USERSPACE: 19,
  METER: 20,
  PUSH_MPLS: 21,
  POP_MPLS: 22,
  SET_MPLS_LSE: 23,
  DEC_MPLS_TTL: 24,
  COPY_TTL_OUT: 25,
  COPY_TTL_IN: 26,
} as const;

export const SET_EXCLUDE_IN = 1;
export const MAX_PORTS = 1024;
export const HEADROOM = 128;
export const UPCALL = { ACTION: 1, SAMPLE: 2, TTL: 3 } as const;
export const SAMPLER_SEED = 0x9e3779b9;

const PAYLOAD_SIZE: Record<number, number> = {
  1: 4,
  2: 4,
  3: 4,
  4: 4,
  5: 0,
  6: 4,
  7: 4,
  8: 8,
  9: 8,
  10: 4,
  11: 4,
  12: 16,
  13: 16,
  14: 4,
  15: 4,
  16: 4,
  17: 4,
  18: 8,
  19: 4,
  20: 4,
  21: 4,
  22: 4,
  23: 8,
  24: 4,
  25: 0,
  26: 0,
  ...SF_PAYLOAD_SIZE,
};

export type Action =
  | { t: "output"; port: number }
  | { t: "output_set"; set: number; excludeIn: boolean }
  | { t: "drop"; reason: number }
  | { t: "push_vlan"; tpid: number; tci: number }
  | { t: "pop_vlan" }
  | { t: "set_vid"; vid: number }
  | { t: "set_pcp"; pcp: number }
  | { t: "set_eth_src" | "set_eth_dst"; mac: Uint8Array }
  | { t: "set_ipv4_src" | "set_ipv4_dst"; addr: Uint8Array }
  | { t: "set_ipv6_src" | "set_ipv6_dst"; addr: Uint8Array }
  | { t: "set_dscp"; dscp: number }
  | { t: "dec_ttl"; userdata?: number }
  | { t: "push_mpls" | "pop_mpls"; ethertype: number }
  | { t: "set_mpls_lse"; value: number; mask: number }
  | { t: "dec_mpls_ttl"; userdata?: number }
  | { t: "copy_ttl_out" | "copy_ttl_in" }
  | { t: "set_tp_src" | "set_tp_dst"; port: number }
  | { t: "sample"; sampler: number; rate: number }
  | { t: "userspace"; userdata: number }
  /** A meter slot that is never configured in these tests: the packet passes untouched. */
  | { t: "meter"; slot: number }
  /** The set-field records 30..44 (actions-model-set-fields.ts). */
  | SetFieldAction
  /** A raw record (type, declared len, payload bytes): for malformed lists. */
  | { t: "raw"; type: number; len: number; payload: Uint8Array };

/** Encodes one record: u16 type, u16 len, payload. */
function record(type: number, payload: Uint8Array, len = 4 + payload.length): Uint8Array {
  const b = new Uint8Array(4 + payload.length);
  const dv = new DataView(b.buffer);
  dv.setUint16(0, type, true);
  dv.setUint16(2, len, true);
  b.set(payload, 4);
  return b;
}

function u32s(...v: number[]): Uint8Array {
  const b = new Uint8Array(4 * v.length);
  const dv = new DataView(b.buffer);
  v.forEach((x, i) => {
    dv.setUint32(4 * i, x >>> 0, true);
  });
  return b;
}

function u16s(...v: number[]): Uint8Array {
  const b = new Uint8Array(2 * v.length);
  const dv = new DataView(b.buffer);
  v.forEach((x, i) => {
    dv.setUint16(2 * i, x & 0xffff, true);
  });
  return b;
}

function padded(bytes: Uint8Array, n: number): Uint8Array {
  const b = new Uint8Array(n);
  b.set(bytes.subarray(0, n));
  return b;
}

export function encodeAction(a: Action): Uint8Array {
  switch (a.t) {
    case "output":
      return record(A.OUTPUT, u32s(a.port));
    case "output_set":
      return record(A.OUTPUT_SET, u16s(a.set, a.excludeIn ? SET_EXCLUDE_IN : 0));
    case "drop":
      return record(A.DROP, u32s(a.reason));
    case "push_vlan":
      return record(A.PUSH_VLAN, u16s(a.tpid, a.tci));
    case "pop_vlan":
      return record(A.POP_VLAN, new Uint8Array(0));
    case "set_vid":
      return record(A.SET_VLAN_VID, u16s(a.vid, 0));
    case "set_pcp":
      return record(A.SET_VLAN_PCP, u32s(a.pcp & 0xff));
    case "set_eth_src":
      return record(A.SET_ETH_SRC, padded(a.mac, 8));
    case "set_eth_dst":
      return record(A.SET_ETH_DST, padded(a.mac, 8));
    case "set_ipv4_src":
      return record(A.SET_IPV4_SRC, padded(a.addr, 4));
    case "set_ipv4_dst":
      return record(A.SET_IPV4_DST, padded(a.addr, 4));
    case "set_ipv6_src":
      return record(A.SET_IPV6_SRC, padded(a.addr, 16));
    case "set_ipv6_dst":
      return record(A.SET_IPV6_DST, padded(a.addr, 16));
    case "set_dscp":
      return record(A.SET_DSCP, u32s(a.dscp & 0xff));
    case "dec_ttl":
      return record(A.DEC_TTL, u32s(a.userdata ?? 0));
    case "push_mpls":
      return record(A.PUSH_MPLS, u16s(a.ethertype, 0));
    case "pop_mpls":
      return record(A.POP_MPLS, u16s(a.ethertype, 0));
    case "set_mpls_lse":
      return record(A.SET_MPLS_LSE, u32s(a.value, a.mask));
    case "dec_mpls_ttl":
      return record(A.DEC_MPLS_TTL, u32s(a.userdata ?? 0));
    case "copy_ttl_out":
      return record(A.COPY_TTL_OUT, new Uint8Array(0));
    case "copy_ttl_in":
      return record(A.COPY_TTL_IN, new Uint8Array(0));
    case "set_tp_src":
      return record(A.SET_TP_SRC, u16s(a.port, 0));
    case "set_tp_dst":
      return record(A.SET_TP_DST, u16s(a.port, 0));
    case "sample":
      return record(A.SAMPLE, u32s(a.sampler, a.rate));
    case "userspace":
      return record(A.USERSPACE, u32s(a.userdata));
    case "meter":
      return record(A.METER, u32s(a.slot));
    case "raw":
      return record(a.type, a.payload, a.len);
    default: {
      const [type, payload] = setFieldRecord(a);
      return record(type, payload);
    }
  }
}

export function encodeActions(list: Action[]): Uint8Array {
  const parts = list.map(encodeAction);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** xorshift32 1-in-N selection, as assembly/actions/sampler.ts. */
export class SamplerModel {
  state = SAMPLER_SEED;
  readonly stats = new Map<number, { pool: number; taken: number }>();
  hit(id: number, rate: number): boolean {
    const s = this.stats.get(id) ?? { pool: 0, taken: 0 };
    this.stats.set(id, s);
    s.pool++;
    let take: boolean;
    if (rate <= 1) take = rate === 1;
    else {
      let x = this.state;
      x = (x ^ (x << 13)) >>> 0;
      x = (x ^ (x >>> 17)) >>> 0;
      x = (x ^ (x << 5)) >>> 0;
      this.state = x;
      take = x * rate < 2 ** 32; // exact: a product near 2^32 is far below 2^53
    }
    if (take) s.taken++;
    return take;
  }
}

/** Layer facts the executor relies on (from the parser). */
export interface Parsed {
  present: number;
  l3: number;
  l4: number;
  frag: number;
  inPort: number;
}

export function parsedFrom(key: Uint8Array, l3: number, l4: number): Parsed {
  const dv = new DataView(key.buffer, key.byteOffset, key.byteLength);
  return {
    present: dv.getUint32(K.PRESENT, true),
    l3,
    l4,
    frag: key[K.IP_FRAG],
    inPort: dv.getUint32(K.IN_PORT, true),
  };
}

export interface ModelEnv {
  /** Port sets as defined (already de-duplicated, in order). */
  portSets: Map<number, number[]>;
  sampler: SamplerModel;
}

export interface ModelUpcall {
  reason: number;
  userdata: number;
  bytes: Uint8Array;
}

export interface ModelOutcome {
  tx: Map<number, Uint8Array[]>;
  upcalls: ModelUpcall[];
  /** action.* counter increments. */
  counters: Record<string, number>;
}

/** RFC 1624 eqn. 3 over big-endian 16-bit words: checksum after words `old` become `nw`. */
function csumAdjust(hc: number, old: number[], nw: number[]): number {
  let s = ~hc & 0xffff;
  for (const w of old) s += ~w & 0xffff;
  for (const w of nw) s += w;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  if (s === 0) s = 0xffff;
  return ~s & 0xffff;
}

const words = (b: Uint8Array, off: number, n: number): number[] =>
  Array.from({ length: n / 2 }, (_, i) => (b[off + 2 * i] << 8) | b[off + 2 * i + 1]);

const crcTable = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c;
  }
  return t;
})();
function crc32c(b: Uint8Array): number {
  let c = 0xffffffff;
  for (const x of b) c = crcTable[(c ^ x) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

class Packet {
  constructor(
    public b: Uint8Array,
    public headroom: number,
    public l3: number,
    public l4: number,
  ) {}
  get dv(): DataView {
    return new DataView(this.b.buffer, this.b.byteOffset, this.b.byteLength);
  }
  tagged(): boolean {
    if (this.b.length < 18) return false;
    const t = this.dv.getUint16(12);
    return t === 0x8100 || t === 0x88a8;
  }
}

const isMpls = (t: number) => t === 0x8847 || t === 0x8848;

/** Offset of the type field after at most two VLAN tags, or -1 when the frame is too short. */
function mplsTypeAt(pk: Packet): number {
  const b = pk.b;
  if (b.length < 14) return -1;
  let at = 12;
  for (let tags = 0; tags < 2; tags++) {
    const t = pk.dv.getUint16(at);
    if (t !== 0x8100 && t !== 0x88a8) return at;
    if (at + 6 > b.length) return -1;
    at += 4;
  }
  return at;
}

/** Offset of the top MPLS label stack entry, or -1 (not MPLS, or the entry is cut). */
function mplsTop(pk: Packet): number {
  const at = mplsTypeAt(pk);
  if (at < 0 || !isMpls(pk.dv.getUint16(at))) return -1;
  return at + 6 <= pk.b.length ? at + 2 : -1;
}

/** The entry a push puts on top (OVS's flow_push_mpls): copy of the old top with bos clear;
 *  else label 0 / 2 (IPv6), tc = DSCP & 7, bos, ttl = IP TTL; else label 0, bos, ttl 64. */
function pushedLse(pk: Packet, at: number): number {
  const t = pk.dv.getUint16(at);
  const b = pk.b;
  if (isMpls(t)) return at + 6 <= b.length ? (pk.dv.getUint32(at + 2) & ~0x100) >>> 0 : 0x100 | 64;
  const ip = at + 2;
  if (pk.l3 === ip && t === 0x0800) return ((((b[ip + 1] >> 2) & 7) << 9) | 0x100 | b[ip + 8]) >>> 0;
  if (pk.l3 === ip && t === 0x86dd) {
    const tc = (pk.dv.getUint16(ip) >> 4) & 0xff;
    return ((2 << 12) | (((tc >> 2) & 7) << 9) | 0x100 | b[ip + 7]) >>> 0;
  }
  return 0x100 | 64;
}

/** Offset of the TTL byte of what lies beneath the top entry at `top`: the next entry's TTL,
 *  or the TTL / hop limit of an IPv4 / IPv6 header beneath the bottom entry; -1 for none. */
function innerTtlAt(pk: Packet, top: number): number {
  const b = pk.b;
  const next = top + 4;
  if ((b[top + 2] & 1) === 0) return next + 4 <= b.length ? next + 3 : -1;
  if (next >= b.length) return -1;
  const v = b[next] >> 4;
  if (v === 4 && next + 20 <= b.length) return next + 8;
  if (v === 6 && next + 40 <= b.length) return next + 7;
  return -1;
}

/** Runs list over a copy of frame. Never throws. */
export function executeModel(frame: Uint8Array, parsed: Parsed, list: Uint8Array, env: ModelEnv): ModelOutcome {
  const out: ModelOutcome = { tx: new Map(), upcalls: [], counters: {} };
  const bump = (name: string) => {
    out.counters[name] = (out.counters[name] ?? 0) + 1;
  };
  const pk = new Packet(frame.slice(), HEADROOM, parsed.l3, parsed.l4);
  const pr = parsed.present;
  const send = (port: number) => {
    const q = out.tx.get(port) ?? [];
    q.push(pk.b.slice());
    out.tx.set(port, q);
  };
  const upcall = (reason: number, userdata: number) => out.upcalls.push({ reason, userdata, bytes: pk.b.slice() });
  const lv = new DataView(list.buffer, list.byteOffset, list.byteLength);
  const ipv4 = () => (pr & P.IPV4) !== 0 && pk.l3 !== 0 && pk.l3 + 20 <= pk.b.length;
  const ipv6 = () => (pr & P.IPV6) !== 0 && pk.l3 !== 0 && pk.l3 + 40 <= pk.b.length;
  const later = (parsed.frag & FRAG_LATER) !== 0;

  // Offset of the L4 checksum an address change updates, or -1.
  const l4CsumAt = (icmp6: boolean): number => {
    if (later || pk.l4 === 0) return -1;
    const l4 = pk.l4;
    const len = pk.b.length;
    if (pr & P.TCP) return l4 + 18 <= len ? l4 + 16 : -1;
    if (pr & P.UDP) return l4 + 8 <= len && pk.dv.getUint16(l4 + 6) !== 0 ? l4 + 6 : -1;
    if (icmp6 && pr & P.ICMP6) return l4 + 4 <= len ? l4 + 2 : -1;
    return -1;
  };
  const putL4Csum = (at: number, c: number) => pk.dv.setUint16(at, c === 0 && pr & P.UDP ? 0xffff : c);

  let emitted = false;
  let off = 0;
  while (off < list.length) {
    if (list.length - off < 4) {
      bump("action.bad_action");
      return out;
    }
    const type = lv.getUint16(off, true);
    const rlen = lv.getUint16(off + 2, true);
    const need = PAYLOAD_SIZE[type];
    if (need === undefined || rlen % 4 !== 0 || rlen < 4 + need || rlen > list.length - off) {
      bump("action.bad_action");
      return out;
    }
    const p = off + 4;
    const u16 = (i: number) => lv.getUint16(p + i, true);
    const u32 = (i: number) => lv.getUint32(p + i, true);
    const b = pk.b;
    switch (type) {
      case A.OUTPUT:
        if (u32(0) >= MAX_PORTS) bump("action.bad_port");
        else {
          send(u32(0));
          emitted = true;
        }
        break;
      case A.OUTPUT_SET: {
        const exclude = (u16(2) & SET_EXCLUDE_IN) !== 0;
        for (const port of env.portSets.get(u16(0)) ?? []) {
          if (exclude && port === parsed.inPort) continue;
          send(port);
          emitted = true;
        }
        break;
      }
      case A.DROP:
        bump("action.drop");
        return out;
      case A.PUSH_VLAN: {
        if (b.length < 14) break;
        if (pk.headroom < 4) {
          bump("action.no_headroom");
          return out;
        }
        const nb = new Uint8Array(b.length + 4);
        nb.set(b.subarray(0, 12), 0);
        new DataView(nb.buffer).setUint16(12, u16(0));
        new DataView(nb.buffer).setUint16(14, u16(2));
        nb.set(b.subarray(12), 16);
        pk.b = nb;
        pk.headroom -= 4;
        if (pk.l3) pk.l3 += 4;
        if (pk.l4) pk.l4 += 4;
        break;
      }
      case A.POP_VLAN:
        if (pk.tagged()) {
          const nb = new Uint8Array(b.length - 4);
          nb.set(b.subarray(0, 12), 0);
          nb.set(b.subarray(16), 12);
          pk.b = nb;
          pk.headroom += 4;
          if (pk.l3) pk.l3 -= 4;
          if (pk.l4) pk.l4 -= 4;
        }
        break;
      case A.SET_VLAN_VID:
        if (pk.tagged()) pk.dv.setUint16(14, (pk.dv.getUint16(14) & 0xf000) | (u16(0) & 0xfff));
        break;
      case A.SET_VLAN_PCP:
        if (pk.tagged()) pk.dv.setUint16(14, (pk.dv.getUint16(14) & 0x1fff) | ((list[p] & 7) << 13));
        break;
      case A.SET_ETH_SRC:
      case A.SET_ETH_DST:
        if (b.length >= 14) b.set(list.subarray(p, p + 6), type === A.SET_ETH_DST ? 0 : 6);
        break;
      case A.SET_IPV4_SRC:
      case A.SET_IPV4_DST: {
        if (!ipv4()) break;
        const at = pk.l3 + (type === A.SET_IPV4_SRC ? 12 : 16);
        const oldW = words(b, at, 4);
        const nw = list.subarray(p, p + 4);
        const newW = words(nw, 0, 4);
        pk.dv.setUint16(pk.l3 + 10, csumAdjust(pk.dv.getUint16(pk.l3 + 10), oldW, newW));
        const c = l4CsumAt(false);
        if (c >= 0) putL4Csum(c, csumAdjust(pk.dv.getUint16(c), oldW, newW));
        b.set(nw, at);
        break;
      }
      case A.SET_IPV6_SRC:
      case A.SET_IPV6_DST: {
        if (!ipv6()) break;
        const at = pk.l3 + (type === A.SET_IPV6_SRC ? 8 : 24);
        const nw = list.subarray(p, p + 16);
        const c = l4CsumAt(true);
        if (c >= 0) putL4Csum(c, csumAdjust(pk.dv.getUint16(c), words(b, at, 16), words(nw, 0, 16)));
        b.set(nw, at);
        break;
      }
      case A.SET_DSCP: {
        const dscp = list[p] & 0x3f;
        if (ipv4()) {
          const old = pk.dv.getUint16(pk.l3);
          const tos = (dscp << 2) | (b[pk.l3 + 1] & 3);
          const nw = (old & 0xff00) | tos;
          pk.dv.setUint16(pk.l3 + 10, csumAdjust(pk.dv.getUint16(pk.l3 + 10), [old], [nw]));
          b[pk.l3 + 1] = tos;
        } else if (ipv6()) {
          const w = pk.dv.getUint32(pk.l3);
          const tc = (w >>> 20) & 0xff;
          const ntc = (dscp << 2) | (tc & 3);
          pk.dv.setUint32(pk.l3, ((w & 0xf00fffff) | (ntc << 20)) >>> 0);
        }
        break;
      }
      case A.DEC_TTL: {
        let at = -1;
        if (ipv4()) at = pk.l3 + 8;
        else if (ipv6()) at = pk.l3 + 7;
        if (at < 0) break;
        if (b[at] <= 1) {
          bump("action.ttl_expired");
          upcall(UPCALL.TTL, u32(0));
          return out;
        }
        if (ipv4()) {
          const old = pk.dv.getUint16(at);
          pk.dv.setUint16(pk.l3 + 10, csumAdjust(pk.dv.getUint16(pk.l3 + 10), [old], [old - 0x100]));
        }
        b[at]--;
        break;
      }
      case A.SET_TP_SRC:
      case A.SET_TP_DST: {
        if (!(pr & (P.TCP | P.UDP | P.SCTP)) || later || pk.l4 === 0) break;
        const l4 = pk.l4;
        const at = l4 + (type === A.SET_TP_SRC ? 0 : 2);
        const port = u16(0);
        const dv = pk.dv;
        if (pr & P.TCP) {
          if (l4 + 18 > b.length) break;
          dv.setUint16(l4 + 16, csumAdjust(dv.getUint16(l4 + 16), [dv.getUint16(at)], [port]));
          dv.setUint16(at, port);
        } else if (pr & P.UDP) {
          if (l4 + 8 > b.length) break;
          const c = dv.getUint16(l4 + 6);
          if (c !== 0) {
            const n = csumAdjust(c, [dv.getUint16(at)], [port]);
            dv.setUint16(l4 + 6, n === 0 ? 0xffff : n);
          }
          dv.setUint16(at, port);
        } else {
          if (l4 + 12 > b.length) break;
          // SCTP: keep the CRC's (in)correctness: new = stored ^ crc(old) ^ crc(new).
          let end = b.length;
          if (ipv4()) end = Math.min(end, pk.l3 + dv.getUint16(pk.l3 + 2));
          else if (ipv6()) end = Math.min(end, pk.l3 + 40 + dv.getUint16(pk.l3 + 4));
          if (parsed.frag & FRAG_ANY || end < l4 + 12) {
            dv.setUint16(at, port);
            break;
          }
          const stored = dv.getUint32(l4 + 8, true);
          dv.setUint32(l4 + 8, 0, true);
          const before = crc32c(b.subarray(l4, end));
          dv.setUint16(at, port);
          const after = crc32c(b.subarray(l4, end));
          dv.setUint32(l4 + 8, (stored ^ before ^ after) >>> 0, true);
        }
        break;
      }
      case A.SAMPLE:
        if (env.sampler.hit(u32(0), u32(4))) {
          bump("action.sample_taken");
          upcall(UPCALL.SAMPLE, u32(0));
          emitted = true;
        }
        bump("action.sample_pool");
        break;
      case A.USERSPACE:
        upcall(UPCALL.ACTION, u32(0));
        emitted = true;
        break;
      case A.METER:
        // The model has no meter table: every meter is undefined, which passes the packet.
        break;
      case A.PUSH_MPLS: {
        const at = mplsTypeAt(pk);
        if (at < 0) break;
        if (pk.headroom < 4) {
          bump("action.no_headroom");
          return out;
        }
        const lse = pushedLse(pk, at);
        const nb = new Uint8Array(b.length + 4);
        nb.set(b.subarray(0, at), 0);
        const ndv = new DataView(nb.buffer);
        ndv.setUint16(at, u16(0));
        ndv.setUint32(at + 2, lse);
        nb.set(b.subarray(at + 2), at + 6);
        pk.b = nb;
        pk.headroom -= 4;
        pk.l3 = 0;
        pk.l4 = 0;
        break;
      }
      case A.POP_MPLS: {
        const top = mplsTop(pk);
        if (top < 0) break;
        const nb = new Uint8Array(b.length - 4);
        nb.set(b.subarray(0, top - 2), 0);
        new DataView(nb.buffer).setUint16(top - 2, u16(0));
        nb.set(b.subarray(top + 4), top);
        pk.b = nb;
        pk.headroom += 4;
        pk.l3 = 0;
        pk.l4 = 0;
        break;
      }
      case A.SET_MPLS_LSE: {
        const top = mplsTop(pk);
        if (top < 0) break;
        const v = pk.dv.getUint32(top);
        pk.dv.setUint32(top, ((v & ~u32(4)) | (u32(0) & u32(4))) >>> 0);
        break;
      }
      case A.DEC_MPLS_TTL: {
        const top = mplsTop(pk);
        if (top < 0) break;
        if (b[top + 3] <= 1) {
          bump("action.ttl_expired");
          upcall(UPCALL.TTL, u32(0));
          return out;
        }
        b[top + 3]--;
        break;
      }
      case A.COPY_TTL_OUT: {
        const top = mplsTop(pk);
        if (top < 0) break;
        const inner = innerTtlAt(pk, top);
        if (inner >= 0) b[top + 3] = b[inner];
        break;
      }
      case A.COPY_TTL_IN: {
        const top = mplsTop(pk);
        if (top < 0) break;
        const inner = innerTtlAt(pk, top);
        if (inner < 0) break;
        const bos = (b[top + 2] & 1) === 1;
        if (bos && b[top + 4] >> 4 === 4) {
          const ip = top + 4;
          const old = pk.dv.getUint16(ip + 8);
          const nw = (b[top + 3] << 8) | (old & 0xff);
          pk.dv.setUint16(ip + 10, csumAdjust(pk.dv.getUint16(ip + 10), [old], [nw]));
        }
        b[inner] = b[top + 3];
        break;
      }
      default:
        executeSetFieldRecord(type, pk, pr, parsed.frag, list, p, csumAdjust);
    }
    off += rlen;
  }
  if (!emitted) bump("action.drop");
  return out;
}
