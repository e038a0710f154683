// `ovs-ofctl -O OpenFlow13 monitor` as a test's controller: a real OpenFlow client connected to
// the switch that prints every asynchronous message it receives (PACKET_IN, FLOW_REMOVED,
// PORT_STATUS), read line by line while it runs.
//
// What: OfMonitor.start(target, connections) spawns it (stdbuf: ovs-ofctl block-buffers a
//   pipe) with a private OVS_RUNDIR, and resolves once the switch accepted its connection;
//   `messages(kind)` are the printed messages of one type ("OFPT_FLOW_REMOVED"), each with its
//   continuation lines joined; waitFor(kind, test) polls for one; stop() kills it.
// Invariants: stdout and stderr are both read (a full pipe would block ovs-ofctl).

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pollUntil } from "../../support/switch-daemon.ts";
import { OVS_OFCTL } from "./of-switch.ts";

export class OfMonitor {
  private out = "";

  private constructor(
    private readonly child: ChildProcess,
    private readonly runDir: string,
  ) {
    const add = (d: Buffer) => {
      this.out += d.toString();
    };
    child.stdout?.on("data", add);
    child.stderr?.on("data", add);
  }

  /**
   * `missLen` is the monitor's miss_send_len argument. `connections()` counts the switch's
   * accepted OpenFlow connections (its log lines): start resolves once it grew, plus a moment
   * for the HELLO and SET_CONFIG exchange (ovs-ofctl prints nothing until a message arrives).
   */
  static async start(target: string, connections: () => number, missLen = 65535): Promise<OfMonitor> {
    const before = connections();
    const runDir = mkdtempSync(join(tmpdir(), "wvs-mon-"));
    const child = spawn("stdbuf", ["-oL", OVS_OFCTL, "-O", "OpenFlow13", "monitor", target, String(missLen)], {
      env: { ...process.env, OVS_RUNDIR: runDir },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const m = new OfMonitor(child, runDir);
    try {
      await pollUntil("ovs-ofctl monitor connected", connections, (n) => n > before, 15_000);
    } catch (e) {
      m.stop();
      throw new Error(`${(e as Error).message}
${m.out}`);
    }
    await new Promise((r) => setTimeout(r, 300));
    return m;
  }

  get output(): string {
    return this.out;
  }

  /** Messages of one type as printed, e.g. "OFPT_PORT_STATUS", with continuation lines joined. */
  messages(kind: string): string[] {
    const blocks: string[] = [];
    let cur: string | undefined;
    for (const line of this.out.split("\n")) {
      if (/^OFPT_|^NXT_|^OFPST_/.test(line)) {
        if (cur !== undefined) blocks.push(cur);
        cur = line.startsWith(kind) ? line : undefined;
      } else if (cur !== undefined && line.trim() !== "") cur += ` ${line.trim()}`;
    }
    if (cur !== undefined) blocks.push(cur);
    return blocks;
  }

  /** Waits until a message of `kind` satisfying `test` was printed; returns it. */
  async waitFor(kind: string, test: (m: string) => boolean, timeoutMs = 10_000): Promise<string> {
    const found = await pollUntil(
      `${kind} in ovs-ofctl monitor's output`,
      async () => this.messages(kind).find(test),
      (m) => m !== undefined,
      timeoutMs,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\nmonitor output:\n${this.out}`);
    });
    return found as string;
  }

  stop(): void {
    this.child.kill("SIGKILL");
    rmSync(this.runDir, { recursive: true, force: true });
  }
}
