// `wasmvs flow` argument and file checks, which happen before any request: the server address
// points nowhere, so a test that reached the network would fail with exit code 1, not 2.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../../../src/cli/program.ts";

const dir = mkdtempSync(join(tmpdir(), "wasmvs-flowcmd-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...args: string[]) {
  let out = "";
  let err = "";
  const code = await runCli(["--server", "http://127.0.0.1:9", ...args], {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
  });
  return { code, out, err };
}

describe("wasmvs flow argument checks", () => {
  it("rejects bad lines before sending them, with exit code 2", async () => {
    expect(await cli("flow", "add", "br0", "ip")).toMatchObject({
      code: 2,
      err: expect.stringMatching(/missing "actions="/),
    });
    expect(await cli("flow", "mod", "br0", "ip,actions=bogus")).toMatchObject({
      code: 2,
      err: expect.stringMatching(/unknown action "bogus"/),
    });
    expect(await cli("flow", "del", "br0", "priority=5")).toMatchObject({
      code: 2,
      err: expect.stringMatching(/"priority" is not allowed.*strict/),
    });
    expect((await cli("flow", "del", "--strict", "br0", "priority=5")).code).toBe(1); // valid: reaches the network
    expect(await cli("flow", "dump", "br0", "nw_src=1.2.3")).toMatchObject({
      code: 2,
      err: expect.stringMatching(/IPv4/),
    });
  });

  it("wants exactly one of a flow and --file, and names FILE:LINE for a bad line", async () => {
    expect(await cli("flow", "add", "br0")).toMatchObject({
      code: 2,
      err: expect.stringMatching(/either a flow or --file/),
    });
    const file = join(dir, "f.flows");
    writeFileSync(file, "# comment\nactions=1\n\nip,actions=output:\n");
    expect(await cli("flow", "add", "br0", "actions=1", "--file", file)).toMatchObject({ code: 2 });
    expect(await cli("flow", "add", "br0", "--file", file)).toMatchObject({
      code: 2,
      err: expect.stringContaining(`${file}:4: actions: "output:" needs a port`),
    });
    expect(await cli("flow", "add", "br0", "--file", join(dir, "missing"))).toMatchObject({
      code: 2,
      err: expect.stringMatching(/cannot read/),
    });
    writeFileSync(file, "# only comments\n\n");
    expect(await cli("flow", "add", "br0", "--file", file)).toMatchObject({
      code: 2,
      err: expect.stringMatching(/no flows/),
    });
  });
});
