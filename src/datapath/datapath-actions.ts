// Encoder for the fast path's datapath action lists (format: assembly/actions/action-format.ts).
// The control plane builds lists with this and installs them with megaflows or runs them over
// a packet; `describeActions` renders a list the way `dpctl dump-flows` and `trace` show it.

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
} as const;

/** Why a megaflow drops, recorded in its A_DROP record and counted by the fast path. */
export const DROP_REASON = {
  NONE: 0,
  XLATE_FAILED: 1,
  VLAN_MISMATCH: 2,
  INPUT_IS_OUTPUT: 3,
  NO_PORTS: 4,
  ADMIN_DOWN: 5,
} as const;

export class ActionList {
  private readonly parts: number[] = [];

  private record(type: number, payload: number[]): this {
    const len = 4 + payload.length;
    this.parts.push(type & 0xff, type >>> 8, len & 0xff, len >>> 8, ...payload);
    return this;
  }
  private static u16(v: number): number[] {
    return [v & 0xff, (v >>> 8) & 0xff];
  }
  private static u32(v: number): number[] {
    return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
  }

  output(port: number): this {
    return this.record(A.OUTPUT, ActionList.u32(port));
  }
  drop(reason: number): this {
    return this.record(A.DROP, ActionList.u32(reason));
  }
  pushVlan(tpid: number, tci: number): this {
    return this.record(A.PUSH_VLAN, [...ActionList.u16(tpid), ...ActionList.u16(tci)]);
  }
  popVlan(): this {
    return this.record(A.POP_VLAN, []);
  }
  setVlanVid(vid: number): this {
    return this.record(A.SET_VLAN_VID, [...ActionList.u16(vid), 0, 0]);
  }
  userspace(userdata: number): this {
    return this.record(A.USERSPACE, ActionList.u32(userdata));
  }
  get length(): number {
    return this.parts.length;
  }
  get empty(): boolean {
    return this.parts.length === 0;
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

/** Human-readable rendering of an encoded list, e.g. "pop_vlan,output:2". */
export function describeActions(list: Uint8Array): string {
  const v = new DataView(list.buffer, list.byteOffset, list.byteLength);
  const out: string[] = [];
  for (let off = 0; off + 4 <= list.length; ) {
    const type = v.getUint16(off, true);
    const len = v.getUint16(off + 2, true);
    if (len < 4 || off + len > list.length) {
      out.push(`<bad record at ${off}>`);
      break;
    }
    const u32 = () => v.getUint32(off + 4, true);
    const u16 = (at: number) => v.getUint16(off + 4 + at, true);
    switch (type) {
      case A.OUTPUT:
        out.push(`output:${u32()}`);
        break;
      case A.DROP:
        out.push(`drop(${u32()})`);
        break;
      case A.PUSH_VLAN:
        out.push(`push_vlan(tpid=0x${u16(0).toString(16)},vid=${u16(2) & 0xfff},pcp=${u16(2) >>> 13})`);
        break;
      case A.POP_VLAN:
        out.push("pop_vlan");
        break;
      case A.SET_VLAN_VID:
        out.push(`set_vlan_vid:${u16(0)}`);
        break;
      case A.USERSPACE:
        out.push(`userspace(${u32()})`);
        break;
      default:
        out.push(`action${type}`);
    }
    off += len;
  }
  return out.length === 0 ? "drop" : out.join(",");
}
