// A byte splice between OpenFlow peers over unix sockets for the integration tests: the bytes pass untouched, and
// are counted as OpenFlow messages (and recorded to a pcap when they cross a unix socket, which
// no capture tool can sniff), and each whole message is handed to an optional observer (the
// decode/re-encode byte-identity check of test/support/openflow-roundtrip.ts).
//
// What:
//   - `UnixRecordingProxy`: listens on a unix path; every connection is joined to an upstream
//     unix path (the daemon's `<bridge>.mgmt`) and its bytes are appended to a PcapRecorder as
//     one synthetic TCP stream (server port `pcapPort`), so tshark dissects them.
//   - `MessageCounter`: counts whole OpenFlow messages in a byte stream by their length fields
//     and passes each to its `onMessage` observer, if any.
// Design: data is forwarded in the 'data' handler with write(); backpressure is honoured by
//   pausing the reader while the writer is full. Recording happens in that same handler, so the
//   pcap order is the forwarding order per direction.
// Invariants: nothing is ever changed, added or dropped between the two sockets; when one side
//   closes, the other is ended.

import { rmSync } from "node:fs";
import net from "node:net";
import type { PcapRecorder, RecordedStream } from "../../support/pcap-recorder.ts";

/** Counts OpenFlow messages in a stream from their 16-bit length fields. */
export class MessageCounter {
  messages = 0;
  bytes = 0;
  private pending = Buffer.alloc(0);

  constructor(private readonly onMessage?: (m: Uint8Array) => void) {}

  push(chunk: Uint8Array): void {
    this.bytes += chunk.length;
    let buf = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : Buffer.from(chunk);
    while (buf.length >= 4) {
      const len = buf.readUInt16BE(2);
      if (len < 8 || buf.length < len) break;
      this.messages++;
      this.onMessage?.(Uint8Array.from(buf.subarray(0, len)));
      buf = buf.subarray(len);
    }
    this.pending = Buffer.from(buf);
  }
}

export interface SpliceStats {
  /** Messages from the proxy's client to the upstream. */
  forward: MessageCounter;
  backward: MessageCounter;
  closed: Promise<void>;
}

function pipeCounted(from: net.Socket, to: net.Socket, counter: MessageCounter, record?: (b: Uint8Array) => void) {
  from.on("data", (chunk: Buffer) => {
    counter.push(chunk);
    record?.(chunk);
    if (!to.write(chunk)) {
      from.pause();
      to.once("drain", () => from.resume());
    }
  });
  from.on("end", () => to.end());
  from.on("error", () => to.destroy());
}

/** Sees each whole message crossing a splice, with its direction. */
export type MessageObserver = (m: Uint8Array, direction: "to-server" | "to-client") => void;

function join(a: net.Socket, b: net.Socket, recorded?: RecordedStream, observe?: MessageObserver): SpliceStats {
  const forward = new MessageCounter(observe && ((m) => observe(m, "to-server")));
  const backward = new MessageCounter(observe && ((m) => observe(m, "to-client")));
  pipeCounted(a, b, forward, recorded?.toServer);
  pipeCounted(b, a, backward, recorded?.toClient);
  let n = 0;
  const closed = new Promise<void>((resolve) => {
    const done = () => {
      if (++n === 2) {
        recorded?.close();
        resolve();
      }
    };
    a.on("close", done);
    b.on("close", done);
  });
  return { forward, backward, closed };
}

export class UnixRecordingProxy {
  readonly connections: SpliceStats[] = [];
  private readonly server: net.Server;

  private constructor(
    readonly path: string,
    upstream: string,
    recorder: PcapRecorder,
    pcapPort: number,
    observe?: MessageObserver,
  ) {
    this.server = net.createServer((client) => {
      client.pause();
      const up = net.connect(upstream);
      up.once("connect", () => {
        this.connections.push(join(client, up, recorder.stream(pcapPort), observe));
        client.resume();
      });
      up.once("error", () => client.destroy());
    });
  }

  static async listen(
    path: string,
    upstream: string,
    recorder: PcapRecorder,
    pcapPort: number,
    observe?: MessageObserver,
  ): Promise<UnixRecordingProxy> {
    rmSync(path, { force: true });
    const p = new UnixRecordingProxy(path, upstream, recorder, pcapPort, observe);
    await new Promise<void>((resolve, reject) => {
      p.server.once("error", reject);
      p.server.listen(path, resolve);
    });
    return p;
  }

  /** Total messages through the proxy (both directions, every connection). */
  get messages(): number {
    return this.connections.reduce((n, c) => n + c.forward.messages + c.backward.messages, 0);
  }

  async close(): Promise<void> {
    await Promise.all(this.connections.map((c) => c.closed));
    await new Promise<void>((r) => this.server.close(() => r()));
    rmSync(this.path, { force: true });
  }
}
