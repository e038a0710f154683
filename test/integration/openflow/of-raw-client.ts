// A minimal OpenFlow 1.3 client over TCP for requests no command-line peer can make (a PORT_MOD
// for a port that does not exist, a wrong hw_addr, unknown config bits: `ovs-ofctl mod-port`
// looks the port up first and copies its hw_addr). It speaks through the project's own codec;
// the switch under test is the daemon on the other end.
//
// What: OfRawClient.connect(target) opens `tcp:HOST:PORT`, exchanges HELLO; request(msg) sends
//   one message followed by a BARRIER_REQUEST and resolves with every message received up to
//   the BARRIER_REPLY (so an error, if any, is among them); requestParts(msgs) does the same for
//   several messages sharing one xid (a multipart request in parts); close() ends the connection.

import { connect, type Socket } from "node:net";
import { decodeHeader, decodeMessage, encodeMessage, type OfpMessage } from "../../../openflow/message.ts";

export class OfRawClient {
  private buf = Buffer.alloc(0);
  private readonly inbox: OfpMessage[] = [];
  private wake?: () => void;
  private xid = 100;

  private constructor(private readonly sock: Socket) {
    sock.on("data", (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      while (this.buf.length >= 8) {
        const len = decodeHeader(this.buf).length;
        if (this.buf.length < len) break;
        this.inbox.push(decodeMessage(new Uint8Array(this.buf.subarray(0, len))));
        this.buf = this.buf.subarray(len);
      }
      this.wake?.();
    });
  }

  static async connect(target: string): Promise<OfRawClient> {
    const [, host, port] = /^tcp:([^:]+):(\d+)$/.exec(target) ?? [];
    if (!host) throw new Error(`not a tcp: target: ${target}`);
    const sock = connect(Number(port), host);
    await new Promise<void>((resolve, reject) => sock.once("connect", resolve).once("error", reject));
    const c = new OfRawClient(sock);
    c.send({ kind: "hello", xid: 1, version: 4, elements: [] });
    await c.next((m) => m.kind === "hello");
    return c;
  }

  private send(m: OfpMessage): void {
    this.sock.write(encodeMessage(m));
  }

  private async next(test: (m: OfpMessage) => boolean): Promise<OfpMessage[]> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const at = this.inbox.findIndex(test);
      if (at >= 0) return this.inbox.splice(0, at + 1);
      if (Date.now() > deadline) throw new Error(`no answer; got ${JSON.stringify(this.inbox.map((m) => m.kind))}`);
      await new Promise<void>((r) => {
        this.wake = r;
        setTimeout(r, 200);
      });
    }
  }

  /** Sends `m` (its xid replaced) then a barrier; resolves with what came back before the reply. */
  async request(m: OfpMessage): Promise<OfpMessage[]> {
    const xid = this.xid++;
    const barrier = this.xid++;
    this.send({ ...m, xid } as OfpMessage);
    this.send({ kind: "barrier-request", xid: barrier });
    const got = await this.next((r) => r.kind === "barrier-reply" && r.xid === barrier);
    return got.filter((r) => r.xid === xid);
  }

  /**
   * Sends `parts` all with one fresh xid (a multipart request in several messages), then a
   * barrier; resolves with what came back with that xid before the barrier's reply.
   */
  async requestParts(parts: OfpMessage[]): Promise<OfpMessage[]> {
    const xid = this.xid++;
    const barrier = this.xid++;
    for (const p of parts) this.send({ ...p, xid } as OfpMessage);
    this.send({ kind: "barrier-request", xid: barrier });
    const got = await this.next((r) => r.kind === "barrier-reply" && r.xid === barrier);
    return got.filter((r) => r.xid === xid);
  }

  close(): void {
    this.sock.destroy();
  }
}
