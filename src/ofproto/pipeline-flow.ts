// PipelineFlow: the packet as the OpenFlow pipeline sees it while tables are walked — the
// datapath flow key plus the pipeline registers that the datapath key does not carry.
//
// What: a 132-byte "pipeline key": the 112-byte datapath key (src/datapath/flow-key.ts, copied)
//   followed by the OpenFlow in_port, metadata and tunnel_id. The rule classifier masks and
//   hashes these 132 bytes directly, so a rule on metadata is classified like one on eth_dst.
// Design: one buffer, with `key` a view of its first 112 bytes and the registers as accessors
//   over the tail, so clone() is one copy and lookup() never rebuilds anything. Registers are
//   big-endian like the key's packet fields (OpenFlow values compare bytewise).
//   in_port here is the OpenFlow port number, which the bridge derives from the datapath port
//   (KEY.IN_PORT): un-wildcarding in_port therefore records KEY.IN_PORT (oxm-key-map.ts).
//   metadata and tunnel_id start at 0 for every packet and change only through instructions and
//   actions of rules already matched, so they need no bits in a megaflow mask. (tunnel_id is 0
//   until the datapath has tunnel ports; then it will come from the key like in_port.)
//   The action set, the current table and the goto chain belong to the translator, not here.
// Invariants: bytes.length = PIPELINE_KEY_SIZE; `key` always aliases bytes[0..112).
// Threading: main thread; a PipelineFlow is owned by the one translation using it.
//
//  off  size  field
//    0   112  datapath key (KEY.* offsets)
//  112     4  OF_IN_PORT   be32  OpenFlow port number (OFPP_* reserved values allowed)
//  116     8  METADATA     be64
//  124     8  TUNNEL_ID    be64

import { type FlowKey, KEY_SIZE } from "../datapath/flow-key.ts";

export const PIPELINE_KEY_SIZE = KEY_SIZE + 20;

/** Offsets of the pipeline registers in PipelineFlow.bytes. */
export const PIPE = {
  OF_IN_PORT: KEY_SIZE,
  METADATA: KEY_SIZE + 4,
  TUNNEL_ID: KEY_SIZE + 12,
} as const;

export class PipelineFlow {
  /** The whole pipeline key (datapath key + registers). */
  readonly bytes: Uint8Array;
  /** The datapath key part: a view of bytes[0..112). Writes go to this flow only. */
  readonly key: Uint8Array;
  private readonly view: DataView;

  /** A flow from a datapath key (copied) and the OpenFlow port the packet arrived on. */
  static fromKey(key: FlowKey | Uint8Array, ofInPort: number): PipelineFlow {
    const src = key instanceof Uint8Array ? key : key.bytes;
    if (src.length !== KEY_SIZE) throw new Error(`a flow key is ${KEY_SIZE} bytes, got ${src.length}`);
    const bytes = new Uint8Array(PIPELINE_KEY_SIZE);
    bytes.set(src);
    const flow = new PipelineFlow(bytes);
    flow.inPort = ofInPort;
    return flow;
  }

  /** Wraps (does not copy) a full pipeline key. */
  constructor(bytes: Uint8Array = new Uint8Array(PIPELINE_KEY_SIZE)) {
    if (bytes.length !== PIPELINE_KEY_SIZE) {
      throw new Error(`a pipeline key is ${PIPELINE_KEY_SIZE} bytes, got ${bytes.length}`);
    }
    this.bytes = bytes;
    this.key = bytes.subarray(0, KEY_SIZE);
    this.view = new DataView(bytes.buffer, bytes.byteOffset, PIPELINE_KEY_SIZE);
  }

  get inPort(): number {
    return this.view.getUint32(PIPE.OF_IN_PORT);
  }
  set inPort(port: number) {
    this.view.setUint32(PIPE.OF_IN_PORT, port >>> 0);
  }
  get metadata(): bigint {
    return this.view.getBigUint64(PIPE.METADATA);
  }
  set metadata(v: bigint) {
    this.view.setBigUint64(PIPE.METADATA, BigInt.asUintN(64, v));
  }
  get tunnelId(): bigint {
    return this.view.getBigUint64(PIPE.TUNNEL_ID);
  }
  set tunnelId(v: bigint) {
    this.view.setBigUint64(PIPE.TUNNEL_ID, BigInt.asUintN(64, v));
  }

  /** The PRESENT bits of the datapath key (little-endian u32, as in WASM memory). */
  get present(): number {
    return this.view.getUint32(4, true);
  }

  /** write_metadata: metadata = (metadata & ~mask) | (value & mask). */
  writeMetadata(value: bigint, mask: bigint): void {
    this.metadata = (this.metadata & ~mask) | (value & mask);
  }

  clone(): PipelineFlow {
    return new PipelineFlow(this.bytes.slice());
  }
}
