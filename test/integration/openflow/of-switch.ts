// The running switch as the OpenFlow integration tests drive it: the real daemon process with
// `--openflow 127.0.0.1:0`, its bound OpenFlow address read from the readiness line, the
// bridge's punix socket, REST for ports, and `ovs-ofctl -O OpenFlow13` as the client.
//
// What: OfSwitch.start(lab, tag) spawns `wasmvs start --bridge <prefix><tag>
//   --no-internal-ports --openflow 127.0.0.1:0` on a fresh state directory; `tcp` and `unix`
//   are the ovs-ofctl targets of the default bridge; `ofctl(target, ...args)` runs ovs-ofctl
//   and returns its stdout (throwing with stderr when it fails); `addPort` adds a port over
//   REST and waits until the datapath attached it; parseDumpFlows turns dump-flows output into
//   comparable records (durations and counters dropped). With `{ record: true }` every OpenFlow
//   byte is kept for tshark (of-recording.ts): `unix` is then a recording proxy in front of the
//   punix socket, `recordAlso(ports)` adds the ports of controllers the switch dials, and
//   `dissect()` stops the recording and returns what tshark (and the codec's round trip) made
//   of it.
// Invariants: every daemon started here is stopped by stop() or by killAllDaemons().

import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NetLab } from "../../support/netns.ts";
import { pollUntil } from "../../support/switch-daemon.ts";
import { type DaemonProcess, killAllDaemons, spawnDaemon } from "../daemon/daemon-process.ts";
import { type OfDissection, OfRecording } from "./of-recording.ts";

export const OVS_OFCTL = "/usr/bin/ovs-ofctl";

export interface DumpedFlow {
  table: number;
  priority: number;
  /** The match as ovs-ofctl prints it ("in_port=1"), "" for match-anything. */
  match: string;
  actions: string;
  packets: number;
}

/** Parses `ovs-ofctl dump-flows` output (one flow per line after the reply header, if any). */
export function parseDumpFlows(out: string): DumpedFlow[] {
  const flows: DumpedFlow[] = [];
  for (const raw of out.split("\n")) {
    const line = raw.trim();
    if (!line.includes("actions=")) continue;
    const [head, actions] = line.split(/ actions=/);
    const fields = head.split(/,\s*|\s+/).filter((f) => f !== "");
    let table = 0;
    let priority = 32768;
    let packets = 0;
    const match: string[] = [];
    for (const f of fields) {
      const [k, v] = f.split("=");
      if (k === "table") table = Number(v);
      else if (k === "priority") priority = Number(v);
      else if (k === "n_packets") packets = Number(v);
      else if (!["cookie", "duration", "n_bytes", "idle_age", "hard_age", "reset_counts"].includes(k)) match.push(f);
    }
    flows.push({ table, priority, match: match.join(","), actions, packets });
  }
  return flows;
}

export class OfSwitch {
  private constructor(
    readonly daemon: DaemonProcess,
    readonly bridge: string,
    readonly tcp: string,
    readonly unix: string,
    private readonly stateRoot: string,
    private readonly recording?: OfRecording,
  ) {}

  /** `record`: pass the OpenFlow bytes through a recorder (tshark checks); `extra`: more `wasmvs
   *  start` flags (e.g. --inactivity-probe). */
  static async start(lab: NetLab, tag = "ob", opts: { record?: boolean; extra?: string[] } = {}): Promise<OfSwitch> {
    const bridge = lab.name(tag);
    const stateRoot = mkdtempSync(join(tmpdir(), "wasmvs-of-"));
    const stateDir = join(stateRoot, "state");
    try {
      const daemon = await spawnDaemon(stateDir, [
        "--bridge",
        bridge,
        "--no-internal-ports",
        "--openflow",
        "127.0.0.1:0",
        ...(opts.extra ?? []),
      ]);
      const ready = daemon.lines
        .map((l) => {
          try {
            return JSON.parse(l) as { msg?: string; openflow?: string };
          } catch {
            return {};
          }
        })
        .find((r) => r.msg === "wasmvs ready");
      if (!ready?.openflow) throw new Error(`no openflow address in the ready line:\n${daemon.lines.join("\n")}`);
      const mgmt = join(stateDir, `${bridge}.mgmt`);
      const recording = opts.record
        ? await OfRecording.start(stateRoot, Number(ready.openflow.split(":").at(-1)), mgmt).catch((e) => {
            daemon.child.kill("SIGKILL");
            throw e;
          })
        : undefined;
      return new OfSwitch(
        daemon,
        bridge,
        `tcp:${ready.openflow}`,
        recording?.unixTarget ?? `unix:${mgmt}`,
        stateRoot,
        recording,
      );
    } catch (e) {
      rmSync(stateRoot, { recursive: true, force: true });
      throw e;
    }
  }

  /** Runs `ovs-ofctl -O OpenFlow13 --no-names CMD TARGET ARGS...`; stdout, or throws with stderr. */
  ofctl(cmd: string, target: string, ...args: string[]): Promise<string> {
    const argv = [
      "-O",
      "OpenFlow13",
      "--no-names",
      ...(cmd.startsWith("--") ? cmd.split(" ") : [cmd]),
      target,
      ...args,
    ];
    return new Promise((resolve, reject) =>
      execFile(OVS_OFCTL, argv, { timeout: 20_000, maxBuffer: 256 << 20 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`ovs-ofctl ${argv.join(" ")} failed: ${err.message}\n${stderr}`));
        else resolve(stdout);
      }),
    );
  }

  /** OpenFlow connections the daemon has accepted so far (its "openflow connection" log lines). */
  connections(): number {
    return this.daemon.lines.filter((l) => l.includes('"openflow connection"')).length;
  }

  async dumpFlows(target = this.tcp): Promise<DumpedFlow[]> {
    return parseDumpFlows(await this.ofctl("dump-flows", target));
  }

  /** Adds a port (to `bridge`, the default bridge unless named) over REST and waits until the
   *  datapath attached it. */
  async addPort(port: Record<string, unknown>, bridge = this.bridge): Promise<void> {
    const res = await fetch(`${this.daemon.url}/v1/bridges/${bridge}/ports`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(port),
    });
    if (!res.ok) throw new Error(`adding port ${JSON.stringify(port)}: ${res.status} ${await res.text()}`);
    await pollUntil(
      `port ${port.name} attached`,
      () => fetch(`${this.daemon.url}/v1/bridges/${bridge}/ports/${port.name}/stats`).then((r) => r.status),
      (s) => s === 200,
      15_000,
    );
  }

  /** Records the TCP `ports` too (controllers this switch dials; start with `{ record: true }`). */
  recordAlso(ports: number[]): Promise<void> {
    if (!this.recording) throw new Error("this switch was started without { record: true }");
    return this.recording.alsoCapture(ports);
  }

  /** Creates another bridge in the daemon over REST (standalone: NORMAL, unless `failMode`). */
  async addBridge(name: string, failMode = "standalone"): Promise<void> {
    const res = await fetch(`${this.daemon.url}/v1/bridges`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name, failMode }),
    });
    if (res.status !== 201) throw new Error(`creating bridge ${name}: ${res.status} ${await res.text()}`);
  }

  /** Stops the recording (start with `{ record: true }`) and returns tshark's dissection. */
  dissect(): Promise<OfDissection> {
    if (!this.recording) throw new Error("this switch was started without { record: true }");
    return this.recording.finish();
  }

  async stop(graceMs = 10_000): Promise<void> {
    await this.recording?.stop();
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

export async function stopOfSwitch(sw: OfSwitch | undefined): Promise<void> {
  try {
    await sw?.stop();
  } finally {
    killAllDaemons();
  }
}
