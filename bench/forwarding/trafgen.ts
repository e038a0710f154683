// What: the traffic generator — `trafgen` (netsniff-ng) inside a namespace, pinned to the
// generator core, sending 64-byte Ethernet/IPv4/UDP frames whose source MAC walks a set of
// flows (1, 1,000, ~100k, or a new one per frame for the upcall case).
//
// Design: trafgen's raw config (one packet template of byte literals; dinc() fields step once
// per frame sent). NORMAL's megaflows match in_port + VLAN + both MACs, so a distinct source
// MAC is a distinct megaflow and EMC entry. Several byte counters that step together cover
// lcm(periods) distinct values when their periods are pairwise coprime:
//   1 flow        constant
//   1,000 flows   dinc(0,7) x dinc(0,124)                 8 x 125        = 1,000
//   100,096 flows dinc(0,22) x dinc(0,16) x dinc(0,255)   23 x 17 x 256  = 100,096
//   unique        dinc(0,252) x dinc(0,254) x dinc(0,255) 253 x 255 x 256 = 16.5M before a repeat
// Frame: dst DST_MAC (pre-learned on B's side), src 02:10:<flow>, 10.0.0.1 -> 10.0.0.2,
// UDP 1024 -> 5001, 22 zero bytes of payload: 64 bytes in the buffer (no FCS).
// Flags: -P 1 (one process), --no-sock-mem (leave the core socket memory sysctls alone: the
// caller sets what it needs), --notouch-irq (leave IRQ affinity alone), -C (no CPU stats).
// The qdisc is bypassed (trafgen's default).
// Threading: async child processes.

import { spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { anchorCleanupRegister } from "../anchors/hugepages.ts";
import { DST_MAC, GEN_CORE } from "./topology.ts";

export const TRAFGEN = "/usr/sbin/trafgen";
export const FRAME_BYTES = 64;

export type FlowSet = 1 | 1000 | 100096 | "unique";

const hex = (b: number) => `0x${b.toString(16).padStart(2, "0")}`;
const macBytes = (mac: string) => mac.split(":").map((x) => hex(Number.parseInt(x, 16)));

function sourceMac(flows: FlowSet): string[] {
  const head = ["0x02", "0x10", "0x00"];
  switch (flows) {
    case 1:
      return [...head, "0x00", "0x00", "0x01"];
    case 1000:
      return [...head, "0x00", "dinc(0, 7, 1)", "dinc(0, 124, 1)"];
    case 100096:
      return [...head, "dinc(0, 22, 1)", "dinc(0, 16, 1)", "dinc(0, 255, 1)"];
    case "unique":
      return [...head, "dinc(0, 252, 1)", "dinc(0, 254, 1)", "dinc(0, 255, 1)"];
  }
}

/** A trafgen config for the benchmark's UDP frames over `flows` source MACs. */
export function trafgenConfig(flows: FlowSet): string {
  const ip = [
    "0x45, 0x00, 0x00, 0x32", // v4, IHL 5, total length 50
    "0x00, 0x00, 0x40, 0x00", // id 0, DF
    "0x40, 0x11, csumip(14, 33)", // TTL 64, UDP, header checksum
    "10, 0, 0, 1",
    "10, 0, 0, 2",
  ];
  const udp = ["0x04, 0x00, 0x13, 0x89", "0x00, 0x1e, 0x00, 0x00"]; // 1024 -> 5001, len 30, no csum
  const bytes = [...macBytes(DST_MAC), ...sourceMac(flows), "0x08, 0x00", ...ip, ...udp, "fill(0x00, 22)"];
  return `{\n  ${bytes.join(",\n  ")}\n}\n`;
}

/** A broadcast frame from DST_MAC, sent on B's side so every switch learns where DST_MAC is. */
export function learnConfig(): string {
  return `{\n  ${["0xff, 0xff, 0xff, 0xff, 0xff, 0xff", ...macBytes(DST_MAC), "0x08, 0x06", "fill(0x00, 50)"].join(",\n  ")}\n}\n`;
}

export interface TrafgenRun {
  /** Resolves when trafgen exits (by itself with `count`, or after stop()). */
  done: Promise<void>;
  stop(): void;
}

/** Starts trafgen in `ns` on `dev`, pinned to the generator core. count 0 = until stop(). */
export function trafgenStart(
  ns: string,
  dev: string,
  configFile: string,
  opts: { count?: number; rate?: string } = {},
): TrafgenRun {
  const args = ["netns", "exec", ns, "taskset", "-c", String(GEN_CORE), TRAFGEN];
  args.push("-o", dev, "-i", configFile, "-P", "1", "--no-sock-mem", "--notouch-irq", "-C");
  if (opts.count) args.push("-n", String(opts.count));
  if (opts.rate) args.push("-b", opts.rate);
  // Its own process group: trafgen forks its sender, and a signal to the parent alone leaves
  // the sender running; stop() and the cleanup signal the whole group.
  const child = spawn("ip", args, { stdio: ["ignore", "ignore", "pipe"], detached: true });
  const signalGroup = (sig: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, sig);
    } catch {
      // already gone
    }
  };
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr += d;
  });
  const unregister = anchorCleanupRegister(() => signalGroup("SIGKILL"));
  const done = new Promise<void>((resolve, reject) => {
    child.once("exit", (code, signal) => {
      unregister();
      if (code === 0 || signal === "SIGINT" || signal === "SIGTERM") resolve();
      else reject(new Error(`trafgen exited ${code ?? signal}: ${stderr.trim().split("\n").slice(-2).join(" ")}`));
    });
  });
  return { done, stop: () => signalGroup("SIGINT") };
}

/** Runs trafgen for exactly `count` frames. */
export async function trafgenSend(
  ns: string,
  dev: string,
  configFile: string,
  count: number,
  rate?: string,
): Promise<void> {
  await trafgenStart(ns, dev, configFile, { count, rate }).done;
}

/** Writes the configs the benchmark uses into dir; returns their paths. */
export function trafgenConfigs(dir: string): Record<FlowSet | "learn", string> {
  const files = {} as Record<FlowSet | "learn", string>;
  for (const flows of [1, 1000, 100096, "unique"] as FlowSet[]) {
    const file = path.join(dir, `flows-${flows}.cfg`);
    writeFileSync(file, trafgenConfig(flows));
    files[flows] = file;
  }
  files.learn = path.join(dir, "learn.cfg");
  writeFileSync(files.learn, learnConfig());
  return files;
}

export function trafgenInstalled(): boolean {
  return existsSync(TRAFGEN);
}
