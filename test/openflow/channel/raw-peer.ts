// A byte-level OpenFlow peer for channel tests: a TCP client on 127.0.0.1 that writes raw bytes
// and reads whole messages with its own (deliberately independent, naive) length-field reader,
// so the channel is not tested with its own framing code.

import net from "node:net";
import { type ChannelOptions, OfChannel } from "../../../openflow/channel/channel.ts";

export interface RawFrame {
  version: number;
  type: number;
  length: number;
  xid: number;
  body: Uint8Array;
  bytes: Uint8Array;
}

/** Builds a message: header (length computed) + body. */
export function frame(version: number, type: number, xid: number, body: Uint8Array | number[] = []): Uint8Array {
  const b = new Uint8Array(8 + body.length);
  const v = new DataView(b.buffer);
  v.setUint8(0, version);
  v.setUint8(1, type);
  v.setUint16(2, b.length);
  v.setUint32(4, xid);
  b.set(body, 8);
  return b;
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

export class RawPeer {
  readonly frames: RawFrame[] = [];
  private buf = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  closed = false;

  private constructor(readonly socket: net.Socket) {
    socket.on("data", (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      while (this.buf.length >= 8) {
        const len = this.buf.readUInt16BE(2);
        if (len < 8 || this.buf.length < len) break;
        const bytes = new Uint8Array(this.buf.subarray(0, len));
        this.buf = this.buf.subarray(len);
        this.frames.push({
          version: bytes[0],
          type: bytes[1],
          length: len,
          xid: Buffer.from(bytes).readUInt32BE(4),
          body: bytes.subarray(8),
          bytes,
        });
      }
      this.wake();
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      this.closed = true;
      this.wake();
    });
  }

  static connect(port: number): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: "127.0.0.1", port }, () => resolve(new RawPeer(s)));
      s.once("error", reject);
    });
  }

  send(...msgs: Uint8Array[]): void {
    this.socket.write(Buffer.concat(msgs));
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Waits until `pred` holds (re-checked on every read and on close); rejects after timeoutMs. */
  async until(pred: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; got types [${this.frames.map((f) => f.type)}]`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Waits for the next frame of `type` after index `from`, returns it. */
  async next(type: number, from = 0, timeoutMs = 3000): Promise<RawFrame> {
    let found: RawFrame | undefined;
    await this.until(
      () => {
        found = this.frames.slice(from).find((f) => f.type === type);
        return found !== undefined;
      },
      `a message of type ${type}`,
      timeoutMs,
    );
    return found as RawFrame;
  }

  waitClosed(timeoutMs = 3000): Promise<void> {
    return this.until(() => this.closed, "the switch to close the connection", timeoutMs);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** A TCP server on 127.0.0.1:0 that wraps every accepted socket in an OfChannel. */
export async function channelServer(
  opts: ChannelOptions,
): Promise<{ port: number; channels: OfChannel[]; next(): Promise<OfChannel>; close(): Promise<void> }> {
  const channels: OfChannel[] = [];
  const waiting: Array<() => void> = [];
  let taken = 0;
  const server = net.createServer((s) => {
    channels.push(new OfChannel(s, opts));
    for (const w of waiting.splice(0)) w();
  });
  const next = async (): Promise<OfChannel> => {
    const i = taken++;
    while (channels.length <= i) await new Promise<void>((r) => waiting.push(r));
    return channels[i];
  };
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    channels,
    next,
    close: async () => {
      for (const c of channels) c.socket.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
