// OfChannel: one OpenFlow 1.3 connection — HELLO negotiation, echo, inactivity probe, error
// replies, and ONE dispatch table from message kind to handler.
//
// What: wraps a connected node Duplex (net.Socket, tls.TLSSocket). Sends our HELLO at once,
//   negotiates 1.3, answers ECHO_REQUEST, probes a silent peer, turns every decode failure into
//   an OFPT_ERROR, and hands every other message to the switch side's handler for its kind.
//   Role, flow tables and everything else per controller live in src/ofproto, not here.
//
// Design:
//
//            new OfChannel(socket) ── sends HELLO(1.3 bitmap)
//                    │
//                    ▼
//             ┌─ HELLO_WAIT ──────── peer HELLO, common version 1.3 ──────► CONNECTED ─┐
//             │     │  peer HELLO, no common version:                         │  ▲      │ echo-request → echo-reply
//             │     │    ERROR HELLO_FAILED/INCOMPATIBLE (peer's version)     │  └──────┘ other kinds → dispatch table
//             │     │  any other message: logged (OVS: "expecting hello")     │           decode failure → ERROR(type/code,
//             │     ▼                                                         │                       first 64 bytes)
//             │  CLOSING ◄── close() / length < 8 (ERROR BAD_LEN) / probe ◄───┘
//             │     │         timeout / peer EOF / socket error
//             │     ▼ socket 'close'
//             └─► CLOSED ── emits 'disconnected'(reason) exactly once
//
//   Inactivity probe (OVS rconn, inactivity-probe.ts): every byte received re-arms one timer of
//   probeIntervalMs. On expiry in CONNECTED an ECHO_REQUEST is sent; a second expiry with nothing
//   received closes the connection. In HELLO_WAIT the same two-interval budget applies, no echo.
//
//   Ordering: messages are handled strictly in arrival order. A handler may return a promise
//   (e.g. a BARRIER that waits for the datapath); later messages queue behind it, and reading
//   pauses when the queue is deep. Replies to one read are corked into as few writes as possible.
//
// Invariants:
//   - nothing a peer sends makes this throw: socket errors, bad framing and decode failures
//     become an OFPT_ERROR or a close with a reason; an exception from a handler that is not an
//     OfpError is a bug — it is logged and the connection closed, never re-thrown;
//   - an OFPT_ERROR is never answered with an OFPT_ERROR (no error loops);
//   - after CLOSING nothing more is dispatched; 'disconnected' fires once, after 'connected' or not.
// Threading: main thread; all callbacks run on the event loop, one message at a time.

import { EventEmitter } from "node:events";
import type { Duplex } from "node:stream";
import { WireReader } from "../codec/wire-reader.ts";
import { OFP_HEADER_LEN, OFPT } from "../constants.ts";
import { BAD_REQUEST, errorName, OFPET, OfpError } from "../errors.ts";
import { decodeHeader, decodeMessage, encodeMessage, type OfpMessage } from "../message.ts";
import type { ErrorMessage } from "../messages/error.ts";
import { decodeHello } from "../messages/hello.ts";
import {
  answerUnsupported,
  buildDispatchTable,
  type DispatchTable,
  type MessageHandler,
  type Outgoing,
  type Reply,
} from "./dispatch.ts";
import { FrameSplitter, FrameWriter, type FrameWriterOptions } from "./framing.ts";
import { InactivityProbe } from "./inactivity-probe.ts";
import {
  encodeHelloFailed,
  encodeOurHello,
  highestVersion,
  incompatibleText,
  negotiateVersion,
  peerVersionBitmap,
} from "./version-negotiation.ts";

export interface ChannelLog {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export interface ChannelOptions {
  handlers?: DispatchTable;
  /** Called for kinds without a handler; default: BAD_REQUEST/BAD_TYPE (errors: logged only). */
  defaultHandler?: MessageHandler;
  /** Inactivity probe interval; 0 disables the probe. Default 5000 (OVS). */
  probeIntervalMs?: number;
  /** A name for logs and reasons (default: the peer address). */
  name?: string;
  log?: ChannelLog;
  writer?: FrameWriterOptions;
  /** Pause reading when this many messages wait behind an async handler. Default 256. */
  maxQueuedMessages?: number;
}

export type { DispatchTable, MessageHandler, MessageKind, MessageOf, Outgoing, Reply } from "./dispatch.ts";

export type ChannelState = "hello-wait" | "connected" | "closing" | "closed";

export interface ChannelEvents {
  connected: [version: number];
  disconnected: [reason: string];
  /** An OFPT_ERROR the peer sent us (after negotiation). */
  "peer-error": [message: ErrorMessage];
}

export interface ChannelStats {
  rxMessages: number;
  txMessages: number;
  errorsSent: number;
  errorsReceived: number;
  echoRequestsSent: number;
  /** Frames dropped by the writer (droppable sends while the peer was not reading). */
  txDropped: number;
}

export const PROBE_INTERVAL_DEFAULT_MS = 5000;
/** ERROR data carries this many bytes of the offending message (spec: at least 64). */
export const ERROR_DATA_BYTES = 64;
const CLOSE_LINGER_MS = 2000;
const SILENT_LOG: ChannelLog = { info() {}, warn() {}, error() {} };

export class OfChannel extends EventEmitter<ChannelEvents> {
  readonly name: string;
  readonly stats: ChannelStats = {
    rxMessages: 0,
    txMessages: 0,
    errorsSent: 0,
    errorsReceived: 0,
    echoRequestsSent: 0,
    txDropped: 0,
  };
  private stateNow: ChannelState = "hello-wait";
  private versionNow: number | null = null;
  private reason = "";
  private xidNext = 1;
  private readonly splitter = new FrameSplitter();
  private readonly writer: FrameWriter;
  /** A sendInBurst() cork is open until its microtask runs. */
  private burstOpen = false;
  private readonly dispatch: ReadonlyMap<string, MessageHandler>;
  private readonly defaultHandler: MessageHandler;
  private readonly log: ChannelLog;
  private readonly probe: InactivityProbe;
  private readonly inbox: Uint8Array[] = [];
  private busy = false;
  private readonly maxQueued: number;
  private readonly pauses = new Set<"writer" | "inbox">();

  constructor(
    readonly socket: Duplex,
    opts: ChannelOptions = {},
  ) {
    super();
    const s = socket as Duplex & { remoteAddress?: string; remotePort?: number };
    this.name = opts.name ?? (s.remoteAddress ? `${s.remoteAddress}:${s.remotePort}` : "unix");
    this.log = opts.log ?? SILENT_LOG;
    this.maxQueued = opts.maxQueuedMessages ?? 256;
    this.dispatch = buildDispatchTable(opts.handlers);
    this.defaultHandler = opts.defaultHandler ?? (answerUnsupported as MessageHandler);
    this.writer = new FrameWriter(socket, {
      ...opts.writer,
      onBackpressure: (full) => this.setPaused("writer", full),
    });
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("end", () => this.close("peer closed the connection"));
    socket.on("error", (e: Error) => {
      this.reason ||= `socket error: ${e.message}`;
      socket.destroy();
    });
    socket.on("close", () => this.onClosed());
    this.probe = new InactivityProbe(
      opts.probeIntervalMs ?? PROBE_INTERVAL_DEFAULT_MS,
      () => this.onIdle(),
      () => this.onDead(),
    );
    this.writeFrame(encodeOurHello(this.allocXid()));
  }

  get state(): ChannelState {
    return this.stateNow;
  }
  /** The negotiated version (0x04), or null before the HELLO exchange. */
  get version(): number | null {
    return this.versionNow;
  }
  /** Why the channel closed ("" while open). */
  get closeReason(): string {
    return this.reason;
  }

  /** A fresh xid for a switch-originated message (never 0). */
  allocXid(): number {
    const x = this.xidNext;
    this.xidNext = (this.xidNext + 1) >>> 0 || 1;
    return x;
  }

  /**
   * Encodes and queues a message (xid allocated if absent); returns its xid, or null if it was
   * not queued (not connected, or droppable and the peer is far behind). Throws only if the
   * message cannot be encoded — a bug of the caller, never of the peer.
   */
  send(message: Outgoing, opts: { droppable?: boolean } = {}): number | null {
    const xid = message.xid ?? this.allocXid();
    const bytes = encodeMessage({ ...message, xid } as OfpMessage);
    if (this.stateNow !== "connected") return null;
    return this.writeFrame(bytes, opts.droppable) ? xid : null;
  }

  /**
   * send(), but the frame leaves together with every other frame sent this way before the
   * current task ends (corked until a microtask): a burst of asynchronous messages, such as
   * the packet-ins of one batch of datapath upcalls, costs one socket write instead of one each.
   */
  sendInBurst(message: Outgoing, opts: { droppable?: boolean } = {}): number | null {
    if (!this.burstOpen && this.stateNow === "connected") {
      this.burstOpen = true;
      this.writer.cork();
      queueMicrotask(() => {
        this.burstOpen = false;
        this.writer.uncork();
      });
    }
    return this.send(message, opts);
  }

  /** Closes after queued writes are flushed; 'disconnected' follows. Idempotent. */
  close(reason = "closed locally"): void {
    if (this.stateNow === "closing" || this.stateNow === "closed") return;
    this.stateNow = "closing";
    this.reason ||= reason;
    this.probe.stop();
    this.inbox.length = 0;
    this.writer.close();
    this.socket.end();
    setTimeout(() => this.socket.destroy(), CLOSE_LINGER_MS).unref();
  }

  private writeFrame(bytes: Uint8Array, droppable = false): boolean {
    const ok = this.writer.write(bytes, droppable);
    if (ok) this.stats.txMessages++;
    else if (droppable) this.stats.txDropped++;
    return ok;
  }

  private setPaused(why: "writer" | "inbox", paused: boolean): void {
    const was = this.pauses.size > 0;
    if (paused) this.pauses.add(why);
    else this.pauses.delete(why);
    const now = this.pauses.size > 0;
    if (now && !was) this.socket.pause();
    else if (!now && was && !this.socket.destroyed) this.socket.resume();
  }

  private onData(chunk: Uint8Array): void {
    if (this.stateNow === "closing" || this.stateNow === "closed") return;
    this.probe.touch();
    const { frames, error } = this.splitter.push(chunk);
    this.writer.batch(() => {
      for (const f of frames) this.enqueue(f);
    });
    if (error) {
      // The stream has no resync point: say why, then close (OVS only closes).
      this.log.warn(`${this.name}: message length ${error.length} < 8, closing`);
      if (this.stateNow === "connected") this.sendErrorFor(error.header, OFPET.BAD_REQUEST, BAD_REQUEST.BAD_LEN);
      this.close(`protocol error: message length field ${error.length} is below the 8-byte header`);
    }
  }

  private enqueue(frame: Uint8Array): void {
    if (this.busy || this.inbox.length > 0) {
      this.inbox.push(frame);
      if (this.inbox.length >= this.maxQueued) this.setPaused("inbox", true);
      return;
    }
    this.handleFrame(frame);
  }

  private drainInbox(): void {
    this.writer.batch(() => {
      while (!this.busy && this.inbox.length > 0) {
        const f = this.inbox.shift() as Uint8Array;
        this.handleFrame(f);
      }
    });
    if (this.inbox.length < this.maxQueued / 2) this.setPaused("inbox", false);
  }

  private handleFrame(frame: Uint8Array): void {
    if (this.stateNow === "closing" || this.stateNow === "closed") return;
    this.stats.rxMessages++;
    if (this.stateNow === "hello-wait") {
      this.handleHello(frame);
      return;
    }
    let message: OfpMessage;
    try {
      message = decodeMessage(frame);
    } catch (e) {
      if (!(e instanceof OfpError)) this.log.error(`${this.name}: decoder bug: ${(e as Error).stack ?? e}`);
      const err = e instanceof OfpError ? e : new OfpError(OFPET.BAD_REQUEST, BAD_REQUEST.BAD_LEN, String(e));
      this.log.info(`${this.name}: ${err.message}`);
      this.sendErrorFor(frame, err.errType, err.errCode);
      return;
    }
    const kind = message.kind;
    if (kind === "error") this.stats.errorsReceived++;
    const handler = this.dispatch.get(kind) ?? this.defaultHandler;
    const reply = this.makeReply(message.xid, frame);
    try {
      const result = handler(message as never, reply, this);
      if (result && typeof (result as Promise<void>).then === "function") {
        this.busy = true;
        (result as Promise<void>).then(
          () => this.afterAsync(),
          (e: unknown) => {
            this.handlerFailed(e, frame);
            this.afterAsync();
          },
        );
      }
    } catch (e) {
      this.handlerFailed(e, frame);
    }
  }

  private afterAsync(): void {
    this.busy = false;
    this.drainInbox();
  }

  private handleHello(frame: Uint8Array): void {
    const h = decodeHeader(frame);
    if (h.type !== OFPT.HELLO) {
      // OpenFlow 1.3.5 §6.3.1 has the HELLO first; OVS treats anything else as a protocol error
      // and drops the connection without a reply. We do the same, with a reason.
      this.log.warn(`${this.name}: received message type ${h.type} while expecting HELLO`);
      this.close(`protocol error: message type ${h.type} before HELLO`);
      return;
    }
    let versions: bigint;
    try {
      versions = peerVersionBitmap(decodeHello(new WireReader(frame, OFP_HEADER_LEN, frame.length), h));
    } catch (e) {
      // Elements that do not frame: the peer's versions are unknowable (hello.ts's rule).
      this.refuse(h.version, h.xid, `HELLO not understood (${(e as Error).message})`);
      return;
    }
    if (negotiateVersion(versions) === null) {
      this.refuse(highestVersion(versions) ?? h.version, h.xid, incompatibleText(versions));
      return;
    }
    this.versionNow = negotiateVersion(versions);
    this.stateNow = "connected";
    try {
      this.emit("connected", this.versionNow as number);
    } catch (e) {
      this.log.error(`${this.name}: 'connected' listener failed: ${(e as Error)?.stack ?? e}`);
      this.close(`internal error in a 'connected' listener: ${(e as Error)?.message ?? e}`);
    }
  }

  private refuse(peerVersion: number, xid: number, text: string): void {
    this.log.warn(`${this.name}: version negotiation failed: ${text}`);
    this.stats.errorsSent++;
    this.writeFrame(encodeHelloFailed(peerVersion, xid, text));
    this.close(`version negotiation failed: ${text}`);
  }

  private makeReply(xid: number, raw: Uint8Array): Reply {
    const reply = ((m: Outgoing) => {
      if (this.stateNow !== "connected") return;
      this.writeFrame(encodeMessage({ ...m, xid: m.xid ?? xid } as OfpMessage));
    }) as Reply;
    reply.error = (t, c) => this.sendErrorFor(raw, t, c);
    Object.defineProperties(reply, { xid: { value: xid }, raw: { value: raw } });
    return reply;
  }

  /** OFPT_ERROR for the message `raw` (never for an ERROR: no loops). */
  private sendErrorFor(raw: Uint8Array, errType: number, errCode: number): void {
    if (this.stateNow !== "connected") return;
    const h = decodeHeader(raw);
    if (h.type === OFPT.ERROR) {
      this.log.warn(`${this.name}: not answering a bad ERROR message with ${errorName(errType, errCode)}`);
      return;
    }
    const data = raw.slice(0, Math.min(raw.length, ERROR_DATA_BYTES));
    this.stats.errorsSent++;
    this.writeFrame(encodeMessage({ kind: "error", xid: h.xid, errType, code: errCode, data }));
  }

  private handlerFailed(e: unknown, frame: Uint8Array): void {
    if (e instanceof OfpError) {
      this.log.info(`${this.name}: ${e.message}`);
      this.sendErrorFor(frame, e.errType, e.errCode);
      return;
    }
    this.log.error(`${this.name}: handler failed: ${(e as Error)?.stack ?? e}`);
    this.close(`internal error handling message type ${frame[1]}: ${(e as Error)?.message ?? e}`);
  }

  /** A silent interval: probe with an ECHO_REQUEST (only once HELLO is done). */
  private onIdle(): void {
    if (this.stateNow !== "connected") return;
    this.stats.echoRequestsSent++;
    this.send({ kind: "echo-request", data: new Uint8Array(0) });
  }

  /** Two silent intervals: the peer is gone (or never said HELLO). */
  private onDead(): void {
    if (this.stateNow !== "hello-wait" && this.stateNow !== "connected") return;
    const what = this.stateNow === "connected" ? "no reply to inactivity probe" : "no HELLO";
    const ms = 2 * this.probe.intervalMs;
    this.log.warn(`${this.name}: ${what} after ${ms} ms, disconnecting`);
    this.close(`inactivity probe: ${what} after ${ms} ms`);
  }

  private onClosed(): void {
    if (this.stateNow === "closed") return;
    this.stateNow = "closed";
    this.reason ||= "connection closed";
    this.probe.stop();
    this.writer.close();
    this.inbox.length = 0;
    try {
      this.emit("disconnected", this.reason);
    } catch (e) {
      this.log.error(`${this.name}: 'disconnected' listener failed: ${(e as Error)?.stack ?? e}`);
    }
  }
}
