// The running switch as the integration tests of test/integration/switch/ drive it: the real
// daemon process with its datapath worker, configured over REST.
//
// What: `SwitchDaemon.start(lab)` spawns `wasmvs start` (spawnDaemon) with one bridge named
//   `<lab prefix>br` — unique per test process, because the bridge's LOCAL port is a TAP named
//   after it — on a fresh state directory, and offers the REST calls the tests make: `call`
//   (any status), `ok` (2xx or throw with the daemon's message), `addPort` (returns once the
//   datapath has attached the port), `stats`, `fdb`. `stop()` sends SIGTERM (so the daemon
//   removes the TAPs it created), SIGKILLs after a grace period, and removes the state.
// Design: REST writes return once the configuration is durable; attaching a port in the
//   datapath follows asynchronously. `GET …/stats` answers 200 only for an attached port, so
//   `addPort` polls it. `pollUntil` replaces sleeps everywhere: it returns as soon as the
//   condition holds and fails with the last value seen when it never does.
// Invariants: every daemon started here is stopped by stop() or by killAllDaemons().

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DaemonProcess, killAllDaemons, spawnDaemon } from "../integration/daemon/daemon-process.ts";
import type { NetLab } from "./netns.ts";

export interface RestReply {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: parsed JSON, checked by the tests' assertions
  json: any;
}

export interface PortStatsReply {
  rxPackets: number;
  rxBytes: number;
  rxDropped: number;
  rxErrors: number;
  txPackets: number;
  txBytes: number;
  txDropped: number;
  txErrors: number;
  linkUp: boolean;
  mtu: number;
}

export interface FdbEntryReply {
  vlan: number;
  mac: string;
  port: string;
  ageSeconds: number;
  static: boolean;
}

/** Calls fn every intervalMs until check(value) holds; returns that value, or throws after
 *  timeoutMs with `what` and the last value seen. */
export async function pollUntil<T>(
  what: string,
  fn: () => Promise<T> | T,
  check: (v: T) => boolean,
  timeoutMs = 10_000,
  intervalMs = 50,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      last = await fn();
      if (check(last)) return last;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() >= end) {
      const seen = lastError && last === undefined ? String(lastError) : JSON.stringify(last);
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${seen}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export class SwitchDaemon {
  private constructor(
    readonly daemon: DaemonProcess,
    readonly bridge: string,
    private readonly stateRoot: string,
  ) {}

  /** Starts the daemon with bridge `<prefix><tag>` (default "br"); `internalPorts: false`
   *  passes --no-internal-ports. */
  static async start(lab: NetLab, opts: { tag?: string; internalPorts?: boolean } = {}): Promise<SwitchDaemon> {
    const bridge = lab.name(opts.tag ?? "br");
    const stateRoot = mkdtempSync(join(tmpdir(), "wasmvs-switch-"));
    const extra = ["--bridge", bridge];
    if (opts.internalPorts === false) extra.push("--no-internal-ports");
    try {
      const daemon = await spawnDaemon(join(stateRoot, "state"), extra);
      return new SwitchDaemon(daemon, bridge, stateRoot);
    } catch (e) {
      rmSync(stateRoot, { recursive: true, force: true });
      throw e;
    }
  }

  get url(): string {
    return this.daemon.url;
  }

  /** The bridge's OpenFlow management socket (punix, always on): `unix:<path>` for ovs-ofctl. */
  get mgmtSocket(): string {
    return `unix:${join(this.stateRoot, "state", `${this.bridge}.mgmt`)}`;
  }

  /** One REST call under /v1; any status. */
  async call(method: string, path: string, body?: unknown): Promise<RestReply> {
    const res = await fetch(`${this.daemon.url}/v1${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json: unknown = text;
    try {
      json = JSON.parse(text);
    } catch {
      // not JSON: keep the text for the error message
    }
    return { status: res.status, json };
  }

  /** A REST call that must succeed (2xx); throws with the daemon's reply otherwise. */
  // biome-ignore lint/suspicious/noExplicitAny: parsed JSON, checked by the tests' assertions
  async ok(method: string, path: string, body?: unknown): Promise<any> {
    const r = await this.call(method, path, body);
    if (r.status < 200 || r.status >= 300) {
      throw new Error(`${method} /v1${path} ${JSON.stringify(body ?? null)} → ${r.status} ${JSON.stringify(r.json)}`);
    }
    return r.json;
  }

  /** Adds a port to the bridge and waits until the datapath attached it. */
  // biome-ignore lint/suspicious/noExplicitAny: the port's JSON view
  async addPort(port: Record<string, unknown>): Promise<any> {
    const view = await this.ok("POST", `/bridges/${this.bridge}/ports`, port);
    await this.waitAttached(String(port.name));
    return view;
  }

  async deletePort(name: string): Promise<void> {
    await this.ok("DELETE", `/bridges/${this.bridge}/ports/${name}`);
  }

  async waitAttached(name: string, timeoutMs = 15_000): Promise<void> {
    await pollUntil(
      `port ${name} attached to the datapath`,
      () => this.call("GET", `/bridges/${this.bridge}/ports/${name}/stats`),
      (r) => r.status === 200,
      timeoutMs,
    );
  }

  async stats(port: string): Promise<PortStatsReply> {
    return (await this.ok("GET", `/bridges/${this.bridge}/ports/${port}/stats`)) as PortStatsReply;
  }

  async fdb(): Promise<FdbEntryReply[]> {
    return (await this.ok("GET", `/bridges/${this.bridge}/fdb`)) as FdbEntryReply[];
  }

  /** The learned entry for mac (lower case), if any. */
  async fdbEntry(mac: string, vlan?: number): Promise<FdbEntryReply | undefined> {
    return (await this.fdb()).find((e) => e.mac === mac.toLowerCase() && (vlan === undefined || e.vlan === vlan));
  }

  /** SIGTERM (the daemon removes its TAPs and detaches ports), SIGKILL after graceMs; then the
   *  state directory goes. */
  async stop(graceMs = 10_000): Promise<void> {
    const child = this.daemon.child;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await this.daemon.exited;
      clearTimeout(timer);
    }
    rmSync(this.stateRoot, { recursive: true, force: true });
  }
}

/** Stops the daemon (if started) and then SIGKILLs any straggler; for afterAll. */
export async function stopSwitch(sw: SwitchDaemon | undefined): Promise<void> {
  try {
    await sw?.stop();
  } finally {
    killAllDaemons();
  }
}
