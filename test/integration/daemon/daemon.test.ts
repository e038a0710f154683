// The daemon as a process: readiness, restart after SIGKILL with the same configuration,
// clean shutdown on SIGTERM/SIGINT, the embedded default bridge, start-up failures.

import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { killAllDaemons, runCliProcess, spawnDaemon } from "./daemon-process.ts";

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "wasmvs-daemon-"));
  dirs.push(d);
  return d;
}

afterAll(() => {
  killAllDaemons();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function rest(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  // biome-ignore lint/suspicious/noExplicitAny: parsed JSON, checked by the assertions
): Promise<{ status: number; json: any }> {
  const res = await fetch(`${base}/v1${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

describe("wasmvs start", () => {
  it("is ready with br0 and a healthy REST API, and brings the same config back after SIGKILL", async () => {
    const state = join(tempDir(), "state");
    const first = await spawnDaemon(state, ["--no-datapath"]);
    expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await rest(first.url, "GET", "/health");
    expect(health).toMatchObject({ status: 200, json: { status: "ok" } });

    const writes: Array<[string, string, unknown]> = [
      ["POST", "/bridges", { name: "br1", failMode: "secure", macAgingSeconds: 45, macTableSize: 1000 }],
      ["POST", "/bridges/br0/ports", { name: "lo", type: "system", tag: 10 }],
      ["POST", "/bridges/br0/ports", { name: "tap1", type: "tap", vlanMode: "native-tagged", tag: 5, trunks: [5, 6] }],
      ["POST", "/bridges/br1/ports", { name: "vh1", type: "vhost-user-client", options: { socket: "/tmp/vh1.sock" } }],
      ["PATCH", "/bridges/br0/ports/tap1", { adminDown: true, ofport: 9 }],
      ["POST", "/bridges/br0/fdb", { vlan: 10, mac: "02:00:00:00:00:10", port: "lo" }],
      ["PATCH", "/bridges/br0", { macAgingSeconds: 120 }],
    ];
    for (const [method, path, body] of writes) {
      const r = await rest(first.url, method, path, body);
      expect(r.status, `${method} ${path}: ${JSON.stringify(r.json)}`).toBeLessThan(300);
    }
    const before = (await rest(first.url, "GET", "/bridges")).json;
    expect(before.map((b: { name: string }) => b.name)).toEqual(["br0", "br1"]);

    first.child.kill("SIGKILL");
    expect(await first.exited).toBe("SIGKILL");

    const second = await spawnDaemon(state, ["--no-datapath"]);
    expect((await rest(second.url, "GET", "/bridges")).json).toEqual(before);
    // the default bridge is not added again on a state that already has configuration
    expect(second.lines.some((l) => l.includes("created the default bridge"))).toBe(false);
    second.child.kill("SIGKILL");
    await second.exited;
  });

  it("shuts down cleanly on SIGTERM and SIGINT with exit code 0, logging the shutdown", async () => {
    const state = join(tempDir(), "state");
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      const d = await spawnDaemon(state, ["--no-datapath"]);
      d.child.kill(signal);
      expect(await d.exited).toBe(0);
      const msgs = d.lines.map((l) => JSON.parse(l).msg);
      expect(msgs).toEqual(expect.arrayContaining(["signal received", "wasmvs shutting down", "wasmvs stopped"]));
    }
  });

  it("creates the --bridge default only on a new state, and never re-creates it once deleted", async () => {
    const state = join(tempDir(), "state");
    const d = await spawnDaemon(state, ["--no-datapath", "--bridge", "sw0", "--log-level", "debug"]);
    expect((await rest(d.url, "GET", "/bridges")).json.map((b: { name: string }) => b.name)).toEqual(["sw0"]);
    expect((await rest(d.url, "DELETE", "/bridges/sw0")).status).toBe(200);
    d.child.kill("SIGTERM");
    await d.exited;
    const again = await spawnDaemon(state, ["--no-datapath", "--bridge", "sw0"]);
    expect((await rest(again.url, "GET", "/bridges")).json).toEqual([]);
    again.child.kill("SIGTERM");
    expect(await again.exited).toBe(0);
  });

  it("fails to start with exit code 1 when the REST port is taken, 2 on a bad --rest", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const taken = await runCliProcess([
        "start",
        "--rest",
        `127.0.0.1:${port}`,
        "--openflow",
        "none",
        "--state-dir",
        join(tempDir(), "s"),
      ]);
      expect(taken.code).toBe(1);
      expect(taken.stdout).toContain("EADDRINUSE");
    } finally {
      blocker.close();
    }
    const bad = await runCliProcess(["start", "--rest", "localhost", "--state-dir", join(tempDir(), "s")]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('REST address "localhost" is not HOST:PORT');
    const level = await runCliProcess(["start", "--log-level", "loud"]);
    expect(level.code).toBe(2);
  });
});
