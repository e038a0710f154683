// The controllers configured on one bridge (BridgeConfig.controllers) as live endpoints: an
// ActiveConnector per tcp:/ssl:/unix: target, a PassiveListener per ptcp:/pssl:/punix: target.
//
// What: ControllerSet.apply(targets) makes the live endpoints match the list — it opens the
//   targets that are new, closes the ones that are gone and leaves the others (and their
//   connections) alone; channels() walks every open channel; status() says, per target, what
//   it is doing (connecting, backoff with the last error, connected, listening, error) and who
//   is connected; close() ends everything.
//
//     apply(["tcp:10.0.0.1:6653", "ptcp:6653"])
//        │  diff on the target text as configured
//        ├─ new:  tcp:…  → ActiveConnector.start()  ─ dial, HELLO, backoff 1 s … 8 s on failure
//        │        ptcp:… → PassiveListener.listen() ─ bind; every accepted socket is a channel
//        └─ gone: stop() / close() (their channels close)
//
// Design: the transports (openflow/channel/transports.ts) do the socket work and the inactivity
//   probe is each OfChannel's own (echo after probeIntervalMs of silence, close after two);
//   this module only owns the lifecycle and the status. TLS files are read when an ssl:/pssl:
//   endpoint opens (so a renewed certificate is used by the next endpoint), through the
//   `tls` callback; a missing TLS configuration or a bind failure leaves that one target in
//   state "error" with the reason, and the others work.
// Invariants: at most one endpoint per configured target; apply() calls never overlap (the
//   caller, OfConnections, serializes them); after close() resolves no endpoint or channel of
//   the set is open.
// Threading: main thread.

import type { Logger } from "pino";
import type { ChannelOptions, OfChannel } from "../../openflow/channel/channel.ts";
import {
  ActiveConnector,
  type BackoffOptions,
  formatTarget,
  isPassive,
  PassiveListener,
  parseTarget,
  type Target,
  type TlsFiles,
} from "../../openflow/channel/transports.ts";

export type ControllerState = "connecting" | "backoff" | "connected" | "listening" | "error";

export interface ControllerConnectionStatus {
  peer: string;
  /** "equal", "master" or "slave" (the connection's OpenFlow role). */
  role: string;
}

export interface ControllerStatus {
  target: string;
  /** "active": the switch dials; "passive": the switch listens. */
  mode: "active" | "passive";
  state: ControllerState;
  /** At least one OpenFlow connection finished its HELLO exchange. */
  connected: boolean;
  /** A passive target's bound address (ptcp:0 → the real port). */
  bound?: string;
  /** Why the last attempt failed (active) or why the target cannot open (error). */
  lastError?: string;
  connections: ControllerConnectionStatus[];
}

export interface ControllerSetOptions {
  channel: ChannelOptions;
  /** The TLS files for ssl:/pssl:, or undefined when none are configured (throws if unreadable). */
  tls?: () => TlsFiles | undefined;
  backoff?: BackoffOptions;
  logger: Logger;
  /** Each new channel of any endpoint (the caller attaches per-connection state). */
  onChannel(channel: OfChannel, target: string): void;
  /** The role a channel has, for status(). */
  roleOf(channel: OfChannel): string;
}

interface Endpoint {
  target: string;
  parsed: Target;
  active?: ActiveConnector;
  passive?: PassiveListener;
  state: ControllerState;
  lastError?: string;
}

export class ControllerSet {
  private readonly endpoints = new Map<string, Endpoint>();

  constructor(private readonly opts: ControllerSetOptions) {}

  /** The configured targets in configuration order. */
  targets(): string[] {
    return [...this.endpoints.keys()];
  }

  /** Opens new targets and closes removed ones; unchanged ones keep their connections. */
  async apply(targets: readonly string[]): Promise<void> {
    const wanted = new Set(targets);
    for (const [t, ep] of [...this.endpoints]) {
      if (wanted.has(t)) continue;
      this.endpoints.delete(t);
      await this.shut(ep);
      this.opts.logger.info({ controller: t }, "controller removed");
    }
    const order = new Map<string, Endpoint>();
    for (const t of targets) {
      const ep = this.endpoints.get(t) ?? (await this.open(t));
      order.set(t, ep);
    }
    this.endpoints.clear();
    for (const [t, ep] of order) this.endpoints.set(t, ep);
  }

  *channels(): Iterable<OfChannel> {
    for (const ep of this.endpoints.values()) {
      if (ep.active?.channel) yield ep.active.channel;
      if (ep.passive) yield* ep.passive.channels;
    }
  }

  /** True when some controller connection finished its HELLO exchange. */
  anyConnected(): boolean {
    for (const ch of this.channels()) if (ch.state === "connected") return true;
    return false;
  }

  status(): ControllerStatus[] {
    return [...this.endpoints.values()].map((ep) => {
      const chans = ep.active?.channel ? [ep.active.channel] : [...(ep.passive?.channels ?? [])];
      const up = chans.filter((c) => c.state === "connected");
      const s: ControllerStatus = {
        target: ep.target,
        mode: isPassive(ep.parsed) ? "passive" : "active",
        state: ep.state === "error" ? "error" : up.length > 0 && ep.active ? "connected" : ep.state,
        connected: up.length > 0,
        connections: up.map((c) => ({ peer: c.name, role: this.opts.roleOf(c) })),
      };
      if (ep.passive) {
        const bound = boundOf(ep.passive);
        if (bound) s.bound = bound;
      }
      if (ep.lastError !== undefined) s.lastError = ep.lastError;
      return s;
    });
  }

  async close(): Promise<void> {
    const all = [...this.endpoints.values()];
    this.endpoints.clear();
    await Promise.all(all.map((ep) => this.shut(ep)));
  }

  private async open(target: string): Promise<Endpoint> {
    const log = this.opts.logger.child({ controller: target });
    const parsed = parseTarget(target);
    const ep: Endpoint = { target, parsed, state: "connecting" };
    let tls: TlsFiles | undefined;
    if (parsed.kind === "ssl" || parsed.kind === "pssl") {
      try {
        tls = this.opts.tls?.();
      } catch (e) {
        return this.failed(ep, `cannot read the TLS files: ${(e as Error).message}`);
      }
      if (!tls) {
        return this.failed(ep, "ssl needs a certificate, a private key and a CA certificate (see wasmvs start --help)");
      }
    }
    const transport = { channel: this.opts.channel, tls, backoff: this.opts.backoff };
    const watch = (ch: OfChannel) => {
      ch.once("connected", () => {
        if (ep.active) ep.lastError = undefined;
        log.info({ peer: ch.name }, "controller connected");
      });
      ch.on("disconnected", (reason) => log.info({ peer: ch.name, reason }, "controller connection closed"));
      this.opts.onChannel(ch, target);
    };
    if (isPassive(parsed)) {
      const l = new PassiveListener(parsed, transport);
      l.on("channel", watch);
      l.on("rejected", (why) => log.warn({ why }, "controller connection refused"));
      ep.passive = l;
      try {
        await l.listen();
      } catch (e) {
        ep.passive = undefined;
        return this.failed(ep, (e as Error).message);
      }
      ep.state = "listening";
      log.info({ openflow: boundOf(l) }, "controller listener up");
      return ep;
    }
    const c = new ActiveConnector(parsed, transport);
    c.on("channel", (ch) => {
      ep.state = "connecting";
      watch(ch);
    });
    c.on("retry", (reason, delayMs) => {
      ep.state = "backoff";
      ep.lastError = reason;
      log.debug({ reason, delayMs }, "controller connection failed; retrying");
    });
    ep.active = c;
    c.start();
    return ep;
  }

  private failed(ep: Endpoint, why: string): Endpoint {
    ep.state = "error";
    ep.lastError = why;
    this.opts.logger.error({ controller: ep.target, err: why }, "controller target cannot open");
    return ep;
  }

  private async shut(ep: Endpoint): Promise<void> {
    ep.active?.stop();
    await ep.passive?.close();
  }
}

function boundOf(l: PassiveListener): string | undefined {
  const a = l.address;
  if (!a) return undefined;
  const t = l.target;
  if ("port" in a && (t.kind === "ptcp" || t.kind === "pssl")) return formatTarget({ ...t, port: a.port });
  return formatTarget(t);
}
