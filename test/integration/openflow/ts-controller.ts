// A plain TypeScript OpenFlow controller for integration tests: a listening socket whose
// connections are OfChannels from the openflow/ codec (HELLO, echo and framing are the
// channel's), recording every message the switch sends and answering nothing on its own.
//
// What: TsController.listen(port?) binds 127.0.0.1 (port 0 = any) and collects TsConnections;
//   `nextConnection()` waits for the switch to dial in; a TsConnection records what arrives
//   (`received`), waits for a message (`waitFor`) and sends requests (`request` resolves with
//   the reply or ERROR of the same xid). `close()` drops the listener and every connection, as
//   a killed controller process would.
// Invariants: every socket opened here is closed by close().

import type { OfChannel, Outgoing } from "../../../openflow/channel/channel.ts";
import type { TlsFiles } from "../../../openflow/channel/transports.ts";
import { PassiveListener } from "../../../openflow/channel/transports.ts";
import type { OfpMessage } from "../../../openflow/message.ts";

export class TsConnection {
  readonly received: OfpMessage[] = [];
  private waiters: Array<() => void> = [];
  closed = false;

  constructor(readonly channel: OfChannel) {
    channel.on("peer-error", (m) => this.push(m));
    channel.on("disconnected", () => {
      this.closed = true;
      this.wake();
    });
  }

  push(m: OfpMessage): void {
    this.received.push(m);
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Waits for a received message matching `pred` (looking at everything received so far). */
  async waitFor<T extends OfpMessage = OfpMessage>(
    what: string,
    pred: (m: OfpMessage) => boolean,
    timeoutMs = 15_000,
  ): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const m = this.received.find(pred);
      if (m) return m as T;
      if (this.closed) throw new Error(`connection closed while waiting for ${what}`);
      const left = end - Date.now();
      if (left <= 0) throw new Error(`no ${what} within ${timeoutMs} ms; got ${this.received.map((r) => r.kind)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Sends `m` and resolves with the first message carrying its xid (a reply or an ERROR). */
  async request(m: Outgoing, timeoutMs = 15_000): Promise<OfpMessage> {
    const xid = this.channel.send(m);
    if (xid === null) throw new Error(`cannot send ${m.kind}: channel ${this.channel.state}`);
    return this.waitFor(`reply to ${m.kind} xid ${xid}`, (r) => r.xid === xid, timeoutMs);
  }

  /** Sends `m` then a BARRIER; resolves with the ERROR for `m` if one came before the barrier. */
  async sendAndBarrier(m: Outgoing): Promise<OfpMessage | undefined> {
    const xid = this.channel.send(m);
    if (xid === null) throw new Error(`cannot send ${m.kind}`);
    await this.request({ kind: "barrier-request" });
    return this.received.find((r) => r.xid === xid && r.kind === "error");
  }

  waitClosed(timeoutMs = 15_000): Promise<void> {
    return this.waitFor("close", () => false, timeoutMs).then(
      () => undefined,
      (e: Error) => {
        if (!this.closed) throw e;
      },
    );
  }
}

export class TsController {
  readonly connections: TsConnection[] = [];
  private waiters: Array<() => void> = [];

  private constructor(readonly listener: PassiveListener) {}

  /** Listens on 127.0.0.1:port (0 = any free port); `pssl` with TLS files for ssl: tests. */
  static async listen(port = 0, tls?: TlsFiles): Promise<TsController> {
    const kind = tls ? "pssl" : "ptcp";
    const listener = new PassiveListener(`${kind}:${port}:127.0.0.1`, {
      tls,
      channel: { defaultHandler: (m, _reply, ch) => ctl.byChannel(ch)?.push(m) },
    });
    const ctl: TsController = new TsController(listener);
    listener.on("channel", (ch) => {
      const c = new TsConnection(ch);
      ch.once("connected", () => {
        ctl.connections.push(c);
        const w = ctl.waiters;
        ctl.waiters = [];
        for (const f of w) f();
      });
    });
    await listener.listen();
    return ctl;
  }

  get port(): number {
    const a = this.listener.address;
    if (!a || !("port" in a)) throw new Error("not listening");
    return a.port;
  }

  private byChannel(ch: OfChannel): TsConnection | undefined {
    return this.connections.find((c) => c.channel === ch);
  }

  /** The connection number `index` (0-based, in arrival order), waiting for it if needed. */
  async connection(index = 0, timeoutMs = 20_000): Promise<TsConnection> {
    const end = Date.now() + timeoutMs;
    while (this.connections.length <= index) {
      const left = end - Date.now();
      if (left <= 0) throw new Error(`the switch did not connect (${index + 1}) within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.connections[index];
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.channel.socket.destroy();
    await this.listener.close();
  }
}
