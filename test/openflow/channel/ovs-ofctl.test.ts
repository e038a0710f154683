// A real peer: ovs-ofctl (Debian openvswitch-common) against a PassiveListener, over TCP on
// 127.0.0.1 and over a unix socket. A missing ovs-ofctl fails these tests; they never skip.

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChannelOptions } from "../../../openflow/channel/channel.ts";
import { PassiveListener } from "../../../openflow/channel/transports.ts";
import { OFPT } from "../../../openflow/constants.ts";
import { requireTools } from "../../support/netns.ts";
import { frame, hex, RawPeer } from "./raw-peer.ts";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function ofctl(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn("ovs-ofctl", ["--timeout=10", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d) => {
      stdout += d;
    });
    p.stderr.on("data", (d) => {
      stderr += d;
    });
    p.on("error", reject);
    p.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

// The minimal switch side a FEATURES_REQUEST needs; probe itself only needs HELLO + ECHO.
const channelOpts: ChannelOptions = {
  probeIntervalMs: 5000,
  handlers: {
    "features-request": (_m, reply) =>
      reply({
        kind: "features-reply",
        datapathId: 0x0000_0000_0000_00abn,
        nBuffers: 0,
        nTables: 254,
        auxiliaryId: 0,
        capabilities: 0,
        reserved: 0,
      }),
  },
};

let dir = "";
beforeAll(() => {
  requireTools("ovs-ofctl");
  dir = mkdtempSync(join(tmpdir(), "wasmvs-ofctl-"));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("ovs-ofctl against a PassiveListener", () => {
  let listener: PassiveListener;
  let port = 0;
  beforeAll(async () => {
    listener = new PassiveListener("ptcp:0:127.0.0.1", { channel: channelOpts });
    await listener.listen();
    port = (listener.address as { port: number }).port;
  });
  afterAll(() => listener?.close());

  it("probe over OpenFlow 1.3 succeeds (HELLO + ECHO)", async () => {
    const r = await ofctl("-O", "OpenFlow13", "probe", `tcp:127.0.0.1:${port}`);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  it("ping: echo payloads of several sizes come back intact", async () => {
    const r = await ofctl("-O", "OpenFlow13", "ping", `tcp:127.0.0.1:${port}`, "1000");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/bytes from tcp:127\.0\.0\.1/);
  });

  it("probe over OpenFlow 1.0 fails with a version negotiation error", async () => {
    const r = await ofctl("-O", "OpenFlow10", "probe", `tcp:127.0.0.1:${port}`);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/version negotiation failed|no common versions|Protocol error/i);
  });

  it("the listener's dispatch answers FEATURES_REQUEST (checked byte for byte)", async () => {
    const peer = await RawPeer.connect(port);
    try {
      peer.send(frame(4, OFPT.HELLO, 1), frame(4, OFPT.FEATURES_REQUEST, 0x77));
      const reply = await peer.next(OFPT.FEATURES_REPLY);
      expect(hex(reply.bytes)).toBe(
        "0406002000000077" + "00000000000000ab" + "00000000" + "fe000000" + "00000000" + "00000000",
      );
    } finally {
      peer.destroy();
    }
  });

  it("the listener forgets closed channels", async () => {
    await ofctl("-O", "OpenFlow13", "probe", `tcp:127.0.0.1:${port}`);
    await new Promise((r) => setTimeout(r, 100));
    expect(listener.channels.size).toBe(0);
  });
});

describe("ovs-ofctl over punix", () => {
  it("probe over a unix socket succeeds and the socket file is removed on close", async () => {
    const path = join(dir, "br0.mgmt");
    const listener = new PassiveListener(`punix:${path}`, { channel: channelOpts });
    await listener.listen();
    try {
      const r = await ofctl("-O", "OpenFlow13", "probe", `unix:${path}`);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
    } finally {
      await listener.close();
    }
    const { existsSync } = await import("node:fs");
    expect(existsSync(path)).toBe(false);
  });
});
