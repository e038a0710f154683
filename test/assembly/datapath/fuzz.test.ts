// A million random and mutated frames through parse → classify → execute, with megaflows
// installed from the misses as a control plane would, random action lists, and flushes.
// Nothing may trap, no buffer may leak, and the counters must add up.

import { describe, expect, it } from "vitest";
import { createFastPath, type FastPath, readCounters } from "../../../src/datapath/fastpath-module.ts";
import { KEY_SIZE } from "../../support/fastpath-io.ts";
import { Rng, udpFrame } from "../../support/frames.ts";

const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed);

/** Base frames the mutator starts from: several protocols, tagged and not. */
function baseFrames(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < 16; i++) {
    out.push(udpFrame(i));
    out.push(udpFrame(i, { vlan: 10 + i, len: 90 }));
    const tcp = udpFrame(i, { len: 80 });
    tcp[23] = 6; // IPv4 protocol TCP: now the L4 bytes read as a TCP header
    tcp[46] = 0x50;
    tcp[47] = 0x12;
    out.push(tcp);
  }
  // IPv6 / UDP with a hop-by-hop header.
  const v6 = new Uint8Array(90);
  v6.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x86, 0xdd, 0x60, 0, 0, 0, 0, 36, 0, 64]);
  v6[20] = 0; // next header: hop-by-hop
  v6[54] = 17; // hop-by-hop → UDP
  v6[55] = 0;
  out.push(v6);
  // ARP request.
  const arp = new Uint8Array(60);
  arp.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x06, 0, 1, 8, 0, 6, 4, 0, 1]);
  out.push(arp);
  // QinQ.
  const qinq = new Uint8Array(70);
  qinq.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x88, 0xa8, 0, 100, 0x81, 0, 0, 200, 0x08, 0x00, 0x45]);
  out.push(qinq);
  return out;
}

/** A random, valid action list (record formats of assembly/actions/action-format.ts). */
function randomActions(rng: Rng): Uint8Array {
  const recs: number[][] = [];
  const n = rng.below(5);
  const u16 = (x: number) => [x & 0xff, (x >>> 8) & 0xff];
  const u32 = (x: number) => [...u16(x & 0xffff), ...u16(x >>> 16)];
  for (let i = 0; i < n; i++) {
    switch (rng.below(12)) {
      case 0:
      case 1:
        recs.push([...u16(1), ...u16(8), ...u32(rng.below(24))]);
        break;
      case 2:
        recs.push([...u16(2), ...u16(8), ...u16(rng.below(4)), ...u16(rng.below(2))]);
        break;
      case 3:
        recs.push([...u16(4), ...u16(8), ...u16(rng.below(2) ? 0x8100 : 0x88a8), ...u16(rng.below(0x10000))]);
        break;
      case 4:
        recs.push([...u16(5), ...u16(4)]);
        break;
      case 5:
        recs.push([...u16(6), ...u16(8), ...u16(rng.below(4096)), 0, 0]);
        break;
      case 6:
        recs.push([...u16(8 + rng.below(2)), ...u16(12), ...Array.from(rng.bytes(6)), 0, 0]);
        break;
      case 7:
        recs.push([...u16(10 + rng.below(2)), ...u16(8), ...Array.from(rng.bytes(4))]);
        break;
      case 8:
        recs.push([...u16(12 + rng.below(2)), ...u16(20), ...Array.from(rng.bytes(16))]);
        break;
      case 9:
        recs.push(rng.below(2) ? [...u16(14), ...u16(8), rng.below(64), 0, 0, 0] : [...u16(15), ...u16(4)]);
        break;
      case 10:
        recs.push([...u16(16 + rng.below(2)), ...u16(8), ...u16(rng.below(0x10000)), 0, 0]);
        break;
      default:
        recs.push(
          rng.below(2)
            ? [...u16(18), ...u16(12), ...u32(rng.below(4)), ...u32(rng.below(4))]
            : [...u16(19), ...u16(8), ...u32(rng.next())],
        );
    }
  }
  return Uint8Array.from(recs.flat());
}

/** A random mask over the key: whole fields, so flows share subtables. */
function randomMask(rng: Rng): Uint8Array {
  const m = new Uint8Array(KEY_SIZE);
  const fields: Array<[number, number]> = [
    [0, 4],
    [8, 6],
    [14, 6],
    [20, 2],
    [22, 2],
    [28, 1],
    [32, 4],
    [48, 4],
    [64, 2],
    [66, 2],
  ];
  for (const [off, len] of fields) if (rng.below(3) === 0) m.fill(0xff, off, off + len);
  // Always the ingress port and a source address, so one megaflow cannot swallow all traffic.
  m.fill(0xff, 0, 4);
  if (rng.below(2) === 0) m.fill(0xff, 32, 36);
  else m.fill(0xff, 14, 20);
  if (rng.below(8) === 0) m.fill(0xff);
  return m;
}

interface Totals {
  frames: number;
  tx: number;
}

function runFuzz(fp: FastPath, frames: number, seed: number, poolSize: number): Totals {
  const rng = new Rng(seed);
  const bases = baseFrames();
  const scratch = fp.classifyScratch();
  const batch = fp.dpBatchSize();
  let tx = 0;
  let now = 1;
  for (let set = 0; set < 4; set++) {
    const ports = new Uint32Array([set, set + 1, set + 5, 17]);
    new Uint32Array(fp.memory.buffer, scratch, 4).set(ports);
    fp.actionsPortSetDefine(set, scratch, 4);
  }
  let done = 0;
  while (done < frames) {
    const n = Math.min(batch, frames - done);
    const rx = fp.dpRxIds();
    for (let i = 0; i < n; i++) {
      const id = fp.bufferAlloc();
      if (id < 0) throw new Error("pool exhausted: a buffer leaked");
      const room = Math.min(fp.bufferRoom(id), 256);
      const mem = new Uint8Array(fp.memory.buffer, fp.bufferData(id), room);
      let len: number;
      const kind = rng.below(10);
      if (kind === 0) {
        len = rng.below(room);
        for (let b = 0; b < len; b++) mem[b] = rng.next() & 0xff;
      } else {
        const base = bases[rng.below(bases.length)];
        mem.set(base);
        len = base.length;
        if (kind <= 4) {
          const flips = 1 + rng.below(4);
          for (let f = 0; f < flips; f++) mem[rng.below(len)] = rng.next() & 0xff;
        }
        if (kind === 5 || kind === 6) len = rng.below(len + 1);
        // Vary the flow so caches see many keys: the IPv4 source or the MAC source.
        if (kind >= 7 && len > 29) mem[29] = rng.below(64);
      }
      fp.bufferSetLength(id, len);
      new Uint32Array(fp.memory.buffer, rx, batch)[i] = id;
    }
    const m = fp.dpProcessBatch(rng.below(20), n, now);
    for (let i = 0; i < m; i++) {
      const acts = randomActions(rng);
      const mem = new Uint8Array(fp.memory.buffer);
      mem.copyWithin(scratch, fp.dpMissKey(i), fp.dpMissKey(i) + KEY_SIZE);
      mem.set(randomMask(rng), scratch + KEY_SIZE);
      mem.set(acts, scratch + 2 * KEY_SIZE);
      if (rng.below(2) === 0) fp.megaflowInsert(scratch, scratch + KEY_SIZE, scratch + 2 * KEY_SIZE, acts.length);
      const id = new Uint32Array(fp.memory.buffer, rx, batch)[i];
      if (rng.below(4) === 0) fp.bufferFree(id);
      else fp.dpExecuteMiss(i, scratch + 2 * KEY_SIZE, acts.length);
    }
    for (let p = fp.txNextPort(0); p >= 0; p = fp.txNextPort(p + 1)) tx += fp.txCount(p);
    fp.txDrainAll();
    fp.upcallClear();
    done += n;
    now += rng.below(3);
    if (rng.below(2000) === 0) fp.megaflowFlush();
    if (rng.below(500) === 0) fp.emcFlush();
    if (fp.megaflowCount() > 1500 || rng.below(64) === 0) {
      for (let f = fp.megaflowNext(0); f >= 0 && rng.below(2) === 0; f = fp.megaflowNext(f + 1)) fp.megaflowRemove(f);
    }
    if (done % 65536 < batch) {
      expect(fp.bufferFreeCount()).toBe(poolSize);
      expect(fp.bufferAudit(0, 0)).toBe(0);
    }
  }
  return { frames, tx };
}

function expectCountersAddUp(fp: FastPath, t: Totals, poolSize: number): void {
  const c = readCounters(fp);
  expect(c["batch.packets"]).toBe(BigInt(t.frames));
  expect(c["parse.packets"]).toBe(BigInt(t.frames));
  expect(c["emc.hit"] + c["emc.miss"]).toBe(c["batch.packets"]);
  expect(c["megaflow.hit"] + c["megaflow.miss"]).toBe(c["emc.miss"]);
  expect(c["upcall.miss"]).toBe(c["megaflow.miss"]);
  expect(c["tx.packets"]).toBe(BigInt(t.tx));
  expect(c["batch.bad_buffer"]).toBe(0n);
  expect(c["pool.double_free"]).toBe(0n);
  expect(fp.bufferFreeCount()).toBe(poolSize);
  expect(fp.bufferAudit(0, 0)).toBe(0);
}

describe("fast path fuzz", () => {
  it(`survives 1,000,000 random and mutated frames with exact accounting (seed ${SEED})`, async () => {
    const poolSize = 512;
    const fp = await createFastPath({ buffers: poolSize, emcEntries: 1024, maxFlows: 2048 });
    const t = runFuzz(fp, 1_000_000, SEED, poolSize);
    expectCountersAddUp(fp, t, poolSize);
    const c = readCounters(fp);
    // The run must have exercised the interesting paths, or it proves little.
    expect(c["emc.hit"]).toBeGreaterThan(0n);
    expect(c["megaflow.hit"]).toBeGreaterThan(0n);
    expect(c["parse.truncated_eth"]).toBeGreaterThan(0n);
    expect(c["action.clone_no_buffer"]).toBe(0n);
  }, 600_000);

  it("does the same on the debug build, whose runtime checks are on", async () => {
    const poolSize = 256;
    const fp = await createFastPath({ buffers: poolSize, emcEntries: 256, maxFlows: 2048, flavour: "debug" });
    const t = runFuzz(fp, 100_000, SEED + 1, poolSize);
    expectCountersAddUp(fp, t, poolSize);
  }, 600_000);
});
