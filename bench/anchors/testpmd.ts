// What: the lower-bound anchor — dpdk-testpmd forwarding between two net_null vdevs in io mode
// on one core. No parsing, no lookup: this is the cost of DPDK rx burst + tx burst + mbuf
// recycling, the floor any switch on DPDK pays.
//
// Design:
//   dpdk-testpmd -l 0,1 --no-pci --vdev=net_null0 --vdev=net_null1 --in-memory ... \
//     -- -i --forward-mode=io --nb-cores=1
//   lcore 0 runs the prompt, lcore 1 forwards port0 rx -> port1 tx and port1 rx -> port0 tx.
//   net_null (default size=64, copy=0) hands out 64-byte all-zero mbufs on rx and frees on tx.
//   We drive the prompt over stdin: start, warm up, `show port stats all` once as the base, then
//   one `show port stats all` per sample; Mpps = delta(RX-packets of both ports) / wall time
//   between the two commands. Median over samples.
//   --record-core-cycles is NOT used (it adds rdtsc per burst, ~5-10% here); cycles per packet
//   are ns/packet x TSC MHz (from /proc/cpuinfo "cpu MHz", equal to the TSC on this VM).
//
// Invariants: testpmd is always stopped (quit, then SIGTERM/SIGKILL), the hugetlbfs mount
// released and /var/run/dpdk/<prefix> removed, also on error or timeout.

import { execFile } from "node:child_process";
import { access, readFile } from "node:fs/promises";
import os from "node:os";
import { promisify } from "node:util";
import {
  ANCHOR_DEFAULT_SAMPLES,
  ANCHOR_DEFAULT_WARMUP_SECONDS,
  type AnchorOptions,
  type AnchorOutcome,
  anchorMedian,
} from "./anchor-result.ts";
import {
  anchorSpawn,
  anchorStop,
  dpdkFilePrefix,
  dpdkRuntimeDirRemove,
  hugepagesAcquire,
  sleep,
  threadCpuSeconds,
} from "./hugepages.ts";

const execFileAsync = promisify(execFile);

const TESTPMD = "/usr/bin/dpdk-testpmd";
const PROMPT = "testpmd> ";
const SOCKET_MEM_MB = 256;
const FORWARD_LCORE = 1;
const FORWARD_THREAD = `rte-worker-${FORWARD_LCORE}`;
const COMMAND_TIMEOUT_MS = 15_000;

interface PortStats {
  rxPackets: number;
  /** testpmd's own "Rx-pps (since last show)", TSC-timed; a cross-check only. */
  rxPps: number;
}

async function testpmdVersion(): Promise<string | undefined> {
  try {
    await access(TESTPMD);
    // "dpdk\t<version>"
    const { stdout } = await execFileAsync("dpkg-query", ["-W", "dpdk"]);
    return stdout.trim().split("\t")[1] || undefined;
  } catch {
    return undefined;
  }
}

async function tscMhz(): Promise<number | undefined> {
  const cpuinfo = await readFile("/proc/cpuinfo", "utf8").catch(() => "");
  const mhz = /^cpu MHz\s*:\s*([\d.]+)/m.exec(cpuinfo)?.[1];
  return mhz ? Number.parseFloat(mhz) : undefined;
}

function parsePortStats(text: string): PortStats[] {
  const ports: PortStats[] = [];
  for (const block of text.split("NIC statistics for port").slice(1)) {
    const rx = /RX-packets:\s*(\d+)/.exec(block)?.[1];
    const pps = /Rx-pps:\s*(\d+)/.exec(block)?.[1];
    if (rx !== undefined) ports.push({ rxPackets: Number(rx), rxPps: Number(pps ?? 0) });
  }
  return ports;
}

/** Line-oriented driver of testpmd's interactive prompt. */
class TestpmdPrompt {
  private buffer = "";
  private waiter: (() => void) | undefined;

  constructor(private readonly child: ReturnType<typeof anchorSpawn>) {
    const onData = (chunk: Buffer) => {
      this.buffer += chunk.toString("utf8");
      this.waiter?.();
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", () => this.waiter?.());
  }

  /** Output up to the next prompt; rejects on exit or timeout with the tail of the output. */
  async untilPrompt(): Promise<string> {
    const deadline = Date.now() + COMMAND_TIMEOUT_MS;
    for (;;) {
      const at = this.buffer.indexOf(PROMPT);
      if (at >= 0) {
        const out = this.buffer.slice(0, at);
        this.buffer = this.buffer.slice(at + PROMPT.length);
        return out;
      }
      if (this.child.exitCode !== null || this.child.signalCode !== null || Date.now() > deadline) {
        throw new Error(`dpdk-testpmd: no prompt; output tail: ${this.buffer.slice(-400)}`);
      }
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        setTimeout(resolve, 200);
      });
      this.waiter = undefined;
    }
  }

  async run(command: string): Promise<string> {
    this.child.stdin?.write(`${command}\n`);
    return this.untilPrompt();
  }
}

/** Per-core io-forwarding rate of dpdk-testpmd between net_null0 and net_null1. */
export async function measureTestpmd(opts: AnchorOptions): Promise<AnchorOutcome> {
  const version = await testpmdVersion();
  if (!version) return { skipped: "dpdk not installed (apt-get install dpdk)" };
  const samples = Math.max(1, opts.samples ?? ANCHOR_DEFAULT_SAMPLES);
  const warmupMs = (opts.warmupSeconds ?? ANCHOR_DEFAULT_WARMUP_SECONDS) * 1000;
  const sampleMs = (opts.seconds * 1000) / samples;

  const huge = await hugepagesAcquire(SOCKET_MEM_MB / 2);
  if ("skipped" in huge) return huge;
  const prefix = dpdkFilePrefix("testpmd");
  const eal = [
    "-l",
    `0,${FORWARD_LCORE}`,
    "--no-pci",
    "--vdev=net_null0",
    "--vdev=net_null1",
    `--file-prefix=${prefix}`,
    `--huge-dir=${huge.dir}`,
    "--in-memory",
    "--no-telemetry",
    "-m",
    String(SOCKET_MEM_MB),
  ];
  const app = ["-i", "--forward-mode=io", "--nb-cores=1"];
  // testpmd prints with stdio (block-buffered on a pipe) but writes its prompt directly, so
  // without line buffering the stats would arrive only at exit.
  const child = anchorSpawn("stdbuf", ["-oL", TESTPMD, ...eal, "--", ...app]);
  try {
    const prompt = new TestpmdPrompt(child);
    await prompt.untilPrompt();
    await prompt.run("start");
    await sleep(warmupMs);

    const pid = child.pid ?? 0;
    const stamp = async () => {
      const cpu = await threadCpuSeconds(pid, FORWARD_THREAD);
      const t0 = performance.now();
      const out = await prompt.run("show port stats all");
      return { at: (t0 + performance.now()) / 2, cpu, ports: parsePortStats(out) };
    };
    let base = await stamp();
    const rates: number[] = [];
    const shares: number[] = [];
    let selfTimed = 0;
    for (let i = 0; i < samples; i++) {
      await sleep(sampleMs);
      const next = await stamp();
      if (next.ports.length !== 2 || base.ports.length !== 2) throw new Error("dpdk-testpmd: expected 2 ports");
      const packets = next.ports.reduce((sum, p, k) => sum + p.rxPackets - base.ports[k].rxPackets, 0);
      const wallSeconds = (next.at - base.at) / 1000;
      rates.push(packets / wallSeconds / 1e6);
      shares.push((next.cpu - base.cpu) / wallSeconds);
      selfTimed = next.ports.reduce((sum, p) => sum + p.rxPps, 0) / 1e6;
      base = next;
    }
    await prompt.run("stop");
    child.stdin?.end("quit\n");

    const mpps = anchorMedian(rates);
    const nsPerPacket = 1000 / mpps;
    const onCpuShare = anchorMedian(shares);
    const mhz = await tscMhz();
    return {
      name: "dpdk-testpmd io fwd (net_null, 1 core)",
      mpps,
      nsPerPacket,
      cyclesPerPacket: mhz ? (nsPerPacket * mhz) / 1000 : undefined,
      onCpuShare,
      detail:
        `dpdk ${version}; lcore ${FORWARD_LCORE}; 64 B; median of ${samples}x${(sampleMs / 1000).toFixed(1)} s ` +
        `[${rates.map((r) => r.toFixed(1)).join(", ")}]; testpmd Rx-pps last ${selfTimed.toFixed(1)}M; ` +
        `fwd thread on-CPU ${(onCpuShare * 100).toFixed(0)}% (${(mpps / onCpuShare).toFixed(1)} Mpps per CPU-s); ` +
        `load ${os.loadavg()[0].toFixed(1)}` +
        (mhz ? `; cycles = ns x ${mhz} MHz` : ""),
    };
  } catch (err) {
    return { skipped: `dpdk-testpmd anchor failed: ${(err as Error).message.split("\n")[0]}` };
  } finally {
    await anchorStop(child, 5000);
    await dpdkRuntimeDirRemove(prefix);
    await huge.release();
  }
}
