// `wasmvs controller set/show/del` against the real daemon, surviving a restart: the targets are
// persisted with the bridge, and after the restart the switch dials the active controller again
// on its own. Also `wasmvs start --controller` seeding a new state's default bridge.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { type DaemonProcess, killAllDaemons, runCliProcess, spawnDaemon } from "../daemon/daemon-process.ts";
import { TsController } from "../openflow/ts-controller.ts";

const root = mkdtempSync(join(tmpdir(), "wvs-ctlcli-"));
const controllersToClose: TsController[] = [];

async function stop(d: DaemonProcess): Promise<void> {
  d.child.kill("SIGTERM");
  const timer = setTimeout(() => d.child.kill("SIGKILL"), 10_000);
  await d.exited;
  clearTimeout(timer);
}

afterEach(async () => {
  for (const c of controllersToClose.splice(0)) await c.close();
});

afterAll(() => {
  killAllDaemons();
  rmSync(root, { recursive: true, force: true });
});

describe("wasmvs controller", () => {
  it("set, show and del round trip, persisted across a daemon restart", async () => {
    const ctl = await TsController.listen();
    controllersToClose.push(ctl);
    const stateDir = join(root, "a");
    const args = ["--bridge", "brc", "--no-internal-ports"];
    let d = await spawnDaemon(stateDir, args);
    const active = `tcp:127.0.0.1:${ctl.port}`;
    const set = await runCliProcess(["--server", d.url, "controller", "set", "brc", active, "ptcp:0:127.0.0.1"]);
    expect(set.stderr).toBe("");
    expect(set.code).toBe(0);
    expect(set.stdout).toContain(active);
    await ctl.connection(0);

    const bad = await runCliProcess(["--server", d.url, "controller", "set", "brc", "tcp:"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/bad OpenFlow target "tcp:": a host is required/);

    const show = await runCliProcess(["--server", d.url, "controller", "show", "brc"]);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(new RegExp(`${active}\\s+connected\\s+${active} equal`));
    expect(show.stdout).toMatch(/ptcp:0:127\.0\.0\.1\s+listening \(ptcp:\d+:127\.0\.0\.1\)/);

    await stop(d);
    await ctl.connections[0].waitClosed();
    d = await spawnDaemon(stateDir, args);
    // After the restart the persisted tcp: target is dialed again without any request.
    await ctl.connection(1, 30_000);
    const json = await runCliProcess(["--server", d.url, "--json", "controller", "show", "brc"]);
    expect(json.code).toBe(0);
    const view = JSON.parse(json.stdout) as { targets: string[]; controllers: { connected: boolean }[] };
    expect(view.targets).toEqual([active, "ptcp:0:127.0.0.1"]);

    const del = await runCliProcess(["--server", d.url, "controller", "del", "brc"]);
    expect(del.code).toBe(0);
    await ctl.connections[1].waitClosed();
    await stop(d);
    d = await spawnDaemon(stateDir, args);
    const empty = await runCliProcess(["--server", d.url, "controller", "show", "brc"]);
    expect(empty.stdout).toBe("bridge brc: no controllers\n");
    await stop(d);
  }, 120_000);

  it("wasmvs start --controller seeds the default bridge of a new state only", async () => {
    const ctl = await TsController.listen();
    controllersToClose.push(ctl);
    const stateDir = join(root, "b");
    const target = `tcp:127.0.0.1:${ctl.port}`;
    let d = await spawnDaemon(stateDir, ["--bridge", "brs", "--no-internal-ports", "--controller", target]);
    await ctl.connection(0);
    await runCliProcess(["--server", d.url, "controller", "del", "brs"]);
    await stop(d);
    // Not a new state any more: the flag does not bring the deleted controller back.
    d = await spawnDaemon(stateDir, ["--bridge", "brs", "--no-internal-ports", "--controller", target]);
    const show = await runCliProcess(["--server", d.url, "--json", "controller", "show", "brs"]);
    expect(JSON.parse(show.stdout).targets).toEqual([]);
    await stop(d);

    const usage = await runCliProcess(["start", "--state-dir", join(root, "c"), "--controller", "bogus"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/bad OpenFlow target "bogus"/);
  }, 90_000);
});
