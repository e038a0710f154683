// What: a sink controller for the packet-in benchmark — one plain TCP connection to a switch's
// passive OpenFlow listener that counts OFPT_PACKET_IN messages and when they arrived.
//
// Design: the controller side of the handshake only, with openflow/'s codec:
//   connect ─► HELLO (1.3 bitmap) ─► SET_CONFIG (flags 0, miss_send_len 128) ─► BARRIER
//   ─► ready once the BARRIER_REPLY is back (the switch has our config).
// SET_CONFIG matters for OVS: a connection on its *mgmt* socket (a "service" connection) gets
// no asynchronous messages until it sets a nonzero miss_send_len; a Controller-table ptcp
// connection (what the bench uses) is primary and gets them anyway — the sink sends it to be
// right for both. 128 is OVS's default miss_send_len and wasmvs's; the bench's frames are 64
// bytes, so nothing is cut. Incoming bytes are framed by the header's length field and only
// the type byte is read: ECHO_REQUEST is answered (both switches probe an idle connection),
// PACKET_IN is counted with a timestamp (performance.now()), the rest is ignored. Nothing is
// decoded per packet-in, so the sink costs a few hundred ns per message.
// Threading: main thread (the bench process, pinned to the generator core).

import net from "node:net";
import { OFPT } from "../../openflow/constants.ts";
import { encodeMessage } from "../../openflow/message.ts";

const MISS_SEND_LEN = 128;
const HELLO_BITMAP_1_3 = 1 << 4;

export class PacketInSink {
  /** PACKET_INs received since connect (or since reset()). */
  count = 0;
  /** performance.now() of the last PACKET_IN (0: none yet). */
  lastAt = 0;
  private readonly socket: net.Socket;
  private pending = Buffer.alloc(0);
  private barrierXid = 0;
  private onBarrier?: () => void;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on("data", (d: Buffer) => this.receive(d));
  }

  /** Connects to HOST:PORT and completes the handshake (see the module comment). */
  static async connect(host: string, port: number, timeoutMs = 10_000): Promise<PacketInSink> {
    const socket = net.connect({ host, port });
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    const sink = new PacketInSink(socket);
    socket.on("error", () => {});
    sink.send(
      encodeMessage({
        kind: "hello",
        xid: 1,
        version: 4,
        elements: [{ elem: "version-bitmap", bitmaps: [HELLO_BITMAP_1_3] }],
      }),
    );
    sink.send(encodeMessage({ kind: "set-config", xid: 2, flags: 0, missSendLen: MISS_SEND_LEN }));
    await sink.barrier(timeoutMs);
    return sink;
  }

  /** Sends a BARRIER_REQUEST and waits for its reply. */
  barrier(timeoutMs = 10_000): Promise<void> {
    this.barrierXid++;
    const xid = 0x1000 + this.barrierXid;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("sink: no BARRIER_REPLY")), timeoutMs);
      this.onBarrier = () => {
        clearTimeout(timer);
        resolve();
      };
      this.send(encodeMessage({ kind: "barrier-request", xid }));
    });
  }

  reset(): void {
    this.count = 0;
    this.lastAt = 0;
  }

  close(): void {
    this.socket.destroy();
  }

  private send(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  private receive(d: Buffer): void {
    const buf = this.pending.length ? Buffer.concat([this.pending, d]) : d;
    let o = 0;
    while (buf.length - o >= 8) {
      const len = buf.readUInt16BE(o + 2);
      if (len < 8) throw new Error(`sink: bad OpenFlow length ${len}`);
      if (buf.length - o < len) break;
      const type = buf[o + 1];
      if (type === OFPT.PACKET_IN) {
        this.count++;
        this.lastAt = performance.now();
      } else if (type === OFPT.ECHO_REQUEST) {
        const reply = Buffer.from(buf.subarray(o, o + len));
        reply[1] = OFPT.ECHO_REPLY;
        this.send(reply);
      } else if (type === OFPT.BARRIER_REPLY) {
        this.onBarrier?.();
        this.onBarrier = undefined;
      }
      o += len;
    }
    this.pending = o === buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(o));
  }
}
