import net from "node:net";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FrameSplitter, FrameWriter } from "../../../openflow/channel/framing.ts";
import { frame } from "./raw-peer.ts";

/** Cuts `bytes` at the given (sorted, deduplicated) offsets. */
function cut(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...points, bytes.length]) {
    out.push(bytes.slice(prev, p)); // a copy: chunks are independent buffers, as a socket gives them
    prev = p;
  }
  return out;
}

const arbMessage = fc
  .record({
    type: fc.integer({ min: 0, max: 255 }),
    xid: fc.integer({ min: 0, max: 0xffffffff }),
    body: fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      fc.uint8Array({ minLength: 1000, maxLength: 3000 }),
      fc.constant(new Uint8Array(0xffff - 8)), // the largest possible message
    ),
  })
  .map(({ type, xid, body }) => frame(4, type, xid, body));

describe("FrameSplitter", () => {
  it("reassembles any chunking of a message stream exactly, in order", () => {
    fc.assert(
      fc.property(
        fc.array(arbMessage, { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 60 }),
        (messages, cuts) => {
          const stream = new Uint8Array(Buffer.concat(messages));
          const s = new FrameSplitter();
          const got: Uint8Array[] = [];
          for (const chunk of cut(stream, cuts)) {
            const r = s.push(chunk);
            expect(r.error).toBeUndefined();
            got.push(...r.frames.map((f) => f.slice()));
          }
          expect(got.map((f) => Buffer.from(f).toString("hex"))).toEqual(
            messages.map((m) => Buffer.from(m).toString("hex")),
          );
          expect(s.pendingBytes).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("handles one-byte reads and many messages in one read", () => {
    const msgs = [frame(4, 2, 1, [1, 2, 3]), frame(4, 0, 2), frame(4, 3, 3, new Uint8Array(100))];
    const stream = Buffer.concat(msgs);
    const one = new FrameSplitter();
    const got: Uint8Array[] = [];
    for (const b of stream) got.push(...one.push(Uint8Array.of(b)).frames);
    expect(got.map((f) => f.length)).toEqual([11, 8, 108]);
    expect(new FrameSplitter().push(stream).frames.map((f) => f.length)).toEqual([11, 8, 108]);
  });

  it("a length below 8 is a framing error: earlier messages are delivered, the splitter stays broken", () => {
    const s = new FrameSplitter();
    const good = frame(4, 2, 7, [9]);
    const bad = Uint8Array.of(4, 2, 0, 5, 0, 0, 0, 42);
    const r = s.push(new Uint8Array(Buffer.concat([good, bad.subarray(0, 3)])));
    expect(r.frames).toHaveLength(1);
    expect(r.error).toBeUndefined();
    const r2 = s.push(bad.subarray(3));
    expect(r2.error).toEqual({ header: bad, length: 5, xid: 42 });
    expect(s.isBroken).toBe(true);
    expect(s.push(good).frames).toHaveLength(0);
  });

  it("a zero length inside one chunk is caught on the fast path too", () => {
    const r = new FrameSplitter().push(Uint8Array.of(4, 0, 0, 0, 0, 0, 0, 1, 4, 0, 0, 8, 0, 0, 0, 1));
    expect(r.frames).toHaveLength(0);
    expect(r.error?.length).toBe(0);
  });
});

describe("FrameWriter", () => {
  it("pauses reading while the peer does not read, resumes when it drains", async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as net.AddressInfo).port;
    const accepted = new Promise<net.Socket>((r) => server.once("connection", r));
    const client = net.connect({ host: "127.0.0.1", port });
    await new Promise((r) => client.once("connect", r));
    const ours = await accepted;
    client.pause(); // the peer stops reading
    const events: boolean[] = [];
    const w = new FrameWriter(ours, { highWaterMark: 64 * 1024, onBackpressure: (full) => events.push(full) });
    const big = frame(4, 19, 1, new Uint8Array(60000));
    let n = 0;
    while (!w.isReadPaused && n < 10000) {
      w.write(big);
      n++;
    }
    expect(w.isReadPaused).toBe(true);
    expect(events).toEqual([true]);
    expect(w.queuedBytes).toBeGreaterThan(64 * 1024);
    // Droppable messages are dropped (and counted) once far behind; replies still queue.
    const small = new FrameWriter(ours, { dropAbove: 1 });
    expect(small.write(frame(4, 10, 2), true)).toBe(false);
    expect(small.dropped).toBe(1);
    expect(small.write(frame(4, 21, 3))).toBe(true);
    client.resume();
    await new Promise<void>((r) => {
      const check = () => (w.isReadPaused ? setTimeout(check, 5) : r());
      check();
    });
    expect(events).toEqual([true, false]);
    client.destroy();
    ours.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it("cork() holds frames in the socket until uncork(), which sends them in order in one write", async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as net.AddressInfo).port;
    const accepted = new Promise<net.Socket>((r) => server.once("connection", r));
    const client = net.connect({ host: "127.0.0.1", port });
    await new Promise((r) => client.once("connect", r));
    const ours = await accepted;
    const received: Buffer[] = [];
    client.on("data", (d: Buffer) => received.push(d));
    let writes = 0;
    const realWritev = (ours as unknown as { _writev: (...a: unknown[]) => unknown })._writev.bind(ours);
    const realWrite = (ours as unknown as { _write: (...a: unknown[]) => unknown })._write.bind(ours);
    Object.assign(ours, {
      _writev: (...a: unknown[]) => {
        writes++;
        return realWritev(...a);
      },
      _write: (...a: unknown[]) => {
        writes++;
        return realWrite(...a);
      },
    });
    const w = new FrameWriter(ours);
    const frames = [1, 2, 3].map((xid) => frame(4, 10, xid, new Uint8Array(64)));
    w.cork();
    for (const f of frames) w.write(f, true);
    expect(writes).toBe(0);
    expect(w.queuedBytes).toBe(3 * 72);
    w.uncork();
    expect(writes).toBe(1);
    const all = Buffer.concat(frames);
    await new Promise<void>((r) => {
      const check = () => (Buffer.concat(received).length >= all.length ? r() : setTimeout(check, 5));
      check();
    });
    expect(Buffer.concat(received).equals(all)).toBe(true);
    client.destroy();
    ours.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  });
});
