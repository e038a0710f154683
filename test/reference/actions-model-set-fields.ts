// Reference model of the set-field records 30..44 (assembly/actions/set-field-ip.ts,
// set-field-arp.ts, set-field-icmp.ts), split from actions-model.ts to keep files small.
//
// What: `encodeSetFieldAction` writes one such record; `executeSetFieldRecord` applies one to
//   the working bytes in place (these records never resize the packet).
// Design: written from the record table in action-format.ts and the header layouts, not from
//   the WASM: checksums are RFC 1624 over big-endian words (csumAdjust from actions-model.ts).
// Invariants: never throws; a packet without the layer is left alone.

import { FRAG_LATER, P } from "./parser-model.ts";

export const A_SF = {
  SET_ECN: 30,
  SET_TTL: 31,
  SET_ARP_OP: 32,
  SET_ARP_SPA: 33,
  SET_ARP_TPA: 34,
  SET_ARP_SHA: 35,
  SET_ARP_THA: 36,
  SET_ICMP4_TYPE: 37,
  SET_ICMP4_CODE: 38,
  SET_ICMP6_TYPE: 39,
  SET_ICMP6_CODE: 40,
  SET_IPV6_LABEL: 41,
  SET_ND_TARGET: 42,
  SET_ND_SLL: 43,
  SET_ND_TLL: 44,
} as const;

export const SF_PAYLOAD_SIZE: Record<number, number> = {
  30: 4,
  31: 4,
  32: 4,
  33: 4,
  34: 4,
  35: 8,
  36: 8,
  37: 4,
  38: 4,
  39: 4,
  40: 4,
  41: 4,
  42: 16,
  43: 8,
  44: 8,
};

const BYTE_TYPES = {
  set_ecn: A_SF.SET_ECN,
  set_ttl: A_SF.SET_TTL,
  set_icmp4_type: A_SF.SET_ICMP4_TYPE,
  set_icmp4_code: A_SF.SET_ICMP4_CODE,
  set_icmp6_type: A_SF.SET_ICMP6_TYPE,
  set_icmp6_code: A_SF.SET_ICMP6_CODE,
} as const;
const ADDR_TYPES = {
  set_arp_spa: [A_SF.SET_ARP_SPA, 4],
  set_arp_tpa: [A_SF.SET_ARP_TPA, 4],
  set_arp_sha: [A_SF.SET_ARP_SHA, 8],
  set_arp_tha: [A_SF.SET_ARP_THA, 8],
  set_nd_target: [A_SF.SET_ND_TARGET, 16],
  set_nd_sll: [A_SF.SET_ND_SLL, 8],
  set_nd_tll: [A_SF.SET_ND_TLL, 8],
} as const;

export type SetFieldAction =
  | { t: keyof typeof BYTE_TYPES; v: number }
  | { t: "set_arp_op"; op: number }
  | { t: "set_ipv6_label"; label: number }
  | { t: keyof typeof ADDR_TYPES; addr: Uint8Array };

/** Payload bytes of one record (the caller adds the 4-byte header). */
export function setFieldRecord(a: SetFieldAction): [number, Uint8Array] {
  const p4 = new Uint8Array(4);
  const dv = new DataView(p4.buffer);
  switch (a.t) {
    case "set_arp_op":
      dv.setUint16(0, a.op, true);
      return [A_SF.SET_ARP_OP, p4];
    case "set_ipv6_label":
      dv.setUint32(0, a.label >>> 0, true);
      return [A_SF.SET_IPV6_LABEL, p4];
    case "set_ecn":
    case "set_ttl":
    case "set_icmp4_type":
    case "set_icmp4_code":
    case "set_icmp6_type":
    case "set_icmp6_code":
      p4[0] = a.v & 0xff;
      return [BYTE_TYPES[a.t], p4];
    default: {
      const [type, n] = ADDR_TYPES[a.t];
      const p = new Uint8Array(n);
      p.set(a.addr.subarray(0, Math.min(n, a.addr.length)));
      return [type, p];
    }
  }
}

export interface SetFieldPacket {
  b: Uint8Array;
  l3: number;
  l4: number;
}

type Adjust = (hc: number, old: number[], nw: number[]) => number;
const words = (b: Uint8Array, off: number, n: number): number[] =>
  Array.from({ length: n / 2 }, (_, i) => (b[off + 2 * i] << 8) | b[off + 2 * i + 1]);

/** Applies record `type` (payload at list[p..]) when it is one of 30..44; false otherwise. */
export function executeSetFieldRecord(
  type: number,
  pk: SetFieldPacket,
  present: number,
  frag: number,
  list: Uint8Array,
  p: number,
  csumAdjust: Adjust,
): boolean {
  if (SF_PAYLOAD_SIZE[type] === undefined) return false;
  const b = pk.b;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const ipv4 = (present & P.IPV4) !== 0 && pk.l3 !== 0 && pk.l3 + 20 <= b.length;
  const ipv6 = (present & P.IPV6) !== 0 && pk.l3 !== 0 && pk.l3 + 40 <= b.length;
  const arp = (present & P.ARP) !== 0 && pk.l3 !== 0 && pk.l3 + 28 <= b.length;
  const icmp = (layer: number) =>
    (present & layer) !== 0 && (frag & FRAG_LATER) === 0 && pk.l4 !== 0 && pk.l4 + 4 <= b.length;
  const nd = icmp(P.ND) && pk.l4 + 24 <= b.length;
  const v = list[p];
  // Replaces bytes [at, at+n) of the ICMP message with nw, updating its checksum.
  const icmpReplace = (at: number, nw: Uint8Array) => {
    const c = csumAdjust(dv.getUint16(pk.l4 + 2), words(b, at, nw.length), words(nw, 0, nw.length));
    b.set(nw, at);
    dv.setUint16(pk.l4 + 2, c);
  };
  switch (type) {
    case A_SF.SET_ECN:
      if (ipv4) {
        const old = dv.getUint16(pk.l3);
        const nw = (old & 0xfffc) | (v & 3);
        if (nw !== old) {
          dv.setUint16(pk.l3 + 10, csumAdjust(dv.getUint16(pk.l3 + 10), [old], [nw]));
          dv.setUint16(pk.l3, nw);
        }
      } else if (ipv6) {
        const w = dv.getUint32(pk.l3);
        dv.setUint32(pk.l3, ((w & ~(3 << 20)) | ((v & 3) << 20)) >>> 0);
      }
      break;
    case A_SF.SET_TTL:
      if (ipv4) {
        const old = dv.getUint16(pk.l3 + 8);
        const nw = (old & 0xff) | (v << 8);
        if (nw !== old) {
          dv.setUint16(pk.l3 + 10, csumAdjust(dv.getUint16(pk.l3 + 10), [old], [nw]));
          dv.setUint16(pk.l3 + 8, nw);
        }
      } else if (ipv6) b[pk.l3 + 7] = v;
      break;
    case A_SF.SET_ARP_OP:
      if (arp) dv.setUint16(pk.l3 + 6, new DataView(list.buffer, list.byteOffset).getUint16(p, true));
      break;
    case A_SF.SET_ARP_SPA:
    case A_SF.SET_ARP_TPA:
    case A_SF.SET_ARP_SHA:
    case A_SF.SET_ARP_THA: {
      if (!arp) break;
      const [off, n] = { 33: [14, 4], 34: [24, 4], 35: [8, 6], 36: [18, 6] }[type as 33 | 34 | 35 | 36];
      b.set(list.subarray(p, p + n), pk.l3 + off);
      break;
    }
    case A_SF.SET_ICMP4_TYPE:
    case A_SF.SET_ICMP4_CODE:
    case A_SF.SET_ICMP6_TYPE:
    case A_SF.SET_ICMP6_CODE: {
      const v6 = type >= A_SF.SET_ICMP6_TYPE;
      if (!icmp(v6 ? P.ICMP6 : P.ICMP4)) break;
      const isCode = type === A_SF.SET_ICMP4_CODE || type === A_SF.SET_ICMP6_CODE;
      const nw = b.slice(pk.l4, pk.l4 + 2);
      nw[isCode ? 1 : 0] = v;
      if (nw[0] !== b[pk.l4] || nw[1] !== b[pk.l4 + 1]) icmpReplace(pk.l4, nw);
      break;
    }
    case A_SF.SET_IPV6_LABEL:
      if (ipv6) {
        const w = dv.getUint32(pk.l3);
        const label = new DataView(list.buffer, list.byteOffset).getUint32(p, true);
        dv.setUint32(pk.l3, ((w & 0xfff00000) | (label & 0xfffff)) >>> 0);
      }
      break;
    case A_SF.SET_ND_TARGET:
      if (nd) icmpReplace(pk.l4 + 8, list.slice(p, p + 16));
      break;
    case A_SF.SET_ND_SLL:
    case A_SF.SET_ND_TLL: {
      if (!nd) break;
      const want = type === A_SF.SET_ND_SLL ? 1 : 2;
      // Options run to the end of the IPv6 payload (or of the packet, if shorter).
      const end = Math.min(b.length, pk.l3 + 40 + dv.getUint16(pk.l3 + 4));
      for (let o = pk.l4 + 24; o + 8 <= end; ) {
        const olen = b[o + 1] * 8;
        if (olen === 0 || olen > end - o) break;
        if (b[o] === want && olen === 8) {
          icmpReplace(o + 2, list.slice(p, p + 6));
          break;
        }
        o += olen;
      }
      break;
    }
  }
  return true;
}
