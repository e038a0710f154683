// The observation surfaces of the running switch against real traffic: `wasmvs capture` (a
// pcap read back by tshark), `/metrics` (scraped and strictly parsed), `wasmvs dpctl`
// (megaflows real pings created; del-flows empties the table and traffic re-installs), and
// `stats` / `top`, plus the bad inputs each must name.
//
// How: one daemon process with two veth `system` ports to namespaces a and b (10.200.x.1/.2,
// IPv6 off so nothing else talks); pings are asynchronous child processes; the capture CLI is
// a real child process (it must stream while the daemon forwards), the other verbs run
// in-process through runCli against the daemon's REST address.

import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../../src/cli/program.ts";
import { NetLab, requireTools, type VethNs } from "../../support/netns.ts";
import { addAddress, ping } from "../../support/ns-traffic.ts";
import { parsePromText } from "../../support/prom-text.ts";
import { pollUntil, SwitchDaemon, stopSwitch } from "../../support/switch-daemon.ts";
import { REPO_ROOT } from "../daemon/daemon-process.ts";
import { frame as frameOf, sendFrames } from "../ports/frame-peer.ts";

const run = promisify(execFile);
const lab = new NetLab();
const NET = `10.200.${100 + (process.pid % 100)}`;
const A_IP = `${NET}.1`;
const B_IP = `${NET}.2`;
let sw: SwitchDaemon | undefined;
let a: VethNs;
let b: VethNs;
let dir: string;

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runCli(["--server", (sw as SwitchDaemon).url, ...args], {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
  });
  return { code, out, err };
}

/** `wasmvs capture …` as a child process; `started` resolves once the mirror is on. */
function captureProcess(args: string[]): {
  child: ChildProcess;
  started: Promise<void>;
  done: Promise<{ code: number | null; out: string; err: string }>;
} {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "src/cli/main.ts", "--server", (sw as SwitchDaemon).url, "capture", ...args],
    {
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  let err = "";
  let onStart: () => void = () => {};
  const started = new Promise<void>((resolve, reject) => {
    onStart = resolve;
    child.on("exit", () => reject(new Error(`capture exited before starting: ${err}`)));
  });
  started.catch(() => {});
  child.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    err += d.toString();
    if (err.includes("capturing on")) onStart();
  });
  const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) =>
    child.on("exit", (code) => resolve({ code, out, err })),
  );
  return { child, started, done };
}

async function scrape() {
  const res = await fetch(`${(sw as SwitchDaemon).url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePromText(await res.text());
}

beforeAll(async () => {
  requireTools("ip", "ping", "tshark", "/usr/bin/ovs-ofctl");
  dir = mkdtempSync(join(tmpdir(), "wasmvs-observe-"));
  try {
    a = lab.addVethNs("a");
    b = lab.addVethNs("b");
    addAddress(a.ns, a.peer, `${A_IP}/24`);
    addAddress(b.ns, b.peer, `${B_IP}/24`);
    sw = await SwitchDaemon.start(lab, { internalPorts: false });
    await sw.addPort({ name: a.host, type: "system" });
    await sw.addPort({ name: b.host, type: "system" });
    const warm = await ping(a.ns, B_IP, { count: 3, deadline: 10 });
    expect(warm.received, warm.output).toBeGreaterThan(0);
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

describe("wasmvs capture", () => {
  it("writes a pcap that tshark reads back: the expected frame count, both directions, nothing malformed", async () => {
    const file = join(dir, "a.pcap");
    const N = 10;
    const cap = captureProcess([(sw as SwitchDaemon).bridge, a.host, "-w", file, "-c", String(N)]);
    await cap.started;
    const p = ping(a.ns, B_IP, { count: 8, interval: 0.1, deadline: 15 });
    const r = await cap.done;
    await p;
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain(`${N} frames captured`);
    expect(statSync(file).size).toBeGreaterThan(24);

    const { stdout: all } = await run("tshark", ["-r", file, "-T", "fields", "-e", "frame.number"]);
    expect(all.trim().split("\n")).toHaveLength(N);
    const { stdout: malformed } = await run("tshark", [
      "-r",
      file,
      "-Y",
      "_ws.malformed || _ws.expert.severity >= error",
    ]);
    expect(malformed.trim()).toBe("");
    // a.host receives a's echo requests (in) and transmits b's replies (out).
    const { stdout: requests } = await run("tshark", ["-r", file, "-Y", `icmp.type == 8 && ip.src == ${A_IP}`]);
    const { stdout: replies } = await run("tshark", ["-r", file, "-Y", `icmp.type == 0 && ip.src == ${B_IP}`]);
    expect(requests.trim().split("\n").length).toBeGreaterThan(0);
    expect(replies.trim().split("\n").length).toBeGreaterThan(0);
  }, 60_000);

  it("prints one-line summaries, only the direction asked for, and removes the mirror when it stops", async () => {
    const cap = captureProcess([(sw as SwitchDaemon).bridge, a.host, "-c", "3", "--direction", "out"]);
    await cap.started;
    const p = ping(a.ns, B_IP, { count: 6, interval: 0.1, deadline: 15 });
    const r = await cap.done;
    await p;
    expect(r.code, r.err).toBe(0);
    const lines = r.out.trim().split("\n");
    expect(lines).toHaveLength(3);
    for (const l of lines) expect(l).toMatch(/^\d\d:\d\d:\d\d\.\d{6} out /);
    expect(lines.some((l) => l.includes(`IPv4 ${B_IP} > ${A_IP}: ICMP echo reply`))).toBe(true);

    // Stopped: no session left, and traffic no longer reaches the capture counters.
    const s0 = await pollUntil("capture session closed", scrape, (m) => m.value("wasmvs_capture_sessions") === 0);
    const frames0 = s0.value("wasmvs_datapath_counter_total", { counter: "capture.frames" });
    const again = await ping(a.ns, B_IP, { count: 3, deadline: 10 });
    expect(again.received).toBeGreaterThan(0);
    const s1 = await scrape();
    expect(s1.value("wasmvs_datapath_counter_total", { counter: "capture.frames" })).toBe(frames0);
  }, 60_000);

  it("names the token at fault for bad input", async () => {
    const br = (sw as SwitchDaemon).bridge;
    const unknown = await cli("capture", br, "nope0");
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('port "nope0" does not exist');
    const badCount = await cli("capture", br, a.host, "-c", "abc");
    expect(badCount.code).toBe(2);
    expect(badCount.err).toContain('"abc"');
    const zero = await cli("capture", br, a.host, "-c", "0");
    expect(zero.code).toBe(2);
    expect(zero.err).toContain('"0"');
    const badDir = await cli("capture", br, a.host, "--direction", "sideways");
    expect(badDir.code).toBe(2);
    expect(badDir.err).toContain("sideways");
    const rest = await (sw as SwitchDaemon).call("GET", `/bridges/${br}/ports/${a.host}/capture?direction=sideways`);
    expect(rest.status).toBe(400);
    expect(rest.json.message).toContain('direction "sideways"');
    const noBridge = await cli("stats", "nobridge0");
    expect(noBridge.code).toBe(1);
    expect(noBridge.err).toContain('bridge "nobridge0" does not exist');
  });
});

describe("/metrics", () => {
  it("is valid exposition text whose counters move with traffic", async () => {
    const before = await scrape();
    const labels = { bridge: (sw as SwitchDaemon).bridge, port: a.host };
    const N = 5;
    const r = await ping(a.ns, B_IP, { count: N, deadline: 10 });
    expect(r.received).toBe(N);
    const after = await pollUntil(
      "port counters grown",
      scrape,
      (m) =>
        m.value("wasmvs_port_rx_packets_total", labels) >= before.value("wasmvs_port_rx_packets_total", labels) + N,
    );
    expect(after.value("wasmvs_port_tx_packets_total", labels)).toBeGreaterThanOrEqual(
      before.value("wasmvs_port_tx_packets_total", labels) + N,
    );
    const hits = (m: typeof after) =>
      m.value("wasmvs_datapath_emc_hits_total") + m.value("wasmvs_datapath_megaflow_hits_total");
    expect(hits(after)).toBeGreaterThan(hits(before));
    expect(after.value("wasmvs_datapath_misses_total")).toBeGreaterThan(0);
    expect(after.types.get("wasmvs_upcall_latency_seconds")).toBe("histogram");
    expect(after.value("wasmvs_upcall_latency_seconds_count")).toBeGreaterThan(0);
    expect(after.value("wasmvs_upcall_latency_seconds_bucket", { le: "+Inf" })).toBe(
      after.value("wasmvs_upcall_latency_seconds_count"),
    );
    expect(after.value("wasmvs_openflow_rules", { bridge: labels.bridge, table: "0" })).toBe(1);
    expect(after.value("wasmvs_port_link_up", labels)).toBe(1);
    expect(after.all("wasmvs_datapath_drops_total").length).toBeGreaterThan(5);
  }, 30_000);
});

describe("/metrics: drops by reason, OpenFlow channels, megaflows", () => {
  it("counts NORMAL's VLAN-mismatch drops under reason vlan_mismatch, served by a drop(2) megaflow", async () => {
    const s = sw as SwitchDaemon;
    const c = lab.addVethNs("c");
    await s.addPort({ name: c.host, type: "system", vlanMode: "access", tag: 10 });
    const drops = (m: Awaited<ReturnType<typeof scrape>>) =>
      m.value("wasmvs_datapath_drops_total", { reason: "vlan_mismatch" });
    const before = await scrape();
    // Tagged VLAN 30 frames into an access port of VLAN 10: NORMAL drops them.
    const N = 5;
    const tagged = Array.from({ length: N }, () =>
      frameOf({ src: "02:77:6d:74:00:0c", dst: "ff:ff:ff:ff:ff:ff", tags: [[0x8100, 30]] }),
    );
    await sendFrames(c.ns, c.peer, tagged);
    const after = await pollUntil("vlan_mismatch drops counted", scrape, (m) => drops(m) >= drops(before) + N);
    expect(drops(after)).toBe(drops(before) + N);
    // The fast path's own counter by reason is the same number.
    expect(after.value("wasmvs_datapath_counter_total", { counter: "action.drop.vlan_mismatch" })).toBe(drops(after));
    const dump = await cli("dpctl", "dump-flows");
    expect(dump.out).toMatch(/eth_type\(0x8100\),vlan\(vid=30[,)].*, packets:\d+, .*actions:drop\(2\)\n/);
    // Every dropping counter and every A_DROP reason is exported, plus no_actions.
    const reasons = after.all("wasmvs_datapath_drops_total").map((x) => x.labels.reason);
    for (const r of ["vlan_mismatch", "no_ports", "input_is_output", "admin_down", "xlate_failed", "no_actions"]) {
      expect(reasons).toContain(r);
    }
    for (const r of ["meter.drop", "capture.dropped", "action.no_headroom", "tx.queue_full"])
      expect(reasons).toContain(r);
    expect(reasons).not.toContain("action.drop");
    expect(after.types.get("wasmvs_datapath_parse_errors_total")).toBe("counter");
    expect(after.all("wasmvs_datapath_parse_errors_total").map((x) => x.labels.reason)).toContain("truncated_ipv4");
    // sFlow samples are not exported: there is no sFlow agent yet.
    expect([...after.types.keys()].filter((k) => k.includes("sflow"))).toEqual([]);
  }, 40_000);

  it("wasmvs_datapath_megaflows is the number of megaflows dpctl dumps", async () => {
    const r = await ping(a.ns, B_IP, { count: 2, deadline: 10 });
    expect(r.received).toBe(2);
    await pollUntil(
      "megaflow gauge equals the dump",
      async () => {
        const n = JSON.parse((await cli("--json", "dpctl", "dump-flows")).out).length;
        return { n, gauge: (await scrape()).value("wasmvs_datapath_megaflows") };
      },
      (x) => x.n > 0 && x.gauge === x.n,
    );
  }, 30_000);

  it("shows an OpenFlow channel while a controller (ovs-ofctl monitor) is connected, and the listener", async () => {
    const s = sw as SwitchDaemon;
    const channels = (m: Awaited<ReturnType<typeof scrape>>) =>
      m.value("wasmvs_openflow_channels", { bridge: s.bridge, state: "connected" });
    const idle = await scrape();
    expect(channels(idle)).toBe(0);
    expect(idle.all("wasmvs_openflow_listeners", { bridge: s.bridge }).length).toBeGreaterThan(0);
    const runDir = mkdtempSync(join(tmpdir(), "wvs-mon-"));
    const monitor = spawn("/usr/bin/ovs-ofctl", ["-O", "OpenFlow13", "monitor", s.mgmtSocket], {
      env: { ...process.env, OVS_RUNDIR: runDir },
      stdio: "ignore",
    });
    try {
      await pollUntil("channel connected", scrape, (m) => channels(m) === 1);
    } finally {
      monitor.kill();
      rmSync(runDir, { recursive: true, force: true });
    }
    await pollUntil("channel gone", scrape, (m) => channels(m) === 0);
  }, 30_000);
});

describe("wasmvs dpctl, stats and top", () => {
  it("dump-flows shows the megaflows pings created; del-flows empties it and traffic re-installs", async () => {
    const r = await ping(a.ns, B_IP, { count: 3, deadline: 10 });
    expect(r.received).toBe(3);
    const dump = await cli("dpctl", "dump-flows");
    expect(dump.code, dump.err).toBe(0);
    const lines = dump.out.trim().split("\n");
    // NORMAL's megaflows match the input port and the Ethernet addresses it decided on.
    const l2 = lines.filter((l) => /in_port\(\d+\),eth\(src=[0-9a-f:]{17},dst=[0-9a-f:]{17}\), packets:[1-9]/.test(l));
    expect(l2.length, dump.out).toBeGreaterThan(0);
    for (const l of lines)
      expect(l).toMatch(
        /^recirc_id\(0\),.*, packets:\d+, bytes:\d+, used:(never|\d+\.\d{3}s), age:\d+\.\d{3}s, (flags:\S+, )?hits:emc=\d+\/classifier=\d+, emc:\d+, actions:\S+$/,
      );
    const json = JSON.parse((await cli("--json", "dpctl", "dump-flows")).out);
    expect(json.some((f: { packets: number }) => f.packets > 0)).toBe(true);
    // Which cache served each flow: the two kinds of hits add up to its packets.
    for (const f of json as Array<{ packets: number; hits: { emc: number; classifier: number } }>) {
      expect(f.hits.emc + f.hits.classifier).toBe(f.packets);
    }

    const show = await cli("dpctl", "show");
    const n = (re: RegExp) => Number(re.exec(show.out)?.[1] ?? Number.NaN);
    const hit = n(/lookups: hit:(\d+) /);
    const missed = n(/ missed:(\d+) lost:/);
    const emcHit = n(/ emc: hit:(\d+) /);
    const emcMiss = n(/ emc: hit:\d+ miss:(\d+) /);
    const mfHit = n(/ megaflow: hit:(\d+) /);
    const mfMiss = n(/ megaflow: hit:\d+ miss:(\d+)\n/);
    expect(show.out).toMatch(/lookups: hit:\d+ missed:[1-9]\d* lost:0\n/);
    // Hits are the cache's plus the classifier's; the classifier sees what the cache missed;
    // what it misses goes up.
    expect(emcHit).toBeGreaterThan(0);
    expect(hit).toBe(emcHit + mfHit);
    expect(mfHit + mfMiss).toBe(emcMiss);
    expect(missed).toBe(mfMiss);
    expect(show.out).toMatch(/\n {2}upcalls: miss:\d+ action:\d+ queue_full:0\n {2}flows: [1-9]\d*\n/);
    expect(show.out).toContain(`: ${a.host} (bridge ${(sw as SwitchDaemon).bridge})`);

    const del = await cli("dpctl", "del-flows");
    expect(del.code, del.err).toBe(0);
    expect(del.out).toMatch(/^deleted [1-9]\d* megaflows?\n$/);
    expect(JSON.parse((await cli("--json", "dpctl", "dump-flows")).out)).toEqual([]);

    const again = await ping(a.ns, B_IP, { count: 3, deadline: 10 });
    expect(again.received).toBe(3);
    expect(JSON.parse((await cli("--json", "dpctl", "dump-flows")).out).length).toBeGreaterThan(0);
  }, 40_000);

  it("stats prints the bridge's port counters; top prints plain frames when stdout is not a TTY", async () => {
    const stats = await cli("stats", (sw as SwitchDaemon).bridge);
    expect(stats.code, stats.err).toBe(0);
    expect(stats.out).toMatch(/^PORT\s+RX-PKTS\s+RX-BYTES/);
    expect(stats.out).toMatch(new RegExp(`\\n${a.host}\\s+[1-9]\\d*\\s`));

    const p = ping(a.ns, B_IP, { count: 10, interval: 0.05, deadline: 10 });
    const top = await cli("top", "-n", "2", "-d", "0.3");
    await p;
    expect(top.code, top.err).toBe(0);
    expect(top.out).not.toContain("\x1b");
    expect(top.out.match(/^wasmvs top — /gm)).toHaveLength(2);
    expect(top.out).toContain("rates over");
    expect(top.out).toContain(a.host);
    expect(top.out).toContain("busiest megaflows");
  }, 30_000);
});

describe("capture and shutdown", () => {
  it("ends an open capture cleanly when the switch stops (the file is complete, the CLI says why)", async () => {
    const file = join(dir, "stop.pcap");
    const cap = captureProcess([(sw as SwitchDaemon).bridge, b.host, "-w", file]);
    await cap.started;
    await ping(a.ns, B_IP, { count: 2, deadline: 10 });
    await (sw as SwitchDaemon).stop();
    const r = await cap.done;
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain("the switch is shutting down");
    const n = Number(/(\d+) frames? captured/.exec(r.err)?.[1]);
    expect(n).toBeGreaterThanOrEqual(4);
    const { stdout } = await run("tshark", ["-r", file, "-T", "fields", "-e", "frame.number"]);
    expect(stdout.trim().split("\n")).toHaveLength(n);
  }, 40_000);
});
