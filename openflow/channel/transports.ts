// OpenFlow transports: connection targets, the active connector and the passive listener.
//
// What: parseTarget reads OVS's target syntax; ActiveConnector dials a controller and redials
//   with exponential backoff; PassiveListener accepts any number of controllers (or ovs-ofctl).
//   Both hand out OfChannel instances through a 'channel' event; what the switch does with a
//   channel (roles, tables) is src/ofproto's business.
//
//   tcp:HOST[:PORT]       active, port 6653 by default; HOST may be [v6]
//   ssl:HOST[:PORT]       active over node:tls (cert, key and CA required)
//   ptcp:[PORT][:IP]      passive, as OVS writes it (ptcp:6653:127.0.0.1); no IP = all addresses
//   pssl:[PORT][:IP]      passive over node:tls; the peer must present a certificate from the CA
//   unix:PATH / punix:PATH  unix stream sockets
//
// Design:
//   ActiveConnector:   IDLE ─start()─► CONNECTING ─connect─► UP (one OfChannel)
//                                         ▲   │ fail                 │ disconnected
//                                         │   ▼                      ▼
//                                         └─ BACKOFF(delay) ◄────────┘
//     delay starts at 1 s and doubles to 8 s on each failed attempt; a connection that completed
//     its HELLO exchange resets it to 1 s (OVS rconn behaves the same way). stop() ends it all.
//   PassiveListener: listen() binds (a stale punix socket — one nobody answers on — is
//     unlinked first; a live one or a non-socket file is an error); every accepted socket
//     becomes an OfChannel; close() closes the server and every channel and removes the socket
//     file.
// Invariants: a bad target is an Error naming the target, thrown by parseTarget (at config
//   time, never at a socket); socket and TLS errors become a reconnect or a closed channel and
//   are never re-thrown; the EventEmitters here never emit 'error'.
// Threading: main thread, event loop only.

import { EventEmitter } from "node:events";
import { lstatSync, unlinkSync } from "node:fs";
import net from "node:net";
import tls from "node:tls";
import { type ChannelOptions, OfChannel } from "./channel.ts";

export const OFP_DEFAULT_PORT = 6653;

export type Target =
  | { kind: "tcp" | "ssl"; host: string; port: number }
  | { kind: "ptcp" | "pssl"; host: string | null; port: number }
  | { kind: "unix" | "punix"; path: string };

export interface TlsFiles {
  /** PEM certificate, private key and CA certificate (contents, not paths). */
  cert: string | Buffer;
  key: string | Buffer;
  ca: string | Buffer;
}

function bad(target: string, why: string): Error {
  return new Error(`bad OpenFlow target "${target}": ${why}`);
}

function parsePort(target: string, s: string, passive: boolean): number {
  if (s === "") return OFP_DEFAULT_PORT;
  if (!/^\d{1,5}$/.test(s)) throw bad(target, `port "${s}" is not a number`);
  const port = Number(s);
  if (port > 65535 || (!passive && port === 0)) throw bad(target, `port ${port} is out of range`);
  return port;
}

/** Splits "HOST[:PORT]" or "[V6][:PORT]". */
function splitHostPort(target: string, rest: string): [string, string] {
  if (rest.startsWith("[")) {
    const close = rest.indexOf("]");
    if (close < 0) throw bad(target, "unterminated [IPv6 address]");
    const after = rest.slice(close + 1);
    if (after !== "" && !after.startsWith(":")) throw bad(target, `unexpected "${after}" after the address`);
    return [rest.slice(1, close), after.slice(1)];
  }
  const parts = rest.split(":");
  if (parts.length > 2) throw bad(target, "write an IPv6 address in brackets: [::1]:6653");
  return [parts[0], parts[1] ?? ""];
}

/** Parses an OpenFlow connection target in OVS syntax; throws an Error naming it if bad. */
export function parseTarget(target: string): Target {
  const kinds = "tcp:, ssl:, unix:, ptcp:, pssl: or punix:";
  const colon = target.indexOf(":");
  if (colon < 0) throw bad(target, `expected ${kinds}`);
  const kind = target.slice(0, colon);
  const rest = target.slice(colon + 1);
  switch (kind) {
    case "tcp":
    case "ssl": {
      const [host, port] = splitHostPort(target, rest);
      if (host === "") throw bad(target, "a host is required");
      if (!net.isIP(host) && !/^[A-Za-z0-9.-]+$/.test(host)) throw bad(target, `"${host}" is not a host`);
      return { kind, host, port: parsePort(target, port, false) };
    }
    case "ptcp":
    case "pssl": {
      // OVS order: PORT first, then the address to bind.
      const sep = rest.indexOf(":");
      const portText = sep < 0 ? rest : rest.slice(0, sep);
      let host = sep < 0 ? "" : rest.slice(sep + 1);
      if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
      if (host !== "" && !net.isIP(host)) throw bad(target, `"${host}" is not an IP address`);
      return { kind, host: host === "" ? null : host, port: parsePort(target, portText, true) };
    }
    case "unix":
    case "punix":
      if (rest === "") throw bad(target, "a socket path is required");
      if (rest.includes("\0")) throw bad(target, "the path contains a NUL byte");
      return { kind, path: rest };
    default:
      throw bad(target, `unknown connection type "${kind}" (expected ${kinds})`);
  }
}

/** The target in OVS syntax again (for logs and the REST API). */
export function formatTarget(t: Target): string {
  const h = (host: string) => (net.isIPv6(host) ? `[${host}]` : host);
  switch (t.kind) {
    case "tcp":
    case "ssl":
      return `${t.kind}:${h(t.host)}:${t.port}`;
    case "ptcp":
    case "pssl":
      return `${t.kind}:${t.port}${t.host ? `:${h(t.host)}` : ""}`;
    default:
      return `${t.kind}:${t.path}`;
  }
}

export function isPassive(t: Target): boolean {
  return t.kind === "ptcp" || t.kind === "pssl" || t.kind === "punix";
}

export interface TransportOptions {
  channel?: ChannelOptions;
  /** Required for ssl: and pssl:. */
  tls?: TlsFiles;
}

function needTls(target: Target, opts: TransportOptions): TlsFiles {
  if (!opts.tls) throw bad(formatTarget(target), "ssl needs a certificate, a private key and a CA certificate");
  return opts.tls;
}

export interface ConnectorEvents {
  channel: [channel: OfChannel];
  /** A failed attempt and the delay before the next one. */
  retry: [reason: string, delayMs: number];
}

export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
}

/** Dials an active target and keeps one channel up, redialing with backoff. */
export class ActiveConnector extends EventEmitter<ConnectorEvents> {
  readonly target: Target;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private delay: number;
  private running = false;
  private timer: NodeJS.Timeout | null = null;
  private socket: net.Socket | null = null;
  private current: OfChannel | null = null;
  /** Connection attempts so far (for tests and stats). */
  attempts = 0;

  constructor(
    target: string | Target,
    private readonly opts: TransportOptions & { backoff?: BackoffOptions } = {},
  ) {
    super();
    this.target = typeof target === "string" ? parseTarget(target) : target;
    if (isPassive(this.target)) throw bad(formatTarget(this.target), "a passive target needs a PassiveListener");
    if (this.target.kind === "ssl") needTls(this.target, opts);
    this.initialMs = opts.backoff?.initialMs ?? 1000;
    this.maxMs = opts.backoff?.maxMs ?? 8000;
    this.delay = this.initialMs;
  }

  /** The live channel, if any. */
  get channel(): OfChannel | null {
    return this.current;
  }

  /** The delay before the next attempt if the current one fails. */
  get backoffMs(): number {
    return this.delay;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.dial();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.socket?.destroy();
    this.socket = null;
    this.current?.close("connector stopped");
  }

  private dial(): void {
    if (!this.running) return;
    this.attempts++;
    const t = this.target;
    const timeoutMs = Math.max(this.delay, 1000);
    let socket: net.Socket;
    if (t.kind === "ssl") {
      const files = needTls(t, this.opts);
      // The chain is verified against the CA; controller certificates rarely name a host,
      // so the host name is not checked (OVS does not check it either).
      socket = tls.connect({ host: t.host, port: t.port, ...files, checkServerIdentity: () => undefined });
    } else if (t.kind === "tcp") {
      socket = net.connect({ host: t.host, port: t.port });
    } else if (t.kind === "unix") {
      socket = net.connect({ path: t.path });
    } else {
      return;
    }
    this.socket = socket;
    const readyEvent = t.kind === "ssl" ? "secureConnect" : "connect";
    socket.setTimeout(timeoutMs);
    const fail = (why: string) => {
      socket.removeAllListeners();
      socket.on("error", () => {});
      socket.destroy();
      if (this.socket === socket) this.socket = null;
      this.retry(why);
    };
    socket.once("timeout", () => fail(`connect timed out after ${timeoutMs} ms`));
    socket.once("error", (e) => fail(e.message));
    socket.once(readyEvent, () => {
      socket.removeAllListeners("timeout");
      socket.removeAllListeners("error");
      socket.setTimeout(0);
      if (t.kind !== "unix") socket.setNoDelay(true);
      const ch = new OfChannel(socket, { name: formatTarget(t), ...this.opts.channel });
      this.current = ch;
      ch.once("connected", () => {
        this.delay = this.initialMs;
      });
      ch.once("disconnected", (reason) => {
        if (this.current === ch) this.current = null;
        if (this.socket === socket) this.socket = null;
        this.retry(`disconnected: ${reason}`);
      });
      emitChannel(this, ch);
    });
  }

  private retry(reason: string): void {
    if (!this.running) return;
    const wait = this.delay;
    this.delay = Math.min(this.delay * 2, this.maxMs);
    this.emit("retry", reason, wait);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.dial();
    }, wait);
  }
}

export interface ListenerEvents {
  channel: [channel: OfChannel];
  /** A connection refused before it became a channel (e.g. a failed TLS handshake). */
  rejected: [reason: string];
}

/** Accepts OpenFlow connections on a passive target. */
export class PassiveListener extends EventEmitter<ListenerEvents> {
  readonly target: Target;
  readonly channels = new Set<OfChannel>();
  private accepted = 0;
  private server: net.Server | null = null;

  constructor(
    target: string | Target,
    private readonly opts: TransportOptions = {},
  ) {
    super();
    this.target = typeof target === "string" ? parseTarget(target) : target;
    if (!isPassive(this.target)) throw bad(formatTarget(this.target), "an active target needs an ActiveConnector");
    if (this.target.kind === "pssl") needTls(this.target, opts);
  }

  /** Where it listens: the bound port (useful with port 0) or the socket path. */
  get address(): { host: string; port: number } | { path: string } | null {
    const a = this.server?.address();
    if (!a) return null;
    return typeof a === "string" ? { path: a } : { host: a.address, port: a.port };
  }

  /** Binds and starts accepting; rejects with an Error naming the target if it cannot. */
  async listen(): Promise<void> {
    const t = this.target;
    const name = formatTarget(t);
    if (this.server) return;
    if (t.kind === "punix") await removeStaleSocket(t.path, name);
    const onSocket = (socket: net.Socket) => this.accept(socket);
    let server: net.Server;
    if (t.kind === "pssl") {
      const files = needTls(t, this.opts);
      server = tls.createServer({ ...files, requestCert: true, rejectUnauthorized: true }, onSocket);
      server.on("tlsClientError", (e) => this.emit("rejected", `TLS: ${e.message}`));
    } else {
      server = net.createServer(onSocket);
    }
    await new Promise<void>((resolve, reject) => {
      server.once("error", (e) => reject(bad(name, `cannot listen: ${e.message}`)));
      if (t.kind === "punix") server.listen(t.path, resolve);
      else if (t.kind === "ptcp" || t.kind === "pssl") server.listen(t.port, t.host ?? undefined, resolve);
    });
    server.on("error", () => {}); // after bind, accept errors are per-connection: never fatal
    this.server = server;
  }

  /** Stops listening, closes every channel, removes the unix socket. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const ch of this.channels) ch.close("listener closed");
    if (server) {
      for (const ch of this.channels) setTimeout(() => ch.socket.destroy(), 100).unref();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    if (this.target.kind === "punix") unlinkIfSocket(this.target.path);
  }

  private accept(socket: net.Socket): void {
    if (!this.server) {
      socket.destroy();
      return;
    }
    if (this.target.kind !== "punix") socket.setNoDelay(true);
    const peer = socket.remoteAddress ? `${socket.remoteAddress}:${socket.remotePort}` : `#${++this.accepted}`;
    const ch = new OfChannel(socket, { name: `${formatTarget(this.target)} ${peer}`, ...this.opts.channel });
    this.channels.add(ch);
    ch.once("disconnected", () => this.channels.delete(ch));
    emitChannel(this, ch);
  }
}

/** Hands a new channel to the switch side; a listener that throws costs that channel only. */
function emitChannel(source: ActiveConnector | PassiveListener, ch: OfChannel): void {
  try {
    (source as EventEmitter<{ channel: [OfChannel] }>).emit("channel", ch);
  } catch (e) {
    ch.close(`internal error in a 'channel' listener: ${(e as Error)?.message ?? e}`);
  }
}

function unlinkIfSocket(path: string): void {
  try {
    if (lstatSync(path).isSocket()) unlinkSync(path);
  } catch {
    // already gone
  }
}

/** Unlinks `path` if it is a socket nobody listens on; errors if it is live or not a socket. */
async function removeStaleSocket(path: string, name: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch {
    return; // does not exist
  }
  if (!isSocket) throw bad(name, `${path} exists and is not a socket`);
  const live = await new Promise<boolean>((resolve) => {
    const probe = net.connect({ path });
    probe.once("connect", () => {
      probe.destroy();
      resolve(true);
    });
    probe.once("error", () => resolve(false));
  });
  if (live) throw bad(name, `another process is listening on ${path}`);
  unlinkIfSocket(path);
}
