// Every byte the channel sends, captured on lo and dissected by tshark: no malformed packet, no
// expert error. The exchanges are real ones (ovs-ofctl probe/ping, a 1.0 peer refused) plus a
// byte-level peer whose bad requests make the channel send ERRORs carrying their first bytes.
// A missing dumpcap, tshark or ovs-ofctl fails this test; it never skips.

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PassiveListener } from "../../../openflow/channel/transports.ts";
import { OFPT } from "../../../openflow/constants.ts";
import { requireTools } from "../../support/netns.ts";
import { frame, RawPeer } from "./raw-peer.ts";

const SEVERITY_ERROR = 0x00800000;

function run(cmd: string, args: string[]): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: "ignore" });
    p.on("error", reject);
    p.on("close", resolve);
  });
}

let dir = "";
let listener: PassiveListener;
let port = 0;
let capture: ChildProcess | null = null;
const pcap = () => join(dir, "channel.pcapng");

beforeAll(async () => {
  requireTools("dumpcap", "tshark", "ovs-ofctl");
  dir = mkdtempSync(join(tmpdir(), "wasmvs-dissect-"));
  listener = new PassiveListener("ptcp:0:127.0.0.1", {
    channel: { probeIntervalMs: 0, handlers: { "barrier-request": (_m, reply) => reply({ kind: "barrier-reply" }) } },
  });
  await listener.listen();
  port = (listener.address as { port: number }).port;
  const cap = spawn("dumpcap", ["-i", "lo", "-f", `tcp port ${port}`, "-w", pcap(), "-q"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  capture = cap;
  let err = "";
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`dumpcap did not start: ${err}`)), 10_000);
    cap.stderr?.on("data", (d) => {
      err += d;
      if (err.includes("File:")) {
        clearTimeout(t);
        resolve();
      }
    });
    cap.on("close", () => reject(new Error(`dumpcap exited: ${err}`)));
  });
});

afterAll(async () => {
  if (capture && capture.exitCode === null) capture.kill("SIGTERM");
  await listener?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("tshark dissects what the channel sends", () => {
  it("has zero malformed packets and zero expert errors from the switch side", async () => {
    expect(await run("ovs-ofctl", ["-O", "OpenFlow13", "probe", `tcp:127.0.0.1:${port}`])).toBe(0);
    expect(await run("ovs-ofctl", ["-O", "OpenFlow13", "ping", `tcp:127.0.0.1:${port}`, "700"])).toBe(0);
    expect(await run("ovs-ofctl", ["-O", "OpenFlow10", "probe", `tcp:127.0.0.1:${port}`])).not.toBe(0);

    const peer = await RawPeer.connect(port);
    peer.send(frame(4, OFPT.HELLO, 1));
    peer.send(frame(4, OFPT.BARRIER_REQUEST, 2)); // handled: BARRIER_REPLY
    peer.send(frame(4, OFPT.GET_CONFIG_REQUEST, 3)); // no handler: BAD_REQUEST/BAD_TYPE
    peer.send(frame(4, OFPT.EXPERIMENTER, 4, [0, 0, 0x23, 0x20, 0, 0, 0, 1])); // BAD_EXPERIMENTER
    peer.send(frame(1, OFPT.ECHO_REQUEST, 5)); // wrong version: BAD_VERSION
    peer.send(frame(4, OFPT.ECHO_REQUEST, 6, new Uint8Array(200).fill(0x5a))); // ECHO_REPLY
    await peer.until(() => peer.frames.some((f) => f.type === OFPT.ECHO_REPLY && f.xid === 6), "the last reply");
    expect(peer.frames.filter((f) => f.type === OFPT.ERROR)).toHaveLength(3);
    peer.destroy();

    await new Promise((r) => setTimeout(r, 300));
    capture?.kill("SIGTERM");
    await new Promise((r) => capture?.once("close", r));

    const fields = spawnSync(
      "tshark",
      [
        "-r",
        pcap(),
        "-d",
        `tcp.port==${port},openflow`,
        "-Y",
        `tcp.srcport==${port} && tcp.len > 0`, // every segment the switch sent with data
        "-T",
        "fields",
        "-E",
        "separator=|",
        "-e",
        "openflow_v4.type",
        "-e",
        "openflow_1_0.type",
        "-e",
        "_ws.malformed",
        "-e",
        "_ws.expert.severity",
      ],
      { encoding: "utf8" },
    );
    expect(fields.status, fields.stderr).toBe(0);
    const rows = fields.stdout
      .trim()
      .split("\n")
      .map((l) => l.split("|"));
    expect(rows.length).toBeGreaterThan(10);
    // Each segment dissected as OpenFlow 1.3 or (the refusal) 1.0.
    expect(rows.filter(([v4, v10]) => v4 === "" && v10 === "")).toEqual([]);
    const types = new Set(rows.flatMap(([v4]) => v4.split(",").filter((t) => t !== "")).map(Number));
    // HELLO, ERROR, ECHO_REPLY, BARRIER_REPLY from the switch, all dissected as 1.3.
    for (const t of [OFPT.HELLO, OFPT.ERROR, OFPT.ECHO_REPLY, OFPT.BARRIER_REPLY]) expect(types).toContain(t);
    // The refusal of the 1.0 peer is a 1.0 ERROR.
    expect(rows.some(([, v10]) => v10.split(",").includes(String(OFPT.ERROR)))).toBe(true);
    const bad = rows.filter(
      ([, , malformed, severity]) =>
        malformed !== "" || severity.split(",").some((s) => s !== "" && Number(s) >= SEVERITY_ERROR),
    );
    expect(bad).toEqual([]);
  });
});
