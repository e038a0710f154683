// What: wasmvs as a switch under test: a spawned daemon (`wasmvs start`, no internal port) with
// the two host-side veth ends added over REST as `system` ports, access VLAN 10.
//
// Design: the daemon is started with WASMVS_SYSTEM_RX_RING so each system port's TPACKET_V3
// receive ring is big enough to hold the backlog (the ring is the port's receive buffer; the
// default 4 MiB holds far less). The datapath worker (thread "wasmvs-dp") gets the switch
// core to itself; the control plane (main thread: upcalls, REST) and Node's helper threads go
// on the other core, which the generator leaves idle while the backlog drains. (OVS userspace
// forwards and handles upcalls in one thread, pinned whole to the switch core.) Readiness is the daemon's log line {"msg":"wasmvs ready","rest":URL}.
// Invariants: close() stops the daemon (SIGTERM, then SIGKILL) and removes its state dir.
// Threading: main thread.

import { rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { anchorCleanupRegister, anchorSpawn, anchorStop } from "../anchors/hugepages.ts";
import type { SwitchUnderTest } from "./switch-under-test.ts";
import { GEN_CORE, pinProcess, SWITCH_CORE, type Topology } from "./topology.ts";

export const WASMVS_VLAN = 10;

export interface WasmvsRing {
  blockSize: number;
  blockCount: number;
  retireMs: number;
}

export interface WasmvsSwitch extends SwitchUnderTest {
  /** Base URL of the daemon's REST API. */
  readonly url: string;
  /** The default bridge's OpenFlow passive listener, HOST:PORT (only with opts.openflow). */
  readonly openflow?: string;
}

export interface WasmvsStartOptions {
  ring: WasmvsRing;
  macTableSize: number;
  repo: string;
  /** OpenFlow bench: the bridge's ptcp listen address (`127.0.0.1:0`: any free port); the
   *  ports are then plain (untagged, trunk), as OVS's are, instead of access VLAN 10. */
  openflow?: string;
  /** Extra node flags for the daemon (e.g. `--cpu-prof`). */
  nodeFlags?: string[];
}

async function rest(url: string, method: string, body?: unknown): Promise<unknown> {
  const r = await fetch(url, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${url}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

export async function wasmvsStart(t: Topology, opts: WasmvsStartOptions): Promise<WasmvsSwitch> {
  const state = await mkdtemp(path.join(os.tmpdir(), "wasmvs-fwd-state-"));
  const stateUnregister = anchorCleanupRegister(() => rmSync(state, { recursive: true, force: true }));
  const br = `${t.hostA.slice(0, -1)}w`;
  const env = {
    ...process.env,
    WASMVS_SYSTEM_RX_RING: `${opts.ring.blockSize},${opts.ring.blockCount},${opts.ring.retireMs}`,
  };
  const args = [...(opts.nodeFlags ?? []), "--import", "tsx", path.join(opts.repo, "src/cli/main.ts"), "start"];
  args.push("--openflow", opts.openflow ?? "none");
  args.push("--rest", "127.0.0.1:0", "--state-dir", state, "--bridge", br, "--no-internal-ports");
  const child = anchorSpawn(process.execPath, args, env);
  const close = async () => {
    await anchorStop(child, 0, 5000);
    await rm(state, { recursive: true, force: true });
    stateUnregister();
  };
  try {
    const ready = await new Promise<{ rest: string; openflow?: string }>((resolve, reject) => {
      let buf = "";
      let err = "";
      const timer = setTimeout(() => reject(new Error(`wasmvs did not become ready: ${err.slice(-500)}`)), 30_000);
      child.stderr?.on("data", (d) => {
        err += d;
      });
      child.stdout?.on("data", (d) => {
        buf += d;
        for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line.includes('"wasmvs ready"')) {
            clearTimeout(timer);
            resolve(JSON.parse(line) as { rest: string; openflow?: string });
          }
        }
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`wasmvs exited ${code}: ${err.slice(-500)}`));
      });
    });
    const url = ready.rest;
    await rest(`${url}/v1/bridges/${br}`, "PATCH", { macTableSize: opts.macTableSize });
    for (const [i, dev] of [t.hostA, t.hostB].entries()) {
      const vlan = opts.openflow ? { ofport: i + 1 } : { vlanMode: "access", tag: WASMVS_VLAN };
      await rest(`${url}/v1/bridges/${br}/ports`, "POST", { name: dev, type: "system", ...vlan });
    }
    // Port attach is asynchronous (the worker opens the device): wait until both report stats.
    for (const dev of [t.hostA, t.hostB]) {
      for (let i = 0; ; i++) {
        const r = await fetch(`${url}/v1/bridges/${br}/ports/${dev}/stats`);
        if (r.ok) break;
        if (i > 100) throw new Error(`port ${dev} did not attach: ${await r.text()}`);
        await new Promise((res) => setTimeout(res, 50));
      }
    }
    const pid = child.pid ?? 0;
    const pinning = pinProcess(pid, GEN_CORE, { comm: "wasmvs-dp", core: SWITCH_CORE });
    const ringMiB = (opts.ring.blockSize * opts.ring.blockCount) / (1 << 20);
    return {
      label: "wasmvs (system ports, TPACKET_V3 ring)",
      pid,
      url,
      openflow: ready.openflow,
      pinning: `wasmvs daemon: ${pinning}`,
      buffer: `TPACKET_V3 ring ${opts.ring.blockCount} x ${opts.ring.blockSize >> 10} KiB = ${ringMiB} MiB per port, retire ${opts.ring.retireMs} ms`,
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}

export { rest as wasmvsRest };
