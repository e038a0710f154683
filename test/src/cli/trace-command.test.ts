// `wasmvs trace` input the CLI itself checks before asking the daemon: --packet hex (a stray
// character, an odd number of digits: the message echoes the token), --pcap files and --index
// out of range. Each is a usage error (exit 2) naming what is wrong; no request is made (the
// server address points nowhere, so a request would fail differently).

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../../src/cli/program.ts";

let dir: string;
let twoFrames: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "wasmvs-trace-cli-"));
  const txt = join(dir, "frames.txt");
  const frame = `000000 ff ff ff ff ff ff 02 00 00 00 00 01 08 06 00 01\n`;
  writeFileSync(txt, `${frame}${frame}`.replace("\n000000", "\n\n000000"));
  twoFrames = join(dir, "two.pcapng");
  execFileSync("text2pcap", ["-q", txt, twoFrames]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function trace(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runCli(["--server", "http://127.0.0.1:9", "trace", "br0", ...args], {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
  });
  return { code, out, err };
}

describe("wasmvs trace: input checked on the command line", () => {
  it.each([
    [["--packet", "0011223", "--in-port", "1"], '--packet "0011223": 7 hex digits is not a whole number of bytes'],
    [["--packet", "00:11:zz", "--in-port", "1"], '--packet "00:11:zz": "z" is not a hex digit'],
    [["--pcap", "/nonexistent/x.pcap", "--in-port", "1"], "--pcap /nonexistent/x.pcap: ENOENT"],
    [["--packet", "00"], "--packet and --pcap need --in-port"],
  ])("%j → exit 2: %s", async (args, message) => {
    const r = await trace(...args);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toContain(message);
  });

  it("refuses --index past the file's frames, and below 1, naming the range", async () => {
    const past = await trace("--pcap", twoFrames, "--index", "3", "--in-port", "1");
    expect(past.code).toBe(2);
    expect(past.err).toContain(`--index 3: ${twoFrames} has 2 frames (1..2)`);
    const zero = await trace("--pcap", twoFrames, "--index", "0", "--in-port", "1");
    expect(zero.code).toBe(2);
    expect(zero.err).toContain(`--index 0: ${twoFrames} has 2 frames (1..2)`);
  });

  it("refuses a capture that is not Ethernet, naming the link type", async () => {
    const txt = join(dir, "sll.txt");
    writeFileSync(txt, "000000 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f\n");
    const file = join(dir, "sll.pcap");
    execFileSync("text2pcap", ["-q", "-F", "pcap", "-l", "113", txt, file]);
    const r = await trace("--pcap", file, "--in-port", "1");
    expect(r.code).toBe(2);
    expect(r.err).toContain(`--pcap ${file}: pcap: link type 113 is not Ethernet (1)`);
  });
});
