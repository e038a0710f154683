// PACKET_IN end to end through the running daemon: a frame received on a `system` port hits an
// `actions=CONTROLLER:65535` flow, the fast path sends it up as a userspace upcall, ofproto
// turns it into OFPT_PACKET_IN, and a real controller (`ovs-ofctl monitor` on the bridge's
// punix socket) prints it with the right in_port, reason and length. Every OpenFlow byte is
// recorded and dissected by tshark at the end: zero malformed, each message re-encoded byte for
// byte.

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NetLab, requireTools, type VethNs } from "../../support/netns.ts";
import { addAddress, ping } from "../../support/ns-traffic.ts";
import { countTypes } from "../../support/openflow-dissect.ts";
import { pollUntil } from "../../support/switch-daemon.ts";
import { expectCleanRecording } from "./of-recording.ts";
import { OfSwitch, OVS_OFCTL, stopOfSwitch } from "./of-switch.ts";

const lab = new NetLab();
let sw: OfSwitch | undefined;
let a: VethNs;
let monitor: ChildProcess | undefined;
const runDir = mkdtempSync(join(tmpdir(), "wvs-pin-"));
let monitorOut = "";

beforeAll(async () => {
  requireTools("ip", "ping", OVS_OFCTL, "dumpcap", "tshark");
  try {
    a = lab.addVethNs("pa");
    addAddress(a.ns, a.peer, "10.78.0.1/24");
    sw = await OfSwitch.start(lab, "pi", { record: true });
    await sw.addPort({ name: a.host, type: "system", ofport: 5 });
  } catch (e) {
    await stopOfSwitch(sw);
    lab.cleanup();
    throw e;
  }
}, 90_000);

afterAll(async () => {
  monitor?.kill("SIGKILL");
  await stopOfSwitch(sw);
  lab.cleanup();
  rmSync(runDir, { recursive: true, force: true });
});

describe("PACKET_IN from the running switch", () => {
  it("delivers frames sent to CONTROLLER to a connected controller, with in_port and reason", async () => {
    const s = sw as OfSwitch;
    await s.ofctl("del-flows", s.tcp);
    await s.ofctl("add-flow", s.tcp, "table=0,priority=100,actions=CONTROLLER:65535");
    // stdbuf: ovs-ofctl block-buffers stdout on a pipe, and the test reads it while it runs.
    monitor = spawn("stdbuf", ["-oL", OVS_OFCTL, "-O", "OpenFlow13", "monitor", s.unix, "65534"], {
      env: { ...process.env, OVS_RUNDIR: runDir },
      stdio: ["ignore", "pipe", "pipe"],
    });
    monitor.stdout?.on("data", (d: Buffer) => {
      monitorOut += d.toString();
    });
    monitor.stderr?.on("data", (d: Buffer) => {
      monitorOut += d.toString();
    });
    // Give the monitor time to connect, then send ARP-resolving traffic that nobody answers.
    await new Promise((r) => setTimeout(r, 1000));
    await ping(a.ns, "10.78.0.9", { count: 3, interval: 0.2, wait: 1 });
    await pollUntil(
      "a PACKET_IN printed by ovs-ofctl monitor",
      async () => monitorOut,
      (out) => /OFPT_PACKET_IN/.test(out),
    );
    const line = monitorOut.split("\n").find((l) => l.includes("OFPT_PACKET_IN")) as string;
    expect(line).toMatch(/in_port=5/);
    expect(line).toMatch(/\(via action\)/);
    const m = /total_len=(\d+).*data_len=(\d+)/.exec(line);
    expect(m).not.toBeNull();
    expect(Number(m?.[1])).toBeGreaterThanOrEqual(42);
    expect(Number(m?.[2])).toBe(Number(m?.[1]));
  });

  it("tshark dissects every OpenFlow byte exchanged above: zero malformed", async () => {
    monitor?.kill("SIGKILL");
    const rec = await (sw as OfSwitch).dissect();
    expectCleanRecording(rec);
    expect(countTypes(rec.unix).get(10) ?? 0).toBeGreaterThan(0); // the PACKET_INs
  }, 60_000);
});
