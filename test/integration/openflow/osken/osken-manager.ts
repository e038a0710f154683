// os-ken applications as the OpenFlow integration tests run them: the real `osken-manager`
// (Debian's python3-os-ken) with an app from this folder, its events read from stdout.
//
// What: `OsKen.start(app, opts)` spawns `/usr/bin/osken-manager` listening on a free port of
//   127.0.0.1, as a controller does; the switch dials it (an active `tcp:127.0.0.1:PORT`
//   controller target, `controllerTarget`). The apps print `WVS <EVENT> k=v ...` lines;
//   `events(name)` parses them and `waitFor(name, pred)` waits for one. `stop()` ends the
//   process (SIGTERM, then SIGKILL).
// Invariants: every process started here is stopped by stop() or by killAllOsKen().

import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import net from "node:net";
import { fileURLToPath } from "node:url";
import { pollUntil } from "../../../support/switch-daemon.ts";

export const OSKEN_MANAGER = "/usr/bin/osken-manager";
const APPS = fileURLToPath(new URL("./", import.meta.url));

export type OsKenEvent = Record<string, string> & { event: string };

const running = new Set<ChildProcess>();

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

export class OsKen {
  private out = "";
  private err = "";

  private constructor(
    readonly child: ChildProcess,
    /** The port os-ken listens on for switches that dial it (tcp:127.0.0.1:PORT). */
    readonly listenPort: number,
  ) {
    child.stdout?.on("data", (d) => {
      this.out += d;
    });
    child.stderr?.on("data", (d) => {
      this.err += d;
    });
  }

  static async start(app: string, opts: { env?: Record<string, string> } = {}): Promise<OsKen> {
    const listenPort = await freePort();
    const args = ["--ofp-listen-host", "127.0.0.1", "--ofp-tcp-listen-port", String(listenPort), `${APPS}${app}`];
    const child = spawn(OSKEN_MANAGER, args, {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, PYTHONUNBUFFERED: "1", ...opts.env },
    });
    running.add(child);
    child.on("exit", () => running.delete(child));
    const osken = new OsKen(child, listenPort);
    // Ready when its socket listens (read from /proc: a probe connection would be a "switch").
    const hexPort = `:${listenPort.toString(16).toUpperCase().padStart(4, "0")} `;
    await pollUntil(
      `osken-manager listening on ${listenPort}`,
      () => {
        if (child.exitCode !== null) throw new Error(`osken-manager exited: ${osken.output()}`);
        return readFileSync("/proc/net/tcp", "utf8")
          .split("\n")
          .some((l) => l.includes(`0100007F${hexPort}`) && l.includes(" 0A "));
      },
      (listening) => listening,
      20_000,
    );
    return osken;
  }

  /** The active controller target a switch dials to reach this os-ken. */
  get controllerTarget(): string {
    return `tcp:127.0.0.1:${this.listenPort}`;
  }

  /** The app's events so far (`WVS NAME k=v ...` lines), optionally only those named `name`. */
  events(name?: string): OsKenEvent[] {
    const out: OsKenEvent[] = [];
    for (const line of this.out.split("\n")) {
      const m = /^WVS (\S+)(.*)$/.exec(line.trim());
      if (!m || (name && m[1] !== name)) continue;
      const ev: OsKenEvent = { event: m[1] };
      for (const kv of m[2]
        .trim()
        .split(/\s+/)
        .filter((x) => x !== "")) {
        const at = kv.indexOf("=");
        ev[kv.slice(0, at)] = kv.slice(at + 1);
      }
      out.push(ev);
    }
    return out;
  }

  /** Waits until an event `name` satisfying `pred` was printed. */
  async waitFor(name: string, pred: (e: OsKenEvent) => boolean = () => true, timeoutMs = 20_000): Promise<OsKenEvent> {
    const found = await pollUntil(
      `os-ken event ${name}`,
      () => {
        if (this.child.exitCode !== null) throw new Error(`osken-manager exited: ${this.output()}`);
        return this.events(name).find(pred) ?? null;
      },
      (e) => e !== null,
      timeoutMs,
    );
    return found as OsKenEvent;
  }

  /** Everything the process printed (for failure messages). */
  output(): string {
    return `--- stdout\n${this.out}\n--- stderr\n${this.err}`;
  }

  async stop(): Promise<void> {
    const c = this.child;
    if (c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once("exit", r));
    c.kill("SIGTERM");
    const t = setTimeout(() => c.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(t);
  }
}

export function killAllOsKen(): void {
  for (const c of running) c.kill("SIGKILL");
}
