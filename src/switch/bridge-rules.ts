// What: the semantic rules for bridge-level configuration — name, fail mode, MAC aging, MAC
// table size — and for static MAC entries (address format, VLAN, port on the bridge).
//
// Design: pure functions; the service composes them into a candidate BridgeConfig and commits
// only when every rule passed. MAC addresses are normalized to lower-case colon form so the
// same address written two ways is one entry.
//
// Invariants: a returned BridgeConfig/StaticMac satisfies every rule here.
//
// Threading: pure; main thread.

import { ERR_INVALID_BRIDGE_SETTING, ERR_INVALID_MAC, ERR_PORT_NOT_FOUND } from "../api/errors.ts";
import type { BridgeConfig, FailMode, StaticMac } from "../config/model.ts";
import { checkName, checkVlan } from "./port-rules.ts";

export const FAIL_MODES: readonly FailMode[] = ["standalone", "secure"];
export const MAC_AGING_MIN_SECONDS = 1;
export const MAC_AGING_MAX_SECONDS = 1_000_000;
export const MAC_TABLE_SIZE_MIN = 1;
export const MAC_TABLE_SIZE_MAX = 1_000_000;

export interface BridgeCreate {
  name: string;
  failMode?: FailMode;
  macAgingSeconds?: number;
  macTableSize?: number;
}

export type BridgeUpdate = Partial<Omit<BridgeCreate, "name">>;

function checkRange(field: string, value: number, lo: number, hi: number): void {
  if (!Number.isInteger(value) || value < lo || value > hi) {
    throw ERR_INVALID_BRIDGE_SETTING(`${field} ${value} is out of range: use ${lo}..${hi}`);
  }
}

function checkSettings(b: BridgeUpdate): void {
  if (b.failMode !== undefined && !FAIL_MODES.includes(b.failMode)) {
    throw ERR_INVALID_BRIDGE_SETTING(`failMode "${b.failMode}" is not one of ${FAIL_MODES.join(", ")}`);
  }
  if (b.macAgingSeconds !== undefined) {
    checkRange("macAgingSeconds", b.macAgingSeconds, MAC_AGING_MIN_SECONDS, MAC_AGING_MAX_SECONDS);
  }
  if (b.macTableSize !== undefined) checkRange("macTableSize", b.macTableSize, MAC_TABLE_SIZE_MIN, MAC_TABLE_SIZE_MAX);
}

/** A new, empty bridge (no ports, controllers or static MACs). */
export function bridgeFromCreate(req: BridgeCreate): BridgeConfig {
  checkName("bridge", req.name);
  checkSettings(req);
  return {
    name: req.name,
    failMode: req.failMode ?? "standalone",
    ports: [],
    controllers: [],
    macAgingSeconds: req.macAgingSeconds ?? 0,
    macTableSize: req.macTableSize ?? 0,
    datapathId: 0n,
    staticMacs: [],
  };
}

/** `old` with the settings of `patch` applied; `old` is not modified. */
export function bridgeFromUpdate(old: BridgeConfig, patch: BridgeUpdate): BridgeConfig {
  checkSettings(patch);
  const next = structuredClone(old);
  if (patch.failMode !== undefined) next.failMode = patch.failMode;
  if (patch.macAgingSeconds !== undefined) next.macAgingSeconds = patch.macAgingSeconds;
  if (patch.macTableSize !== undefined) next.macTableSize = patch.macTableSize;
  return next;
}

const MAC_PATTERN = /^[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}$/i;

/** `mac` in lower-case colon form; throws unless it is a unicast, non-zero Ethernet address. */
export function normalizeMac(mac: string): string {
  if (!MAC_PATTERN.test(mac)) throw ERR_INVALID_MAC(mac);
  const norm = mac.toLowerCase().replaceAll("-", ":");
  const firstOctet = Number.parseInt(norm.slice(0, 2), 16);
  if ((firstOctet & 1) !== 0 || norm === "00:00:00:00:00:00") throw ERR_INVALID_MAC(mac);
  return norm;
}

/** A valid static entry for `bridge`: the VLAN is 1..4094 and the port is on the bridge. */
export function staticMacFor(bridge: BridgeConfig, req: StaticMac): StaticMac {
  checkVlan("vlan", req.vlan);
  const mac = normalizeMac(req.mac);
  if (!bridge.ports.some((p) => p.name === req.port)) throw ERR_PORT_NOT_FOUND(req.port, bridge.name);
  return { vlan: req.vlan, mac, port: req.port };
}
