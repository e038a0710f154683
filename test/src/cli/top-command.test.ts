import { type ChildProcess, spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RestClient } from "../../../src/cli/rest-client.ts";
import type { PortStatsJson } from "../../../src/cli/stats-command.ts";
import { ANSI, processTerminal, type Terminal } from "../../../src/cli/terminal.ts";
import { renderTop, runTop, si, type TopSample } from "../../../src/cli/top-command.ts";
import type { MegaflowView } from "../../../src/observe/dataplane-observer.ts";
import { REPO_ROOT } from "../../integration/daemon/daemon-process.ts";

const stats = (rxPackets: number, rxBytes: number): PortStatsJson => ({
  rxPackets,
  rxBytes,
  rxDropped: 0,
  rxErrors: 0,
  txPackets: 0,
  txBytes: 0,
  txDropped: 1,
  txErrors: 0,
  linkUp: true,
  mtu: 1500,
});
const flow = (handle: number, packets: number): MegaflowView => ({
  handle,
  bridge: "br0",
  inPort: 1,
  match: `recirc_id(0),in_port(1),eth(dst=02:00:00:00:00:0${handle})`,
  packets,
  bytes: packets * 100,
  usedSeconds: 0,
  ageSeconds: 1,
  tcpFlags: "",
  emc: 1,
  hits: { emc: packets, classifier: 0 },
  actions: "output:2",
  line: "",
});

describe("wasmvs top", () => {
  it("shows rates as differences over the interval and orders megaflows by packet rate", () => {
    const prev: TopSample = {
      at: 0,
      ports: [{ bridge: "br0", port: "p1", stats: stats(0, 0) }],
      flows: [flow(1, 0), flow(2, 0)],
    };
    const cur: TopSample = {
      at: 2000,
      ports: [{ bridge: "br0", port: "p1", stats: stats(2000, 250_000) }],
      flows: [flow(1, 10), flow(2, 400)],
    };
    const text = renderTop(cur, prev, 200);
    expect(text).toContain("rates over 2.0 s");
    expect(text).toMatch(/br0\s+p1\s+1.00k\s+1.00M\s+0\s+0\s+1\s+up/);
    const flowLines = text.split("\n").filter((l) => l.includes("recirc_id"));
    expect(flowLines[0]).toMatch(
      /^\s*200\s+160.00k\s+400\s+1\s+recirc_id\(0\),in_port\(1\),eth\(dst=02:00:00:00:00:02\) actions:output:2$/,
    );
    expect(flowLines[1]).toContain("eth(dst=02:00:00:00:00:01)");
    expect(renderTop(cur, undefined, 200)).not.toContain("rates over");
    for (const l of renderTop(cur, prev, 40).split("\n")) expect(l.length).toBeLessThanOrEqual(40);
    expect([si(999), si(1234), si(2.5)]).toEqual(["999", "1.23k", "2.5"]);
  });

  it.each([
    ["q", "q"],
    ["Ctrl-C (raw mode delivers it as a key, \\x03)", "\x03"],
  ])("on a TTY draws in place and restores the terminal when %s is pressed", async (_what, key) => {
    const written: string[] = [];
    let keyFn: ((k: string) => void) | undefined;
    let undone = 0;
    const term: Terminal = {
      isTTY: true,
      columns: () => 100,
      write: (t) => written.push(t),
      onKey: (fn) => {
        keyFn = fn;
        return () => {
          undone++;
        };
      },
      onInterrupt: () => () => {
        undone++;
      },
    };
    let calls = 0;
    const client: RestClient = {
      async request<T>(_m: string, path: string): Promise<T> {
        calls++;
        if (path === "/bridges") return [{ name: "br0" }] as T;
        if (path === "/bridges/br0/ports") return [{ name: "p1" }] as T;
        if (path.endsWith("/stats")) return stats(calls, calls * 10) as T;
        if (calls > 8) setImmediate(() => keyFn?.(key));
        return { flows: [] } as T;
      },
    };
    await runTop(client, term, { intervalMs: 5 });
    expect(written[0]).toBe(ANSI.altScreenOn + ANSI.hideCursor);
    expect(written.at(-1)).toBe(ANSI.showCursor + ANSI.altScreenOff);
    expect(written.slice(1, -1).every((w) => w.startsWith(ANSI.home))).toBe(true);
    expect(written.length).toBeGreaterThan(3);
    expect(undone).toBe(2);
  });

  it("stops on SIGINT through the process terminal, restoring it, and leaves the process alive", async () => {
    const written: string[] = [];
    const real = processTerminal({ out: () => {}, err: () => {} });
    const term: Terminal = {
      isTTY: false,
      columns: () => 100,
      write: (t) => written.push(t),
      onKey: () => () => {},
      onInterrupt: real.onInterrupt,
    };
    const listeners = process.listenerCount("SIGINT");
    let calls = 0;
    const client: RestClient = {
      async request<T>(_m: string, path: string): Promise<T> {
        calls++;
        if (path === "/bridges") return [] as T;
        if (calls === 6) setImmediate(() => process.kill(process.pid, "SIGINT"));
        return { flows: [] } as T;
      },
    };
    await runTop(client, term, { intervalMs: 5 });
    expect(written.length).toBeGreaterThanOrEqual(3);
    expect(written.every((w) => w.startsWith("wasmvs top — "))).toBe(true);
    expect(process.listenerCount("SIGINT")).toBe(listeners);
  });
});

describe("wasmvs top as a process", () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    // The REST answers top needs: one bridge with one port, no megaflows.
    server = createServer((req, res) => {
      const body =
        req.url === "/v1/bridges"
          ? [{ name: "br0" }]
          : req.url === "/v1/bridges/br0/ports"
            ? [{ name: "p1" }]
            : req.url?.endsWith("/stats")
              ? stats(1, 100)
              : { flows: [] };
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const CLI = ["--import", "tsx", "src/cli/main.ts"];
  /** Runs until `ready(output)`, then `act(child)`; resolves with the exit code and output. */
  function runUntil(
    cmd: string,
    args: string[],
    ready: (out: string) => boolean,
    act: (c: ChildProcess) => void,
  ): Promise<{ code: number | null; signal: string | null; out: string }> {
    const child = spawn(cmd, args, { cwd: REPO_ROOT, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let acted = false;
    const onData = (d: Buffer) => {
      out += d.toString();
      if (!acted && ready(out)) {
        acted = true;
        act(child);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    const kill = setTimeout(() => child.kill("SIGKILL"), 20_000);
    return new Promise((resolve) =>
      child.on("exit", (code, signal) => {
        clearTimeout(kill);
        resolve({ code, signal, out });
      }),
    );
  }

  it("stdout not a TTY: plain frames, and SIGINT ends it with exit 0", async () => {
    const r = await runUntil(
      process.execPath,
      [...CLI, "--server", url, "top", "-d", "0.1"],
      (out) => (out.match(/^wasmvs top — /gm) ?? []).length >= 2,
      (c) => c.kill("SIGINT"),
    );
    expect(r).toMatchObject({ code: 0, signal: null });
    expect(r.out).not.toContain("\x1b");
    expect(r.out).toContain("p1");
  }, 30_000);

  it.each([
    ["q", "q"],
    ["Ctrl-C", "\x03"],
  ])(
    "on a terminal (a PTY from script(1)): draws in place, %s exits 0 and restores the screen",
    async (_w, key) => {
      const command = [process.execPath, ...CLI, "--server", url, "top", "-d", "0.1"].join(" ");
      const r = await runUntil(
        "script",
        ["-qfec", command, "/dev/null"],
        (out) => (out.match(/wasmvs top — /g) ?? []).length >= 2,
        (c) => c.stdin?.write(key),
      );
      expect(r).toMatchObject({ code: 0, signal: null });
      expect(r.out).toContain(ANSI.altScreenOn + ANSI.hideCursor);
      expect(r.out).toContain(ANSI.home);
      expect(r.out.lastIndexOf(ANSI.showCursor + ANSI.altScreenOff)).toBeGreaterThan(r.out.lastIndexOf(ANSI.home));
    },
    30_000,
  );
});
