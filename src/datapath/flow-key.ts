// The fast path's flow key as the control plane sees it: offsets, presence bits, and small
// readers and mask builders over the 112 bytes. The layout is defined (and drawn) in
// assembly/key/flow-key.ts; this file mirrors it across the language boundary, and
// test/src/datapath/flow-key.test.ts checks the two agree on real parsed frames.

export const KEY_SIZE = 112;

export const KEY = {
  IN_PORT: 0,
  PRESENT: 4,
  ETH_DST: 8,
  ETH_SRC: 14,
  ETH_TYPE: 20,
  VLAN_TCI: 22,
  VLAN_TPID: 24,
  VLAN2_TCI: 26,
  IP_PROTO: 28,
  IP_TOS: 29,
  IP_TTL: 30,
  IP_FRAG: 31,
  NW_SRC: 32,
  NW_DST: 48,
  TP_SRC: 64,
  TP_DST: 66,
  TCP_FLAGS: 68,
  /** ARP opcode, all 16 bits (IP_PROTO holds its low byte). */
  ARP_OP: 70,
  IPV6_LABEL: 72,
  /** Top MPLS label stack entry, wire order: label 20 | tc 3 | bos 1 | ttl 8. */
  MPLS_LSE: 76,
  ARP_SHA: 80,
  ARP_THA: 86,
  ND_TARGET: 96,
} as const;

/** KEY.IP_FRAG bits (as OVS's FLOW_NW_FRAG_*; assembly/key/flow-key.ts). */
export const FRAG = {
  /** The packet is an IP fragment. */
  ANY: 1,
  /** ...and not the first one (no L4 header). */
  LATER: 2,
} as const;

export const PRESENT = {
  ETH: 1 << 0,
  VLAN: 1 << 1,
  VLAN2: 1 << 2,
  ARP: 1 << 3,
  IPV4: 1 << 4,
  IPV6: 1 << 5,
  TCP: 1 << 6,
  UDP: 1 << 7,
  SCTP: 1 << 8,
  ICMP4: 1 << 9,
  ICMP6: 1 << 10,
  ND: 1 << 11,
  IP_OPTIONS: 1 << 12,
  TRUNCATED: 1 << 13,
  MALFORMED: 1 << 14,
  MPLS: 1 << 15,
} as const;

/** A read-only view of one flow key. */
export class FlowKey {
  readonly bytes: Uint8Array;
  private readonly view: DataView;

  constructor(bytes: Uint8Array) {
    if (bytes.length !== KEY_SIZE) throw new Error(`a flow key is ${KEY_SIZE} bytes, got ${bytes.length}`);
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, KEY_SIZE);
  }

  get inPort(): number {
    return this.view.getUint32(KEY.IN_PORT, true);
  }
  get present(): number {
    return this.view.getUint32(KEY.PRESENT, true);
  }
  has(bit: number): boolean {
    return (this.present & bit) !== 0;
  }
  get ethDst(): Uint8Array {
    return this.bytes.subarray(KEY.ETH_DST, KEY.ETH_DST + 6);
  }
  get ethSrc(): Uint8Array {
    return this.bytes.subarray(KEY.ETH_SRC, KEY.ETH_SRC + 6);
  }
  get ethType(): number {
    return this.view.getUint16(KEY.ETH_TYPE);
  }
  /** The outer tag's TCI (PCP|DEI|VID), 0 when untagged. */
  get vlanTci(): number {
    return this.view.getUint16(KEY.VLAN_TCI);
  }
  get vlanTpid(): number {
    return this.view.getUint16(KEY.VLAN_TPID);
  }
  get tagged(): boolean {
    return this.has(PRESENT.VLAN);
  }
}

/** A mask under construction: each method un-wildcards one field (sets its bits to 1). */
export class KeyMask {
  readonly bytes = new Uint8Array(KEY_SIZE);
  private readonly view = new DataView(this.bytes.buffer);

  field(offset: number, length: number): this {
    this.bytes.fill(0xff, offset, offset + length);
    return this;
  }
  inPort(): this {
    return this.field(KEY.IN_PORT, 4);
  }
  presentBits(bits: number): this {
    this.view.setUint32(KEY.PRESENT, this.view.getUint32(KEY.PRESENT, true) | bits, true);
    return this;
  }
  ethSrc(): this {
    return this.field(KEY.ETH_SRC, 6);
  }
  ethDst(): this {
    return this.field(KEY.ETH_DST, 6);
  }
  /** The outer tag whole: TPID and TCI, and whether there is one. */
  vlan(): this {
    this.presentBits(PRESENT.VLAN);
    return this.field(KEY.VLAN_TCI, 4);
  }
}

const HEX_BYTE = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

export function macToString(mac: Uint8Array): string {
  return `${HEX_BYTE[mac[0]]}:${HEX_BYTE[mac[1]]}:${HEX_BYTE[mac[2]]}:${HEX_BYTE[mac[3]]}:${HEX_BYTE[mac[4]]}:${HEX_BYTE[mac[5]]}`;
}

export function macFromString(s: string): Uint8Array {
  const m = /^([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2})$/i.exec(s);
  if (!m) throw new Error(`"${s}" is not a MAC address (expected six hex pairs like 02:00:00:00:00:01)`);
  return Uint8Array.from(m.slice(1), (h) => Number.parseInt(h, 16));
}

export function isMulticastMac(mac: Uint8Array): boolean {
  return (mac[0] & 1) === 1;
}
