// A ping that runs for as long as a test does something else (a fuzz run, say), to show a
// switch kept forwarding the whole time: every echo request numbered and time-stamped, so the
// end result says how many were lost and how long the longest silence lasted.
//
// What: `PingStream.start(ns, dst, intervalS)` runs `ping -n -D -i <interval>` in the
//   namespace; `stop()` interrupts it (SIGINT, as a user would) and returns what it sent, what
//   came back, and the longest gap between two consecutive replies (from ping's own -D time
//   stamps, so it measures the replies, not this process's event loop).
// Invariants: stop() always reaps the child; a ping that exited early is reported, not hidden.

import { type ChildProcess, spawn } from "node:child_process";

export interface PingStreamResult {
  transmitted: number;
  received: number;
  /** The longest time between two consecutive replies, seconds (and from the start to the first). */
  longestGapS: number;
  /** ping's last lines, for failure messages. */
  tail: string;
}

export class PingStream {
  private out = "";
  private readonly started = Date.now() / 1000;

  private constructor(private readonly child: ChildProcess) {
    child.stdout?.on("data", (d) => {
      this.out += d;
    });
    child.stderr?.on("data", (d) => {
      this.out += d;
    });
  }

  static start(ns: string, dst: string, intervalS: number): PingStream {
    const child = spawn("ip", ["netns", "exec", ns, "ping", "-n", "-D", "-i", String(intervalS), dst], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    return new PingStream(child);
  }

  async stop(): Promise<PingStreamResult> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const closed = new Promise((r) => this.child.once("close", r));
      this.child.kill("SIGINT");
      await closed;
    }
    const m = /(\d+) packets transmitted, (\d+) (?:packets )?received/.exec(this.out);
    if (!m) throw new Error(`ping printed no summary:\n${this.out.slice(-2000)}`);
    const replies = [...this.out.matchAll(/^\[(\d+\.\d+)\] \d+ bytes from/gm)].map((r) => Number(r[1]));
    let longestGapS = replies.length > 0 ? replies[0] - this.started : Number.POSITIVE_INFINITY;
    for (let i = 1; i < replies.length; i++) longestGapS = Math.max(longestGapS, replies[i] - replies[i - 1]);
    return {
      transmitted: Number(m[1]),
      received: Number(m[2]),
      longestGapS,
      tail: this.out.split("\n").slice(-8).join("\n"),
    };
  }
}
