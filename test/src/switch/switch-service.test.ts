import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WasmvsError } from "../../../src/api/errors.ts";
import { ConfigStore } from "../../../src/config/config-store.ts";
import type { SwitchEventMap, SwitchEventName } from "../../../src/switch/switch-events.ts";
import { SwitchService } from "../../../src/switch/switch-service.ts";

const logger = pino({ level: "silent" });
const EVENTS: SwitchEventName[] = [
  "bridge-added",
  "bridge-removed",
  "bridge-changed",
  "port-added",
  "port-removed",
  "port-changed",
];

let dir: string;
let sysfs: string;
let store: ConfigStore;
let svc: SwitchService;
let seen: string[];

/** Records every event as a short line: "port-added br0/v1 reason". */
function record(service: SwitchService, into: string[]): void {
  for (const name of EVENTS) {
    service.on(name, (ev: SwitchEventMap[typeof name][0]) => {
      // biome-ignore lint/suspicious/noExplicitAny: parsed JSON, checked by the assertions
      const p = ev as unknown as Record<string, any>;
      const subject = name.startsWith("port") ? `${p.bridge}/${(p.port ?? p.new).name}` : (p.bridge ?? p.new).name;
      into.push(`${name} ${subject} ${p.reason}`);
    });
  }
}

async function open(): Promise<void> {
  store = await ConfigStore.open(dir, logger);
  svc = new SwitchService({ store, logger, sysfsRoot: sysfs });
  seen = [];
  record(svc, seen);
  svc.start();
}

function netdev(name: string): void {
  mkdirSync(join(sysfs, "class", "net", name), { recursive: true });
}

async function rejects(p: Promise<unknown>, code: string): Promise<WasmvsError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WasmvsError);
  expect((err as WasmvsError).code).toBe(code);
  return err as WasmvsError;
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "wasmvs-svc-"));
  sysfs = mkdtempSync(join(tmpdir(), "wasmvs-sysfs-"));
  netdev("veth-a");
  netdev("pf0vf3");
  await open();
});
afterEach(async () => {
  await svc.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(sysfs, { recursive: true, force: true });
});

describe("SwitchService", () => {
  it("emits typed events in order, after persistence, and replays them on start", async () => {
    await svc.createBridge({ name: "br0" });
    await svc.addPort("br0", { name: "veth-a", type: "system", tag: 10 });
    await svc.addPort("br0", { name: "pf0vf3", type: "representor" });
    await svc.updatePort("br0", "veth-a", { tag: 20 });
    await svc.addStaticMac("br0", { vlan: 20, mac: "02:00:00:00:00:01", port: "veth-a" });
    await svc.updateBridge("br0", { macAgingSeconds: 30 });
    expect(seen).toEqual([
      "bridge-added br0 config",
      "port-added br0/veth-a config",
      "port-added br0/pf0vf3 config",
      "port-changed br0/veth-a config",
      "bridge-changed br0 config",
      "bridge-changed br0 config",
    ]);
    // every event was emitted after the store acknowledged the change
    expect(store.getBridge("br0")?.macAgingSeconds).toBe(30);

    seen.length = 0;
    await svc.deletePort("br0", "veth-a");
    expect(seen).toEqual(["port-removed br0/veth-a config", "bridge-changed br0 config"]);

    await svc.close();
    await store.close();
    await open();
    expect(seen).toEqual(["bridge-added br0 startup", "port-added br0/pf0vf3 startup"]);
    expect(svc.getBridge("br0").staticMacs).toEqual([]);

    seen.length = 0;
    await svc.close();
    expect(seen).toEqual(["port-removed br0/pf0vf3 shutdown", "bridge-removed br0 shutdown"]);
    await rejects(svc.createBridge({ name: "br9" }), "UNAVAILABLE");
  });

  it("passes old and new configs on port-changed", async () => {
    await svc.createBridge({ name: "br0" });
    await svc.addPort("br0", { name: "t1", type: "tap", tag: 10 });
    const changes: SwitchEventMap["port-changed"][0][] = [];
    svc.on("port-changed", (ev) => changes.push(ev));
    await svc.updatePort("br0", "t1", { vlanMode: "trunk", trunks: [5] });
    expect(changes).toHaveLength(1);
    expect(changes[0].old).toMatchObject({ vlanMode: "access", tag: 10, trunks: [] });
    expect(changes[0].new).toMatchObject({ vlanMode: "trunk", tag: 0, trunks: [5] });
  });

  it("assigns the lowest free ofport and honours requested ones", async () => {
    await svc.createBridge({ name: "br0" });
    const a = await svc.addPort("br0", { name: "a", type: "tap", ofport: 2 });
    const b = await svc.addPort("br0", { name: "b", type: "tap" });
    const c = await svc.addPort("br0", { name: "c", type: "tap" });
    expect([a.ofport, b.ofport, c.ofport]).toEqual([2, 1, 3]);
    await rejects(svc.addPort("br0", { name: "d", type: "tap", ofport: 3 }), "OFPORT_IN_USE");
    await svc.deletePort("br0", "b");
    expect((await svc.addPort("br0", { name: "d", type: "tap" })).ofport).toBe(1);
    // ofports are per bridge
    await svc.createBridge({ name: "br1" });
    expect((await svc.addPort("br1", { name: "e", type: "tap" })).ofport).toBe(1);
  });

  it("keeps port names unique across bridges even when requests race", async () => {
    await svc.createBridge({ name: "br0" });
    await svc.createBridge({ name: "br1" });
    const results = await Promise.allSettled([
      svc.addPort("br0", { name: "dup", type: "tap" }),
      svc.addPort("br1", { name: "dup", type: "tap" }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    const owners = svc.listBridges().filter((b) => b.ports.some((p) => p.name === "dup"));
    expect(owners).toHaveLength(1);
  });

  it("checks netdevs under the configured sysfs root", async () => {
    await svc.createBridge({ name: "br0" });
    await svc.addPort("br0", { name: "veth-a", type: "system" });
    await rejects(svc.addPort("br0", { name: "veth-b", type: "system" }), "NETDEV_NOT_FOUND");
    await rejects(svc.addPort("br0", { name: "pf0vf4", type: "representor" }), "NETDEV_NOT_FOUND");
    // a netdev that vanishes later does not block unrelated changes to its port
    rmSync(join(sysfs, "class", "net", "veth-a"), { recursive: true });
    expect((await svc.updatePort("br0", "veth-a", { adminDown: true })).adminDown).toBe(true);
  });

  it("leaves memory untouched and emits nothing when persistence fails", async () => {
    await svc.createBridge({ name: "br0" });
    const before = svc.listBridges();
    seen.length = 0;
    await store.close(); // the real store now rejects every write
    await rejects(svc.addPort("br0", { name: "t1", type: "tap" }), "PERSISTENCE_FAILED");
    await rejects(svc.createBridge({ name: "br1" }), "PERSISTENCE_FAILED");
    await rejects(svc.deleteBridge("br0"), "PERSISTENCE_FAILED");
    expect(svc.listBridges()).toEqual(before);
    expect(seen).toEqual([]);
    store = await ConfigStore.open(dir, logger); // for afterEach
  });

  it("keeps a change committed when a listener throws", async () => {
    svc.on("bridge-added", () => {
      throw new Error("listener bug");
    });
    await svc.createBridge({ name: "br0" });
    expect(svc.listBridges().map((b) => b.name)).toEqual(["br0"]);
    expect(seen).toContain("bridge-added br0 config");
  });

  it("hands out copies: mutating a returned config or an event payload changes nothing", async () => {
    svc.on("port-added", (ev) => {
      ev.port.tag = 99;
    });
    await svc.createBridge({ name: "br0" });
    const p = await svc.addPort("br0", { name: "t1", type: "tap", tag: 10 });
    p.trunks.push(1);
    svc.getBridge("br0").ports.pop();
    expect(svc.getPort("br0", "t1")).toMatchObject({ tag: 10, trunks: [] });
  });
});
