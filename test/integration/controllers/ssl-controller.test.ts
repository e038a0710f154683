// ssl: and pssl: controllers with certificates made by `openssl` in the test: the daemon,
// started with --private-key/--certificate/--ca-cert, dials a TLS controller (which requires the
// switch's certificate to chain to the CA) and listens on pssl: for `ovs-ofctl` with its own
// certificate. An ssl: target on a daemon without TLS files is reported as an error, not dialed.
// Not recorded for tshark (unlike the other OpenFlow tests): on the wire these bytes are TLS
// ciphertext, which says nothing about OpenFlow, and the plaintext never leaves the two TLS
// endpoints (a recording proxy would have to terminate TLS and so defeat the certificate checks
// this test is about). What travels inside is the same channel and codec as on tcp:/punix:,
// whose every byte the other tests record and dissect.

import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireTools } from "../../support/netns.ts";
import { pollUntil } from "../../support/switch-daemon.ts";
import { type DaemonProcess, killAllDaemons, spawnDaemon } from "../daemon/daemon-process.ts";
import { OVS_OFCTL } from "../openflow/of-switch.ts";
import { TsController } from "../openflow/ts-controller.ts";
import { controllers, rest } from "./rest.ts";

// ovs-ofctl runs asynchronously: the TS controller in this process must keep answering.
const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), "wvs-ssl-"));
const f = (name: string) => join(dir, name);
let d: DaemonProcess | undefined;
let ctl: TsController | undefined;

function openssl(...args: string[]): void {
  execFileSync("openssl", args, { stdio: "pipe" });
}

/** A key and a certificate for `cn`, signed by the test CA. */
function issue(cn: string): void {
  openssl(
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    f(`${cn}-key.pem`),
    "-out",
    f(`${cn}.csr`),
    "-subj",
    `/CN=${cn}`,
  );
  openssl(
    "x509",
    "-req",
    "-in",
    f(`${cn}.csr`),
    "-CA",
    f("ca.pem"),
    "-CAkey",
    f("ca-key.pem"),
    "-CAcreateserial",
    "-days",
    "2",
    "-out",
    f(`${cn}-cert.pem`),
  );
}

beforeAll(async () => {
  requireTools("openssl", OVS_OFCTL);
  openssl(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    f("ca-key.pem"),
    "-out",
    f("ca.pem"),
    "-days",
    "2",
    "-subj",
    "/CN=wasmvs test CA",
  );
  issue("switch");
  issue("controller");
  d = await spawnDaemon(join(dir, "state"), [
    "--bridge",
    "brt",
    "--no-internal-ports",
    "--private-key",
    f("switch-key.pem"),
    "--certificate",
    f("switch-cert.pem"),
    "--ca-cert",
    f("ca.pem"),
  ]);
}, 60_000);

afterAll(async () => {
  await ctl?.close();
  killAllDaemons();
  rmSync(dir, { recursive: true, force: true });
});

describe("TLS controllers", () => {
  it("dials an ssl: controller that checks the switch's certificate against the CA", async () => {
    const daemon = d as DaemonProcess;
    ctl = await TsController.listen(0, {
      key: readFileSync(f("controller-key.pem")),
      cert: readFileSync(f("controller-cert.pem")),
      ca: readFileSync(f("ca.pem")),
    });
    const target = `ssl:127.0.0.1:${ctl.port}`;
    const r = await rest(daemon.url, "PUT", "/bridges/brt/controllers", { targets: [target, "pssl:0:127.0.0.1"] });
    expect(r.status).toBe(200);
    const conn = await ctl.connection(0);
    const peerCert = (conn.channel.socket as import("node:tls").TLSSocket).getPeerCertificate();
    expect(peerCert.subject.CN).toBe("switch");
    expect((await conn.request({ kind: "features-request" })).kind).toBe("features-reply");
    const views = await pollUntil(
      "ssl: connected",
      () => controllers(daemon.url, "brt"),
      (v) => v[0]?.connected,
    );
    expect(views[0]).toMatchObject({ target, state: "connected" });

    // pssl: — ovs-ofctl with the controller's certificate is let in.
    const bound = views[1].bound as string;
    expect(bound).toMatch(/^pssl:\d+:127\.0\.0\.1$/);
    const port = bound.split(":")[1];
    const { stdout: out } = await run(
      OVS_OFCTL,
      [
        "-O",
        "OpenFlow13",
        "-p",
        f("controller-key.pem"),
        "-c",
        f("controller-cert.pem"),
        "-C",
        f("ca.pem"),
        "show",
        `ssl:127.0.0.1:${port}`,
      ],
      { timeout: 20_000 },
    );
    expect(out).toMatch(/OFPT_FEATURES_REPLY/);
  }, 60_000);

  it("refuses a TLS client without a certificate from the CA on pssl:", async () => {
    const daemon = d as DaemonProcess;
    // A self-signed certificate the CA never issued.
    openssl(
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      f("rogue-key.pem"),
      "-out",
      f("rogue.pem"),
      "-days",
      "2",
      "-subj",
      "/CN=rogue",
    );
    const bound = (await controllers(daemon.url, "brt"))[1].bound as string;
    let failed = false;
    try {
      await run(
        OVS_OFCTL,
        [
          "-O",
          "OpenFlow13",
          "-p",
          f("rogue-key.pem"),
          "-c",
          f("rogue.pem"),
          "-C",
          f("ca.pem"),
          "show",
          `ssl:127.0.0.1:${bound.split(":")[1]}`,
        ],
        { timeout: 20_000 },
      );
    } catch {
      failed = true;
    }
    expect(failed).toBe(true);
  }, 60_000);
});

describe("ssl: without TLS files", () => {
  it("keeps the target and reports why it cannot open", async () => {
    const plain = await spawnDaemon(join(dir, "state2"), ["--bridge", "brn", "--no-internal-ports"]);
    const r = await rest(plain.url, "PUT", "/bridges/brn/controllers", { targets: ["ssl:127.0.0.1:1"] });
    expect(r.status).toBe(200);
    const v = await pollUntil(
      "error state",
      () => controllers(plain.url, "brn"),
      (x) => x[0]?.state === "error",
    );
    expect(v[0].lastError).toMatch(/ssl needs a certificate, a private key and a CA certificate/);
    plain.child.kill("SIGTERM");
    await plain.exited;
  }, 60_000);
});
