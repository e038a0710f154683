import { describe, expect, it } from "vitest";
import { FlowKey, KEY } from "../../../src/datapath/flow-key.ts";
import { PIPE, PIPELINE_KEY_SIZE, PipelineFlow } from "../../../src/ofproto/pipeline-flow.ts";

describe("PipelineFlow", () => {
  it("copies the datapath key and keeps registers after it, big-endian", () => {
    const raw = new Uint8Array(112);
    raw[KEY.ETH_DST] = 0x02;
    const f = PipelineFlow.fromKey(new FlowKey(raw), 0xfffffffd);
    raw[KEY.ETH_DST] = 0x99;
    expect(f.key[KEY.ETH_DST]).toBe(0x02);
    expect(f.bytes.length).toBe(PIPELINE_KEY_SIZE);
    expect(f.inPort).toBe(0xfffffffd);
    f.metadata = 0x0102030405060708n;
    f.tunnelId = -1n; // wraps to u64
    expect(Array.from(f.bytes.subarray(PIPE.METADATA, PIPE.METADATA + 8))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(f.tunnelId).toBe(0xffff_ffff_ffff_ffffn);
  });
  it("write_metadata changes only the masked bits; clone is independent", () => {
    const f = PipelineFlow.fromKey(new Uint8Array(112), 1);
    f.metadata = 0xff00n;
    f.writeMetadata(0x0ffn, 0x0f0n);
    expect(f.metadata).toBe(0xfff0n);
    const g = f.clone();
    g.metadata = 0n;
    g.key[0] = 9;
    expect(f.metadata).toBe(0xfff0n);
    expect(f.key[0]).toBe(0);
  });
  it("rejects keys of the wrong size", () => {
    expect(() => PipelineFlow.fromKey(new Uint8Array(10), 1)).toThrow(/112 bytes/);
    expect(() => new PipelineFlow(new Uint8Array(112))).toThrow(/132 bytes/);
  });
});
