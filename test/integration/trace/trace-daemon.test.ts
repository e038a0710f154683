// `wasmvs trace` against the running switch: the CLI (in-process, a REST client) asks a real
// daemon whose MAC table was filled by real frames, with a flow typed as text and with a frame
// captured by tcpdump (--pcap); bad input is refused with the token named and the right exit code.

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../../src/cli/program.ts";
import { NetLab, PYTHON, requireTools, type VethNs } from "../../support/netns.ts";
import { pollUntil, SwitchDaemon, stopSwitch } from "../../support/switch-daemon.ts";
import { frame, sendFrames } from "../ports/frame-peer.ts";

const lab = new NetLab();
let sw: SwitchDaemon | undefined;
let a: VethNs;
let b: VethNs;
const dir = mkdtempSync(join(tmpdir(), "wasmvs-trace-"));
const SRC_A = "02:77:74:72:00:0a";
const SRC_B = "02:77:74:72:00:0b";

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runCli(["--server", (sw as SwitchDaemon).url, ...argv], {
    out: (s) => {
      out += s;
    },
    err: (s) => {
      err += s;
    },
  });
  return { code, out, err };
}

beforeAll(async () => {
  requireTools("ip", "tcpdump", PYTHON);
  try {
    a = lab.addVethNs("a");
    b = lab.addVethNs("b");
    sw = await SwitchDaemon.start(lab, { internalPorts: false });
    await sw.addPort({ name: a.host, type: "system" });
    await sw.addPort({ name: b.host, type: "system" });
    await sendFrames(b.ns, b.peer, [frame({ src: SRC_B, dst: "ff:ff:ff:ff:ff:ff" })]);
    const s = sw;
    await pollUntil(
      "b's MAC learned",
      () => s.fdbEntry(SRC_B),
      (e) => e?.port === b.host,
    );
  } catch (e) {
    await stopSwitch(sw);
    lab.cleanup();
    throw e;
  }
}, 90_000);

afterAll(async () => {
  await stopSwitch(sw);
  lab.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe("wasmvs trace on the running switch", () => {
  it("explains a flow typed as text: NORMAL forwards to the port that learned the destination", async () => {
    const s = sw as SwitchDaemon;
    const r = await cli(
      "trace",
      s.bridge,
      `in_port=${a.host},dl_src=${SRC_A},dl_dst=${SRC_B},udp,tp_dst=53`,
      "--names",
    );
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain(`Flow: udp,in_port=${a.host},vlan_tci=0x0000/0x1fff,dl_src=${SRC_A},dl_dst=${SRC_B}`);
    expect(r.out).toContain(`        forward: ${SRC_B} learned on port ${b.host}\n`);
    expect(r.out).toContain(`Datapath actions: output:${b.host}\n`);
    // Without --generate nothing was learned from the trace.
    expect(await s.fdbEntry(SRC_A)).toBeUndefined();
    const j = await cli("--json", "trace", s.bridge, `in_port=${a.host},dl_src=${SRC_A},dl_dst=${SRC_B}`, "--generate");
    expect(j.code).toBe(0);
    const doc = JSON.parse(j.out) as { generate: boolean; inPort: { name: string }; steps: unknown[] };
    expect(doc.generate).toBe(true);
    expect(doc.inPort.name).toBe(a.host);
    expect(await s.fdbEntry(SRC_A)).toMatchObject({ port: a.host });
  });

  it("traces a frame captured by tcpdump (--pcap, --index)", async () => {
    const s = sw as SwitchDaemon;
    const file = join(dir, "cap.pcap");
    const dump = spawn(
      "ip",
      ["netns", "exec", a.ns, "tcpdump", "-i", a.peer, "-U", "-c", "2", "-w", file, "ether", "src", SRC_A],
      {
        stdio: "ignore",
      },
    );
    const done = new Promise<number | null>((resolve) => dump.on("exit", resolve));
    await pollUntil(
      "tcpdump started",
      async () => (statSync(file, { throwIfNoEntry: false })?.size ?? 0) > 0,
      (up) => up,
    );
    await sendFrames(a.ns, a.peer, [
      frame({ src: SRC_A, dst: "ff:ff:ff:ff:ff:ff" }),
      frame({ src: SRC_A, dst: SRC_B, tags: [[0x8100, 7]] }),
    ]);
    expect(await done).toBe(0);
    const first = await cli("trace", s.bridge, "--pcap", file, "--in-port", a.host, "--names");
    expect(first.code).toBe(0);
    expect(first.out).toContain(`        flood: ff:ff:ff:ff:ff:ff is broadcast\n`);
    const second = await cli("trace", s.bridge, "--pcap", file, "--index", "2", "--in-port", a.host);
    expect(second.code).toBe(0);
    expect(second.out).toContain(`Flow: in_port=`);
    expect(second.out).toContain(`dl_vlan=7,`);
    expect(second.out).toContain("        input: port");
  });

  it("refuses bad input naming the token (daemon: exit 1; command line: exit 2)", async () => {
    const s = sw as SwitchDaemon;
    const cases: Array<[string[], number, RegExp]> = [
      [["trace", s.bridge, "in_port=nope0,ip"], 1, /in_port=nope0: no such port on bridge/],
      [["trace", s.bridge, `in_port=${a.host},colour=red`], 1, /unknown field "colour"/],
      [["trace", s.bridge, `in_port=${a.host},dl_dst=02:00:00:00:00`], 1, /dl_dst=02:00:00:00:00: .*not a MAC/],
      [["trace", s.bridge, `in_port=${a.host},ip,nw_src=10.0.0.0/40`], 1, /nw_src=10\.0\.0\.0\/40: bad prefix length/],
      [["trace", s.bridge, `in_port=${a.host},ip,nw_dst=10.0.0.0/8`], 1, /nw_dst=10\.0\.0\.0\/8: .*not a mask/],
      [["trace", s.bridge, "--packet", "0011223", "--in-port", a.host], 2, /"0011223": 7 hex digits .*truncated/],
      [["trace", s.bridge, "--packet", "001122", "--in-port", a.host], 1, /packet of 3 bytes/],
      [["trace", s.bridge, "--pcap", join(dir, "missing.pcap"), "--in-port", a.host], 2, /--pcap .*missing\.pcap/],
      [["trace", s.bridge, "--packet", "00"], 2, /need --in-port/],
      [["trace", "nosuchbr0", "in_port=1"], 1, /bridge "nosuchbr0" does not exist/],
    ];
    for (const [argv, code, message] of cases) {
      const r = await cli(...argv);
      expect({ argv, code: r.code }).toEqual({ argv, code });
      expect(r.err).toMatch(message);
    }
  });
});
