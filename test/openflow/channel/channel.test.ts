// OfChannel over real TCP connections on 127.0.0.1, driven by a byte-level peer.

import type { Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { ChannelOptions, OfChannel } from "../../../openflow/channel/channel.ts";
import { OFPT } from "../../../openflow/constants.ts";
import { BAD_MATCH, BAD_REQUEST, OFPET, OfpError } from "../../../openflow/errors.ts";
import { channelServer, frame, hex, RawPeer } from "./raw-peer.ts";

const V13 = 0x04;
/** HELLO 1.3 with a version bitmap element. */
const helloBitmap = (version: number, bitmap: number, xid = 1) =>
  frame(version, OFPT.HELLO, xid, [
    0,
    1,
    0,
    8,
    (bitmap >>> 24) & 0xff,
    (bitmap >>> 16) & 0xff,
    (bitmap >>> 8) & 0xff,
    bitmap & 0xff,
  ]);
const u16 = (b: Uint8Array, off: number) => (b[off] << 8) | b[off + 1];

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(opts: ChannelOptions = {}): Promise<{ peer: RawPeer; ch: OfChannel }> {
  const srv = await channelServer({ probeIntervalMs: 0, ...opts });
  cleanups.push(() => srv.close());
  const peer = await RawPeer.connect(srv.port);
  cleanups.push(() => peer.destroy());
  const ch = await srv.next();
  return { peer, ch };
}

/** Completes the HELLO exchange from the peer's side. */
async function connected(opts: ChannelOptions = {}): Promise<{ peer: RawPeer; ch: OfChannel }> {
  const s = await setup(opts);
  const up = new Promise((r) => s.ch.once("connected", r));
  s.peer.send(helloBitmap(V13, 1 << 4, 100));
  await up;
  return s;
}

describe("HELLO negotiation", () => {
  it("sends HELLO 1.3 with a version bitmap {1.3} and agrees on 1.3 with a bitmap peer", async () => {
    const { peer, ch } = await setup();
    const hello = await peer.next(OFPT.HELLO);
    expect(hex(hello.bytes)).toBe("04000010" + "00000001" + "00010008" + "00000010");
    const version = new Promise((r) => ch.once("connected", r));
    peer.send(helloBitmap(V13, (1 << 1) | (1 << 4)));
    expect(await version).toBe(V13);
    expect(ch.state).toBe("connected");
  });

  it("accepts a version-only HELLO 0x04, and a bitmap-less HELLO from a newer version", async () => {
    for (const v of [0x04, 0x05, 0x06]) {
      const { peer, ch } = await setup();
      const version = new Promise((r) => ch.once("connected", r));
      peer.send(frame(v, OFPT.HELLO, 9));
      expect(await version).toBe(V13);
    }
  });

  it("refuses a 1.0-only peer with HELLO_FAILED/INCOMPATIBLE in version 1.0, a text, and a clean close", async () => {
    const { peer, ch } = await setup();
    const gone = new Promise<string>((r) => ch.once("disconnected", r));
    peer.send(frame(0x01, OFPT.HELLO, 0x1234));
    const err = await peer.next(OFPT.ERROR);
    const text = "We support version 0x04, you support version 0x01, no common versions.";
    expect(hex(err.bytes)).toBe(
      `01010${(12 + text.length).toString(16).padStart(3, "0")}0000123400000000${hex(Buffer.from(text))}`,
    );
    await peer.waitClosed();
    expect(await gone).toMatch(/version negotiation failed/);
    expect(ch.version).toBeNull();
  });

  it("refuses a bitmap without 1.3 and answers in the peer's highest version", async () => {
    const { peer } = await setup();
    peer.send(helloBitmap(0x06, (1 << 1) | (1 << 5)));
    const err = await peer.next(OFPT.ERROR);
    expect(err.version).toBe(0x05);
    expect([u16(err.body, 0), u16(err.body, 2)]).toEqual([OFPET.HELLO_FAILED, 0]);
    expect(Buffer.from(err.body.subarray(4)).toString()).toContain("you support versions 0x01, 0x05");
    await peer.waitClosed();
  });

  it("closes a connection whose first message is not HELLO (as OVS does), answering nothing", async () => {
    const { peer, ch } = await setup();
    const gone = new Promise<string>((r) => ch.once("disconnected", r));
    peer.send(frame(V13, OFPT.ECHO_REQUEST, 5));
    await peer.waitClosed();
    expect(await gone).toMatch(/before HELLO/);
    expect(peer.frames.map((f) => f.type)).toEqual([OFPT.HELLO]);
  });

  it("handles a HELLO pipelined with requests in one write", async () => {
    const { peer } = await setup();
    peer.send(helloBitmap(V13, 1 << 4), frame(V13, OFPT.ECHO_REQUEST, 77, [1, 2]));
    const reply = await peer.next(OFPT.ECHO_REPLY);
    expect([reply.xid, hex(reply.body)]).toEqual([77, "0102"]);
  });
});

describe("echo", () => {
  it("answers ECHO_REQUEST with ECHO_REPLY carrying the same xid and data", async () => {
    const { peer } = await connected();
    const data = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    peer.send(frame(V13, OFPT.ECHO_REQUEST, 0xdeadbeef, data));
    const reply = await peer.next(OFPT.ECHO_REPLY);
    expect(reply.xid).toBe(0xdeadbeef);
    expect(hex(reply.body)).toBe(hex(data));
  });

  it("sends switch-originated messages with fresh xids", async () => {
    const { peer, ch } = await connected();
    const a = ch.send({ kind: "echo-request", data: Uint8Array.of(7) });
    const b = ch.send({ kind: "echo-request", data: Uint8Array.of(8) });
    expect(a).not.toBeNull();
    expect(b).toBe((a as number) + 1);
    await peer.until(() => peer.frames.filter((f) => f.type === OFPT.ECHO_REQUEST).length === 2, "two echoes");
    const echoes = peer.frames.filter((f) => f.type === OFPT.ECHO_REQUEST);
    expect(echoes.map((e) => [e.xid, e.body[0]])).toEqual([
      [a, 7],
      [b, 8],
    ]);
  });
});

describe("sendInBurst", () => {
  it("delivers a burst in order, interleaved with plain sends, and works again after the burst is flushed", async () => {
    const { peer, ch } = await connected();
    const xids = [
      ch.sendInBurst({ kind: "echo-request", data: Uint8Array.of(1) }),
      ch.sendInBurst({ kind: "echo-request", data: Uint8Array.of(2) }, { droppable: true }),
      ch.send({ kind: "echo-request", data: Uint8Array.of(3) }),
    ];
    await Promise.resolve(); // the burst's microtask has run: the cork is released
    xids.push(ch.sendInBurst({ kind: "echo-request", data: Uint8Array.of(4) }));
    expect(xids).not.toContain(null);
    await peer.until(() => peer.frames.filter((f) => f.type === OFPT.ECHO_REQUEST).length === 4, "four echoes");
    const echoes = peer.frames.filter((f) => f.type === OFPT.ECHO_REQUEST);
    expect(echoes.map((e) => [e.xid, e.body[0]])).toEqual(xids.map((x, i) => [x, i + 1]));
  });
});

describe("backpressure", () => {
  it("stops reading from a peer that does not read its replies, and catches up when it does", async () => {
    const { peer, ch } = await connected({ writer: { highWaterMark: 64 * 1024 } });
    peer.socket.pause();
    const n = 2000;
    const payload = new Uint8Array(10_000).fill(0xab);
    for (let i = 0; i < n; i++) peer.socket.write(frame(V13, OFPT.ECHO_REQUEST, i, payload));
    const sock = ch.socket as Socket;
    const deadline = Date.now() + 5000;
    while (!sock.isPaused() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(sock.isPaused()).toBe(true);
    // At most the high-water mark plus the replies to the one read that crossed it.
    expect(sock.writableLength).toBeLessThan(3 * 64 * 1024);
    peer.socket.resume();
    await peer.until(() => peer.frames.filter((f) => f.type === OFPT.ECHO_REPLY).length === n, "every reply", 20_000);
    const replies = peer.frames.filter((f) => f.type === OFPT.ECHO_REPLY);
    expect(replies.map((r) => r.xid)).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(sock.isPaused()).toBe(false);
  });
});

describe("inactivity probe", () => {
  it("probes a silent peer with ECHO_REQUEST, then disconnects it", async () => {
    const { peer, ch } = await connected({ probeIntervalMs: 80 });
    const gone = new Promise<string>((r) => ch.once("disconnected", r));
    const t0 = Date.now();
    const probe = await peer.next(OFPT.ECHO_REQUEST);
    expect(probe.length).toBe(8);
    await peer.waitClosed();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
    expect(await gone).toMatch(/inactivity probe/);
  });

  it("keeps a peer that answers probes", async () => {
    const { peer, ch } = await connected({ probeIntervalMs: 60 });
    let answered = 0;
    peer.socket.on("data", () => {
      for (const f of peer.frames.splice(0)) {
        if (f.type === OFPT.ECHO_REQUEST) {
          peer.send(frame(V13, OFPT.ECHO_REPLY, f.xid, f.body));
          answered++;
        }
      }
    });
    await new Promise((r) => setTimeout(r, 400));
    expect(answered).toBeGreaterThanOrEqual(2);
    expect(ch.state).toBe("connected");
    expect(peer.closed).toBe(false);
  });

  it("drops a peer that never says HELLO after two intervals", async () => {
    const { peer, ch } = await setup({ probeIntervalMs: 50 });
    const gone = new Promise<string>((r) => ch.once("disconnected", r));
    await peer.waitClosed();
    expect(await gone).toMatch(/no HELLO/);
  });
});

describe("errors", () => {
  it("answers a malformed message with ERROR type/code and its first 64 bytes; the connection stays up", async () => {
    const { peer } = await connected();
    const unknown = frame(
      V13,
      200,
      0x42,
      Uint8Array.from({ length: 100 }, (_, i) => i),
    );
    peer.send(unknown);
    const err = await peer.next(OFPT.ERROR);
    expect(err.xid).toBe(0x42);
    expect(err.version).toBe(V13);
    expect([u16(err.body, 0), u16(err.body, 2)]).toEqual([OFPET.BAD_REQUEST, BAD_REQUEST.BAD_TYPE]);
    expect(hex(err.body.subarray(4))).toBe(hex(unknown.subarray(0, 64)));
    const from = peer.frames.length;
    peer.send(frame(0x01, OFPT.ECHO_REQUEST, 0x43)); // wrong version after negotiation
    const err2 = await peer.next(OFPT.ERROR, from);
    expect([err2.xid, u16(err2.body, 0), u16(err2.body, 2)]).toEqual([
      0x43,
      OFPET.BAD_REQUEST,
      BAD_REQUEST.BAD_VERSION,
    ]);
    expect(hex(err2.body.subarray(4))).toBe("0102000800000043");
    peer.send(frame(V13, OFPT.ECHO_REQUEST, 0x44));
    expect((await peer.next(OFPT.ECHO_REPLY)).xid).toBe(0x44);
  });

  it("answers a truncated body with BAD_LEN and stays up", async () => {
    const { peer } = await connected();
    peer.send(frame(V13, OFPT.EXPERIMENTER, 0x50, [0, 0, 0x23])); // needs 8 body bytes
    const err = await peer.next(OFPT.ERROR);
    expect([err.xid, u16(err.body, 0), u16(err.body, 2)]).toEqual([0x50, OFPET.BAD_REQUEST, BAD_REQUEST.BAD_LEN]);
    expect(hex(err.body.subarray(4))).toBe("0404000b00000050000023");
    peer.send(frame(V13, OFPT.ECHO_REQUEST, 0x51));
    expect((await peer.next(OFPT.ECHO_REPLY)).xid).toBe(0x51);
  });

  it("a length below the header size is BAD_LEN, then a close", async () => {
    const { peer, ch } = await connected();
    const gone = new Promise<string>((r) => ch.once("disconnected", r));
    peer.send(Uint8Array.of(4, OFPT.ECHO_REQUEST, 0, 4, 0, 0, 0, 9));
    const err = await peer.next(OFPT.ERROR);
    expect([err.xid, u16(err.body, 0), u16(err.body, 2)]).toEqual([9, OFPET.BAD_REQUEST, BAD_REQUEST.BAD_LEN]);
    expect(hex(err.body.subarray(4))).toBe("0402000400000009");
    await peer.waitClosed();
    expect(await gone).toMatch(/below the 8-byte header/);
  });

  it("never answers an ERROR with an ERROR, and reports well-formed peer errors", async () => {
    const { peer, ch } = await connected();
    const peerErrors: number[] = [];
    ch.on("peer-error", (m) => peerErrors.push(m.code));
    peer.send(frame(V13, OFPT.ERROR, 1, [0])); // too short to be an error
    peer.send(frame(V13, OFPT.ERROR, 2, [0, 1, 0, 6]));
    peer.send(frame(V13, OFPT.ECHO_REQUEST, 3));
    await peer.next(OFPT.ECHO_REPLY);
    expect(peer.frames.filter((f) => f.type === OFPT.ERROR)).toHaveLength(0);
    expect(peerErrors).toEqual([6]);
  });
});

describe("dispatch table", () => {
  it("unhandled kinds get BAD_TYPE, unknown experimenters BAD_EXPERIMENTER", async () => {
    const { peer } = await connected();
    peer.send(frame(V13, OFPT.BARRIER_REQUEST, 11));
    peer.send(frame(V13, OFPT.EXPERIMENTER, 12, [0, 0, 0x23, 0x20, 0, 0, 0, 1]));
    await peer.until(() => peer.frames.filter((f) => f.type === OFPT.ERROR).length === 2, "two errors");
    const errs = peer.frames.filter((f) => f.type === OFPT.ERROR);
    expect(errs.map((e) => [e.xid, u16(e.body, 0), u16(e.body, 2)])).toEqual([
      [11, OFPET.BAD_REQUEST, BAD_REQUEST.BAD_TYPE],
      [12, OFPET.BAD_REQUEST, BAD_REQUEST.BAD_EXPERIMENTER],
    ]);
  });

  it("routes kinds to the switch's handlers; an OfpError thrown by a handler becomes an ERROR", async () => {
    const { peer } = await connected({
      handlers: {
        "barrier-request": (_m, reply) => reply({ kind: "barrier-reply" }),
        "features-request": () => {
          throw new OfpError(OFPET.BAD_MATCH, BAD_MATCH.BAD_PREREQ, "test");
        },
      },
    });
    peer.send(frame(V13, OFPT.BARRIER_REQUEST, 21), frame(V13, OFPT.FEATURES_REQUEST, 22));
    const barrier = await peer.next(OFPT.BARRIER_REPLY);
    expect(hex(barrier.bytes)).toBe("0415000800000015");
    const err = await peer.next(OFPT.ERROR);
    expect(hex(err.bytes)).toBe("0401001400000016" + "00040009" + "0405000800000016");
  });

  it("keeps arrival order behind an async handler", async () => {
    const { peer } = await connected({
      handlers: {
        "barrier-request": async (_m, reply) => {
          await new Promise((r) => setTimeout(r, 50));
          reply({ kind: "barrier-reply" });
        },
      },
    });
    peer.send(frame(V13, OFPT.BARRIER_REQUEST, 1), frame(V13, OFPT.ECHO_REQUEST, 2));
    await peer.next(OFPT.ECHO_REPLY);
    expect(peer.frames.slice(1).map((f) => f.type)).toEqual([OFPT.BARRIER_REPLY, OFPT.ECHO_REPLY]);
  });

  it("a handler bug closes the connection with a logged reason, the process stays up", async () => {
    const logged: string[] = [];
    const { peer, ch } = await connected({
      log: { info() {}, warn() {}, error: (m) => logged.push(m) },
      handlers: {
        "barrier-request": () => {
          throw new TypeError("oops");
        },
      },
    });
    const gone = new Promise<string>((r) => ch.once("disconnected", r));
    peer.send(frame(V13, OFPT.BARRIER_REQUEST, 1));
    await peer.waitClosed();
    expect(await gone).toMatch(/internal error.*oops/);
    expect(logged.join("\n")).toMatch(/handler failed/);
  });
});
