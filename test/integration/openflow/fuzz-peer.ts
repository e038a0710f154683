// A byte-level OpenFlow 1.3 peer for fuzzing a running switch over TCP: it writes whatever bytes
// it is given and reads the switch's replies with its own length-field reader, cheaply enough
// for a million messages (no per-message allocation beyond the reply's view, no concatenation of
// the whole stream).
//
// What: `FuzzPeer.connect(port)` opens the connection and completes the HELLO exchange;
//   `write(bytes)` queues bytes (resolving when the socket can take more: backpressure);
//   `barrier(xid)` sends a BARRIER_REQUEST and resolves at its reply — as the switch handles a
//   connection's messages in order, every reply to what was written before has then arrived;
//   `onReply` sees every message the switch sends (type, xid, the message's bytes); `closed`
//   resolves when the switch closes the connection.
// Invariants: replies are delivered in arrival order; a reply's bytes are a view valid only
//   during the callback.

import net from "node:net";

const OFPT_HELLO = 0;
const OFPT_BARRIER_REQUEST = 20;
const OFPT_BARRIER_REPLY = 21;

export function ofHeader(type: number, xid: number, length = 8): Buffer {
  const b = Buffer.alloc(8);
  b[0] = 4;
  b[1] = type;
  b.writeUInt16BE(length, 2);
  b.writeUInt32BE(xid, 4);
  return b;
}

export class FuzzPeer {
  onReply: (type: number, xid: number, bytes: Buffer) => void = () => {};
  readonly closed: Promise<void>;
  isClosed = false;
  private pending = Buffer.alloc(0);
  private readonly barriers = new Map<number, () => void>();

  private constructor(readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on("data", (d: Buffer) => this.onData(d));
    socket.on("error", () => {});
    this.closed = new Promise((resolve) =>
      socket.on("close", () => {
        this.isClosed = true;
        for (const w of this.barriers.values()) w();
        this.barriers.clear();
        resolve();
      }),
    );
  }

  static async connect(port: number): Promise<FuzzPeer> {
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ host: "127.0.0.1", port }, () => resolve(s));
      s.once("error", reject);
    });
    const peer = new FuzzPeer(socket);
    const hello = new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error("no HELLO from the switch")), 10_000);
      peer.onReply = (type) => {
        if (type === OFPT_HELLO) {
          clearTimeout(t);
          resolve();
        }
      };
    });
    const helloMsg = Buffer.concat([ofHeader(OFPT_HELLO, 1, 16), Buffer.from([0, 1, 0, 8, 0, 0, 0, 0x10])]);
    socket.write(helloMsg);
    await hello;
    peer.onReply = () => {};
    return peer;
  }

  /** Writes bytes; resolves at once, or after 'drain' when the socket's buffer is full. */
  write(bytes: Uint8Array): Promise<void> {
    if (this.socket.write(bytes)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.socket.off("drain", done);
        this.socket.off("close", done);
        resolve();
      };
      this.socket.on("drain", done);
      this.socket.on("close", done);
    });
  }

  /** Sends BARRIER_REQUEST `xid`; resolves at its reply (or when the connection closes). */
  barrier(xid: number): Promise<void> {
    const p = new Promise<void>((resolve) => this.barriers.set(xid, resolve));
    if (this.isClosed) this.barriers.get(xid)?.();
    else this.socket.write(ofHeader(OFPT_BARRIER_REQUEST, xid));
    return p;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onData(d: Buffer): void {
    let buf = this.pending.length > 0 ? Buffer.concat([this.pending, d]) : d;
    let at = 0;
    while (buf.length - at >= 8) {
      const len = buf.readUInt16BE(at + 2);
      if (len < 8) {
        this.socket.destroy(new Error(`switch sent a message of length ${len}`));
        return;
      }
      if (buf.length - at < len) break;
      const type = buf[at + 1];
      const xid = buf.readUInt32BE(at + 4);
      const msg = buf.subarray(at, at + len);
      at += len;
      if (type === OFPT_BARRIER_REPLY && this.barriers.has(xid)) {
        const w = this.barriers.get(xid) as () => void;
        this.barriers.delete(xid);
        this.onReply(type, xid, msg);
        w();
      } else {
        this.onReply(type, xid, msg);
      }
    }
    buf = buf.subarray(at);
    this.pending = buf.length > 0 ? Buffer.from(buf) : Buffer.alloc(0);
  }
}
