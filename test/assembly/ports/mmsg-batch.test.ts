import { describe, expect, it } from "vitest";
import { createFastPath, readCounters } from "../../../src/datapath/fastpath-module.ts";
import { hexOf, rawFrame, TP_STATUS_VLAN_VALID, tagged, takeRx } from "./ring-builder.ts";

const BASE = 0x7f00_0000_0000n; // a pretend native base: the batch only adds offsets to it
const HDR = 64;
const IOV = 16;

describe("mmsg batches (recvmmsg/sendmmsg vectors in WASM memory)", () => {
  it("aims each receive iovec at a fresh buffer and finishes like the kernel left it", async () => {
    const fp = await createFastPath({ buffers: 8 });
    const mm = fp.portsMmsgCreate(4, true, BASE);
    expect(mm).not.toBe(0);
    expect(fp.portsMmsgRxPrepare(mm, 4)).toBe(4);
    expect(fp.bufferFreeCount()).toBe(4);
    const dv = new DataView(fp.memory.buffer);
    const hdrs = fp.portsMmsgHeaders(mm);
    const iovs = fp.portsMmsgIovecs(mm);
    const ids = new Uint32Array(fp.memory.buffer, fp.portsMmsgIds(mm), 4).slice();
    // msghdr points at its iovec and control buffer, both as native addresses.
    expect(dv.getBigUint64(hdrs + 16, true)).toBe(BASE + BigInt(iovs));
    expect(dv.getBigUint64(hdrs + 24, true)).toBe(1n);
    for (let i = 0; i < 4; i++) {
      expect(dv.getBigUint64(iovs + i * IOV, true)).toBe(BASE + BigInt(fp.bufferData(ids[i])));
      expect(Number(dv.getBigUint64(iovs + i * IOV + 8, true))).toBe(fp.bufferRoom(ids[i]));
    }
    // Play the kernel: 3 messages arrive; #1 carries a stripped tag in PACKET_AUXDATA,
    // #2 was truncated (MSG_TRUNC).
    const frames = [rawFrame(60, 1), rawFrame(80, 2), rawFrame(90, 3)];
    frames.forEach((f, i) => {
      new Uint8Array(fp.memory.buffer, fp.bufferData(ids[i]), f.length).set(f);
      dv.setUint32(hdrs + i * HDR + 56, f.length, true);
    });
    dv.setInt32(hdrs + 2 * HDR + 48, 0x20, true);
    const ctrl = Number(dv.getBigUint64(hdrs + HDR + 32, true) - BASE);
    dv.setBigUint64(ctrl, 36n, true); // cmsg_len
    dv.setInt32(ctrl + 8, 263, true); // SOL_PACKET
    dv.setInt32(ctrl + 12, 8, true); // PACKET_AUXDATA
    dv.setUint32(ctrl + 16, TP_STATUS_VLAN_VALID, true);
    dv.setUint16(ctrl + 32, 0x2064, true);
    dv.setBigUint64(hdrs + HDR + 40, 40n, true); // msg_controllen as returned

    const n = fp.portsMmsgRxFinish(mm, 3, fp.dpRxIds());
    expect(n).toBe(2);
    expect(takeRx(fp, n)).toEqual([hexOf(frames[0]), hexOf(tagged(frames[1], 0x8100, 0x2064))]);
    expect(fp.bufferFreeCount()).toBe(8); // the truncated one and the unused one were freed
    expect(fp.portsMmsgStat(mm, 0)).toBe(2n);
    expect(fp.portsMmsgStat(mm, 1)).toBe(BigInt(60 + 84));
    expect(fp.portsMmsgStat(mm, 2)).toBe(1n);
    expect(readCounters(fp)["ports.mmsg_truncated"]).toBe(1n);
    fp.portsMmsgDestroy(mm);
  });

  it("prepares fewer messages when the pool runs short, and returns them all on destroy", async () => {
    const fp = await createFastPath({ buffers: 3 });
    const mm = fp.portsMmsgCreate(8, false, BASE);
    expect(fp.portsMmsgRxPrepare(mm, 8)).toBe(3);
    fp.portsMmsgDestroy(mm);
    expect(fp.bufferFreeCount()).toBe(3);
  });

  it("aims transmit iovecs at the frames and sums what the kernel sent", async () => {
    const fp = await createFastPath({ buffers: 8 });
    const mm = fp.portsMmsgCreate(4, false, BASE);
    const ids = [fp.bufferAlloc(), fp.bufferAlloc()];
    fp.bufferSetLength(ids[0], 60);
    fp.bufferSetLength(ids[1], 1514);
    const at = fp.portsMmsgIds(mm);
    new Uint32Array(fp.memory.buffer, at, 2).set(ids);
    expect(fp.portsMmsgTxPrepare(mm, at, 2)).toBe(2);
    const dv = new DataView(fp.memory.buffer);
    const iovs = fp.portsMmsgIovecs(mm);
    const hdrs = fp.portsMmsgHeaders(mm);
    expect(dv.getBigUint64(iovs, true)).toBe(BASE + BigInt(fp.bufferData(ids[0])));
    expect(dv.getBigUint64(iovs + 8, true)).toBe(60n);
    expect(dv.getBigUint64(iovs + IOV + 8, true)).toBe(1514n);
    dv.setUint32(hdrs + 56, 60, true);
    dv.setUint32(hdrs + HDR + 56, 1514, true);
    expect(fp.portsMmsgSentBytes(mm, 0, 2)).toBe(1574n);
    expect(fp.portsMmsgSentBytes(mm, 1, 2)).toBe(1514n);
    expect(fp.portsMmsgCreate(0, false, BASE)).toBe(0);
  });
});

describe("VLAN tag insertion in place", () => {
  it("uses the headroom, moving only the addresses, until the headroom runs out", async () => {
    const fp = await createFastPath({ buffers: 4 });
    const id = fp.bufferAlloc();
    const f = rawFrame(60, 9);
    new Uint8Array(fp.memory.buffer, fp.bufferData(id), f.length).set(f);
    fp.bufferSetLength(id, f.length);
    const off = fp.bufferOffset(id);
    expect(fp.portsVlanInsert(id, 0, 10)).toBe(true);
    expect(fp.bufferOffset(id)).toBe(off - 4);
    expect(hexOf(new Uint8Array(fp.memory.buffer, fp.bufferData(id), fp.bufferLength(id)))).toBe(
      hexOf(tagged(f, 0x8100, 10)),
    );
    let inserted = 1;
    while (fp.portsVlanInsert(id, 0x88a8, 1)) inserted++;
    expect(inserted).toBe(off / 4);
    expect(readCounters(fp)["ports.vlan_no_room"]).toBe(1n);
  });
});
