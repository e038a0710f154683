import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OfChannel } from "../../../openflow/channel/channel.ts";
import {
  ActiveConnector,
  formatTarget,
  PassiveListener,
  parseTarget,
  type TlsFiles,
} from "../../../openflow/channel/transports.ts";
import { PYTHON, requireTools } from "../../support/netns.ts";

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "wasmvs-transports-"));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const connected = (ch: OfChannel) =>
  ch.state === "connected" ? Promise.resolve() : new Promise<void>((r) => ch.once("connected", () => r()));
const nextChannel = (src: ActiveConnector | PassiveListener) =>
  new Promise<OfChannel>((r) => src.once("channel", (ch: OfChannel) => r(ch)));

describe("parseTarget", () => {
  it.each([
    ["tcp:127.0.0.1", { kind: "tcp", host: "127.0.0.1", port: 6653 }],
    ["tcp:127.0.0.1:6633", { kind: "tcp", host: "127.0.0.1", port: 6633 }],
    ["tcp:controller.example:6633", { kind: "tcp", host: "controller.example", port: 6633 }],
    ["tcp:[::1]:6633", { kind: "tcp", host: "::1", port: 6633 }],
    ["ssl:10.0.0.1", { kind: "ssl", host: "10.0.0.1", port: 6653 }],
    ["ptcp:", { kind: "ptcp", host: null, port: 6653 }],
    ["ptcp:6653", { kind: "ptcp", host: null, port: 6653 }],
    ["ptcp:6653:127.0.0.1", { kind: "ptcp", host: "127.0.0.1", port: 6653 }],
    ["ptcp::127.0.0.1", { kind: "ptcp", host: "127.0.0.1", port: 6653 }],
    ["ptcp:0:127.0.0.1", { kind: "ptcp", host: "127.0.0.1", port: 0 }],
    ["ptcp:6653:[::1]", { kind: "ptcp", host: "::1", port: 6653 }],
    ["pssl:6654", { kind: "pssl", host: null, port: 6654 }],
    ["unix:/run/wasmvs/br0.mgmt", { kind: "unix", path: "/run/wasmvs/br0.mgmt" }],
    ["punix:/run/wasmvs/br0.mgmt", { kind: "punix", path: "/run/wasmvs/br0.mgmt" }],
  ])("%s", (text, want) => {
    expect(parseTarget(text)).toEqual(want);
    expect(parseTarget(formatTarget(parseTarget(text)))).toEqual(want);
  });

  it.each([
    ["127.0.0.1:6653", /expected tcp:/],
    ["udp:127.0.0.1", /unknown connection type "udp"/],
    ["tcp:", /a host is required/],
    ["tcp:127.0.0.1:0", /port 0 is out of range/],
    ["tcp:127.0.0.1:70000", /port 70000 is out of range/],
    ["tcp:127.0.0.1:http", /port "http" is not a number/],
    ["tcp:::1", /IPv6 address in brackets/],
    ["tcp:[::1", /unterminated/],
    ["tcp:bad_host!", /is not a host/],
    ["ptcp:6653:localhost", /"localhost" is not an IP address/],
    ["ptcp:x", /port "x" is not a number/],
    ["punix:", /a socket path is required/],
  ])("rejects %s", (text, why) => {
    expect(() => parseTarget(text)).toThrow(why);
    expect(() => parseTarget(text)).toThrow(`bad OpenFlow target "${text}"`);
  });

  it("ssl targets need certificate, key and CA; active/passive kinds go to the right class", () => {
    expect(() => new ActiveConnector("ssl:127.0.0.1:6653")).toThrow(/needs a certificate/);
    expect(() => new PassiveListener("pssl:6653:127.0.0.1")).toThrow(/needs a certificate/);
    expect(() => new ActiveConnector("ptcp:6653")).toThrow(/PassiveListener/);
    expect(() => new PassiveListener("tcp:127.0.0.1")).toThrow(/ActiveConnector/);
  });
});

describe("ActiveConnector", () => {
  it("connects, reconnects with exponential backoff after the controller goes away, and resets it", async () => {
    // The "controller" is a PassiveListener too: OfChannel is symmetric for HELLO and echo.
    let controller = new PassiveListener("ptcp:0:127.0.0.1", { channel: { probeIntervalMs: 0 } });
    await controller.listen();
    const port = (controller.address as { port: number }).port;
    const connector = new ActiveConnector(`tcp:127.0.0.1:${port}`, {
      channel: { probeIntervalMs: 0 },
      backoff: { initialMs: 40, maxMs: 320 },
    });
    const retries: number[] = [];
    connector.on("retry", (_why, delay) => retries.push(delay));
    try {
      const first = nextChannel(connector);
      connector.start();
      await connected(await first);
      expect(connector.channel?.version).toBe(4);

      await controller.close(); // the controller restarts: down for a while
      await new Promise((r) => setTimeout(r, 700));
      expect(connector.channel).toBeNull();
      // 40 after the disconnect, then every refused dial doubles it up to the 320 cap.
      expect(retries.slice(0, 5)).toEqual([40, 80, 160, 320, 320]);

      controller = new PassiveListener(`ptcp:${port}:127.0.0.1`, { channel: { probeIntervalMs: 0 } });
      const accepted = nextChannel(controller);
      const again = nextChannel(connector);
      await controller.listen();
      await connected(await again);
      await connected(await accepted);
      expect(connector.backoffMs).toBe(40); // a completed HELLO resets the backoff
    } finally {
      connector.stop();
      await controller.close();
    }
  });

  it("connects over a unix socket and stop() ends reconnecting", async () => {
    const path = join(dir, "ctl.sock");
    const controller = new PassiveListener(`punix:${path}`, { channel: { probeIntervalMs: 0 } });
    await controller.listen();
    const connector = new ActiveConnector(`unix:${path}`, { backoff: { initialMs: 20, maxMs: 40 } });
    const ch = nextChannel(connector);
    connector.start();
    await connected(await ch);
    const attempts = connector.attempts;
    connector.stop();
    await controller.close();
    await new Promise((r) => setTimeout(r, 150));
    expect(connector.attempts).toBe(attempts);
  });
});

describe("PassiveListener", () => {
  it("accepts many connections at once", async () => {
    const l = new PassiveListener("ptcp:0:127.0.0.1", { channel: { probeIntervalMs: 0 } });
    await l.listen();
    const port = (l.address as { port: number }).port;
    const connectors = [1, 2, 3].map(() => new ActiveConnector(`tcp:127.0.0.1:${port}`));
    try {
      const chans = await Promise.all(
        connectors.map((c) => {
          const p = nextChannel(c);
          c.start();
          return p;
        }),
      );
      await Promise.all(chans.map(connected));
      expect(l.channels.size).toBe(3);
    } finally {
      for (const c of connectors) c.stop();
      await l.close();
    }
  });

  it("punix: unlinks a stale socket, refuses a live one or a regular file, removes its socket on close", async () => {
    requireTools(PYTHON);
    const path = join(dir, "stale.mgmt");
    // A socket file nobody listens on (its process exited without unlinking it).
    const py = spawnSync(PYTHON, ["-c", `import socket; socket.socket(socket.AF_UNIX).bind(${JSON.stringify(path)})`]);
    expect(py.status).toBe(0);
    expect(existsSync(path)).toBe(true);
    const l = new PassiveListener(`punix:${path}`);
    await l.listen();
    await expect(new PassiveListener(`punix:${path}`).listen()).rejects.toThrow(/another process is listening/);
    await l.close();
    expect(existsSync(path)).toBe(false);

    const file = join(dir, "not-a-socket");
    writeFileSync(file, "keep me");
    await expect(new PassiveListener(`punix:${file}`).listen()).rejects.toThrow(
      `bad OpenFlow target "punix:${file}": ${file} exists and is not a socket`,
    );
    expect(readFileSync(file, "utf8")).toBe("keep me");
  });

  it("a port in use is an Error naming the target", async () => {
    const busy = net.createServer();
    await new Promise<void>((r) => busy.listen(0, "127.0.0.1", r));
    const port = (busy.address() as net.AddressInfo).port;
    try {
      await expect(new PassiveListener(`ptcp:${port}:127.0.0.1`).listen()).rejects.toThrow(
        `bad OpenFlow target "ptcp:${port}:127.0.0.1": cannot listen`,
      );
    } finally {
      await new Promise<void>((r) => busy.close(() => r()));
    }
  });
});

describe("TLS (ssl: / pssl:)", () => {
  let files: TlsFiles;
  let stranger: TlsFiles;
  beforeAll(() => {
    requireTools("openssl");
    const run = (args: string[]) => {
      const r = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
      if (r.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.stderr}`);
    };
    const ca = (name: string) =>
      run([
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        `/CN=${name}`,
        "-keyout",
        `${name}.key`,
        "-out",
        `${name}.pem`,
      ]);
    const leaf = (name: string, caName: string) => {
      run([
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        `/CN=${name}`,
        "-keyout",
        `${name}.key`,
        "-out",
        `${name}.csr`,
      ]);
      run([
        "x509",
        "-req",
        "-in",
        `${name}.csr`,
        "-CA",
        `${caName}.pem`,
        "-CAkey",
        `${caName}.key`,
        "-CAcreateserial",
        "-days",
        "2",
        "-out",
        `${name}.pem`,
      ]);
    };
    ca("ca");
    ca("otherca");
    leaf("switch", "ca");
    leaf("intruder", "otherca");
    const read = (f: string) => readFileSync(join(dir, f));
    files = { cert: read("switch.pem"), key: read("switch.key"), ca: read("ca.pem") };
    stranger = { cert: read("intruder.pem"), key: read("intruder.key"), ca: read("ca.pem") };
  });

  it("ssl connector and pssl listener negotiate OpenFlow over TLS with mutual certificates", async () => {
    const l = new PassiveListener("pssl:0:127.0.0.1", { tls: files, channel: { probeIntervalMs: 0 } });
    await l.listen();
    const port = (l.address as { port: number }).port;
    const c = new ActiveConnector(`ssl:127.0.0.1:${port}`, { tls: files, backoff: { initialMs: 50 } });
    try {
      const accepted = nextChannel(l);
      const dialed = nextChannel(c);
      c.start();
      await Promise.all([connected(await accepted), connected(await dialed)]);
      expect((await dialed).version).toBe(4);
    } finally {
      c.stop();
      await l.close();
    }
  });

  it("a client whose certificate is not from the CA is rejected before any OpenFlow", async () => {
    const l = new PassiveListener("pssl:0:127.0.0.1", { tls: files });
    await l.listen();
    const port = (l.address as { port: number }).port;
    const rejected = new Promise<string>((r) => l.once("rejected", r));
    let accepted = 0;
    l.on("channel", () => accepted++);
    const c = new ActiveConnector(`ssl:127.0.0.1:${port}`, { tls: stranger, backoff: { initialMs: 1000 } });
    try {
      c.start();
      expect(await rejected).toMatch(/TLS/);
      expect(accepted).toBe(0);
    } finally {
      c.stop();
      await l.close();
    }
  });
});
