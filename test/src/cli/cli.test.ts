// The CLI against a real daemon process: most verbs run in-process through runCli (fast), and a
// few run as real processes to check exit codes and stream routing end to end.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../../src/cli/program.ts";
import {
  type DaemonProcess,
  killAllDaemons,
  runCliProcess,
  spawnDaemon,
} from "../../integration/daemon/daemon-process.ts";

let dir: string;
let daemon: DaemonProcess;

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runCli(["--server", daemon.url, ...args], {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
  });
  return { code, out, err };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "wasmvs-cli-"));
  daemon = await spawnDaemon(join(dir, "state"), ["--no-datapath"]);
});
afterAll(() => {
  killAllDaemons();
  rmSync(dir, { recursive: true, force: true });
});

describe("wasmvs CLI against a running daemon", () => {
  it("lists the default bridge as an aligned table and as JSON", async () => {
    const table = await cli("bridge", "list");
    expect(table.code).toBe(0);
    expect(table.out).toBe(
      ["NAME  FAIL-MODE   PORTS  MAC-AGING  MAC-TABLE", "br0   standalone      0        300       8192", ""].join("\n"),
    );
    const json = await cli("--json", "bridge", "list");
    expect(JSON.parse(json.out)).toMatchObject([{ name: "br0", failMode: "standalone", ports: [] }]);
  });

  it("adds, shows, changes and deletes bridges and ports", async () => {
    expect((await cli("bridge", "add", "br7", "--fail-mode", "secure")).out).toBe("bridge br7 added\n");
    expect(
      (await cli("port", "add", "br7", "lo", "--type", "system", "--vlan-mode", "access", "--tag", "10")).out,
    ).toBe("port lo added to br7 as ofport 1\n");
    expect((await cli("port", "add", "br7", "tp1", "--type", "tap", "--trunks", "20,10", "--ofport", "7")).code).toBe(
      0,
    );
    expect(
      (await cli("port", "add", "br7", "in1", "--type", "internal", "--option", "mtu=9000", "--admin-down")).code,
    ).toBe(0);

    const list = await cli("port", "list", "br7");
    expect(list.out).toBe(
      [
        "OFPORT  NAME  TYPE      VLAN-MODE  TAG  TRUNKS  ADMIN  OPTIONS",
        "     1  lo    system    access     10   -       up     -",
        "     2  in1   internal  trunk      -    all     down   mtu=9000",
        "     7  tp1   tap       trunk      -    10,20   up     -",
        "",
      ].join("\n"),
    );

    const set = await cli("--json", "port", "set", "br7", "tp1", "--vlan-mode", "native-untagged", "--tag", "10");
    expect(JSON.parse(set.out)).toMatchObject({ name: "tp1", vlanMode: "native-untagged", tag: 10, trunks: [10, 20] });

    const show = await cli("bridge", "show", "br7");
    expect(show.out).toMatch(/^bridge: +br7\nfail-mode: +secure\n/);
    expect(show.out).toContain("     7  tp1   tap       native-untagged  10   10,20");

    const stats = await cli("port", "stats", "br7", "lo");
    expect(stats.out).toContain("rx:   packets=0 bytes=0 dropped=0 errors=0");
    const statsJson = JSON.parse((await cli("--json", "port", "stats", "br7", "lo")).out);
    expect(statsJson).toMatchObject({ rxPackets: 0, txPackets: 0, linkUp: false });

    expect((await cli("port", "del", "br7", "in1")).out).toBe("port in1 deleted from br7\n");
    expect((await cli("bridge", "del", "br7")).out).toBe("bridge br7 deleted\n");
    expect((await cli("bridge", "show", "br7")).code).toBe(1);
  });

  it("manages the FDB: static add, show, flush, del", async () => {
    await cli("port", "add", "br0", "tf1", "--type", "tap", "--tag", "10");
    expect((await cli("fdb", "add", "br0", "10", "02:AA:00:00:00:01", "tf1")).code).toBe(0);
    expect((await cli("fdb", "show", "br0")).out).toBe(
      ["PORT  VLAN  MAC                   AGE", "tf1     10  02:aa:00:00:00:01  static", ""].join("\n"),
    );
    expect((await cli("fdb", "flush", "br0", "--port", "tf1", "--vlan", "10")).out).toBe(
      "flushed 0 entries from br0\n",
    );
    expect(JSON.parse((await cli("--json", "fdb", "show", "br0")).out)).toEqual([
      { vlan: 10, mac: "02:aa:00:00:00:01", port: "tf1", ageSeconds: 0, static: true },
    ]);
    expect((await cli("fdb", "del", "br0", "10", "02:aa:00:00:00:01")).code).toBe(0);
    expect((await cli("fdb", "show", "br0")).out).toBe("bridge br0: MAC table is empty\n");
  });

  it("prints the daemon's error verbatim with exit code 1", async () => {
    const dup = await cli("bridge", "add", "br0");
    expect(dup).toEqual({ code: 1, out: "", err: 'bridge "br0" already exists\n' });
    const vlan = await cli("port", "add", "br0", "p5000", "--type", "tap", "--tag", "5000");
    expect(vlan.err).toBe("tag 5000 is not a valid VLAN id: use 1..4094\n");
    const netdev = await cli("port", "add", "br0", "nosuchdev7", "--type", "system");
    expect(netdev.code).toBe(1);
    expect(netdev.err).toContain('no network device named "nosuchdev7"');
  });

  it("rejects bad arguments with exit code 2 and a clear message", async () => {
    const tag = await cli("port", "add", "br0", "p1", "--type", "tap", "--tag", "ten");
    expect(tag.code).toBe(2);
    expect(tag.err).toContain('--tag must be an integer, got "ten"');
    const missing = await cli("port", "add", "br0", "p1");
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("--type");
    expect((await cli("port", "set", "br0", "tf1")).err).toContain("give at least one flag");
    expect((await cli("fdb", "add", "br0", "x", "02:00:00:00:00:01", "tf1")).code).toBe(2);
    expect((await cli("bridge", "frobnicate")).code).toBe(2);
    expect((await cli("port", "add", "br0", "p1", "--type", "tap", "--option", "novalue")).code).toBe(2);
  });

  it("works as a real process: exit codes 0, 1, 2 and an unreachable daemon", async () => {
    const ok = await runCliProcess(["--server", daemon.url, "--json", "bridge", "show", "br0"]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).name).toBe("br0");
    const notFound = await runCliProcess(["--server", daemon.url, "bridge", "show", "nope"]);
    expect(notFound).toMatchObject({ code: 1, stdout: "", stderr: 'bridge "nope" does not exist\n' });
    const usage = await runCliProcess(["--server", daemon.url, "port", "list"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("missing required argument 'bridge'");
    const down = await runCliProcess(["--server", "http://127.0.0.1:1", "bridge", "list"]);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain("cannot reach the wasmvs daemon at http://127.0.0.1:1");
  });
});
