// What: the semantic rules for one port's configuration — name, VLAN mode/tag/trunks, requested
// ofport, type-specific options and whether the netdev it attaches exists — and the function
// that turns a create or update request into a complete, valid PortConfig.
//
// Design: pure functions over plain objects (the netdev check is a function passed in), so the
// service can build the whole candidate bridge first and commit nothing if any rule fails.
// VLAN defaults follow Open vSwitch: with no vlanMode, a port with a tag is `access`, one
// without is `trunk`. Changing vlanMode in an update clears the field the new mode cannot carry
// (tag for trunk, trunks for access) unless the update sets it too.
//
// Invariants: a returned PortConfig satisfies every rule here; trunks are sorted and unique;
// every error thrown is a catalog error naming the field and value.
//
// Threading: pure; main thread.

import {
  ERR_INVALID_NAME,
  ERR_INVALID_OFPORT,
  ERR_INVALID_PORT_OPTION,
  ERR_INVALID_VLAN,
  ERR_INVALID_VLAN_CONFIG,
  ERR_NETDEV_NOT_FOUND,
} from "../api/errors.ts";
import type { PortConfig, PortType, VlanMode } from "../config/model.ts";

export const PORT_TYPES: readonly PortType[] = [
  "internal",
  "tap",
  "system",
  "representor",
  "vhost-user",
  "vhost-user-client",
];
export const VLAN_MODES: readonly VlanMode[] = ["trunk", "access", "native-tagged", "native-untagged"];
export const VLAN_MIN = 1;
export const VLAN_MAX = 4094;
/** Highest OpenFlow port number a port may have (OFPP_MAX - 1 in the 16-bit numbering OVS keeps). */
export const OFPORT_MAX = 0xfeff;
/** Linux interface names: at most IFNAMSIZ - 1 = 15 bytes, no '/', ':' or whitespace. */
const NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.@+-]{0,14}$/;
/** Port types whose name is an existing netdev the switch attaches to. */
const NETDEV_PORT_TYPES: ReadonlySet<PortType> = new Set<PortType>(["system", "representor"]);

export interface PortCreate {
  name: string;
  type: PortType;
  vlanMode?: VlanMode;
  tag?: number;
  trunks?: number[];
  adminDown?: boolean;
  /** Requested OpenFlow port number; omitted or 0 = assign the lowest free. */
  ofport?: number;
  options?: Record<string, string>;
}

export type PortUpdate = Partial<Omit<PortCreate, "name">>;

type OptionCheck = (value: string) => string | undefined;
interface OptionSpec {
  required: boolean;
  /** Returns what is wrong with the value, or undefined. */
  check: OptionCheck;
  help: string;
}

const absolutePath: OptionCheck = (v) => (v.startsWith("/") ? undefined : "must be an absolute path");
const integerIn =
  (lo: number, hi: number): OptionCheck =>
  (v) =>
    /^[0-9]+$/.test(v) && Number(v) >= lo && Number(v) <= hi ? undefined : `must be an integer in ${lo}..${hi}`;

/** Options each port type accepts; anything else is rejected. */
const PORT_OPTIONS: Record<PortType, Record<string, OptionSpec>> = {
  internal: { mtu: { required: false, check: integerIn(68, 65535), help: "MTU of the TAP" } },
  tap: { mtu: { required: false, check: integerIn(68, 65535), help: "MTU of the TAP" } },
  system: {},
  representor: {},
  "vhost-user": {
    socket: { required: false, check: absolutePath, help: "unix socket path the switch listens on" },
  },
  "vhost-user-client": {
    socket: { required: true, check: absolutePath, help: "unix socket path of the vhost-user server" },
    "reconnect-ms": { required: false, check: integerIn(1, 3_600_000), help: "delay between reconnects" },
  },
};

/** Throws unless `name` is usable as a bridge or port (and netdev) name. */
export function checkName(kind: "bridge" | "port", name: string): void {
  if (!NAME_PATTERN.test(name) || name === "." || name === "..") {
    throw ERR_INVALID_NAME(
      `${kind} name "${name}" is invalid: use 1..15 characters from A-Z a-z 0-9 _ . @ + - (not starting with . @ + -)`,
    );
  }
}

/** Throws INVALID_VLAN unless `vid` is 1..4094; `field` names where it came from. */
export function checkVlan(field: string, vid: number): void {
  if (!Number.isInteger(vid) || vid < VLAN_MIN || vid > VLAN_MAX) throw ERR_INVALID_VLAN(field, String(vid));
}

export function checkOfport(ofport: number): void {
  if (!Number.isInteger(ofport) || ofport < 1 || ofport > OFPORT_MAX) {
    throw ERR_INVALID_OFPORT(String(ofport), OFPORT_MAX);
  }
}

function checkOptions(portName: string, type: PortType, options: Record<string, string>): void {
  const specs = PORT_OPTIONS[type];
  const allowed = Object.keys(specs);
  for (const [key, value] of Object.entries(options)) {
    const spec = specs[key];
    if (spec === undefined) {
      const hint =
        allowed.length === 0 ? `type ${type} takes no options` : `type ${type} accepts ${allowed.join(", ")}`;
      throw ERR_INVALID_PORT_OPTION(`port "${portName}": unknown option "${key}" (${hint})`);
    }
    const problem = spec.check(value);
    if (problem !== undefined) {
      throw ERR_INVALID_PORT_OPTION(`port "${portName}": option ${key}="${value}" ${problem} (${spec.help})`);
    }
  }
  for (const [key, spec] of Object.entries(specs)) {
    if (spec.required && options[key] === undefined) {
      throw ERR_INVALID_PORT_OPTION(`port "${portName}": type ${type} needs option "${key}" (${spec.help})`);
    }
  }
}

function checkVlanMode(p: PortConfig): void {
  const where = `port "${p.name}"`;
  switch (p.vlanMode) {
    case "access":
      if (p.tag === 0)
        throw ERR_INVALID_VLAN_CONFIG(`${where}: vlanMode access needs a tag (the access VLAN, 1..4094)`);
      if (p.trunks.length > 0) {
        throw ERR_INVALID_VLAN_CONFIG(`${where}: vlanMode access carries only its tag; trunks must be empty`);
      }
      break;
    case "trunk":
      if (p.tag !== 0) {
        throw ERR_INVALID_VLAN_CONFIG(
          `${where}: vlanMode trunk takes no tag (${p.tag}); use native-tagged or native-untagged for a native VLAN`,
        );
      }
      break;
    case "native-tagged":
    case "native-untagged":
      if (p.tag === 0) throw ERR_INVALID_VLAN_CONFIG(`${where}: vlanMode ${p.vlanMode} needs a tag (the native VLAN)`);
      break;
  }
}

function normalizeTrunks(trunks: number[]): number[] {
  for (const [i, vid] of trunks.entries()) checkVlan(`trunks[${i}]`, vid);
  return [...new Set(trunks)].sort((a, b) => a - b);
}

export interface PortRuleContext {
  /** True if a netdev of that name exists on the host. */
  netdevExists(name: string): boolean;
}

/** A complete, valid PortConfig for a new port. `ofport` is 0 if the bridge should assign one. */
export function portFromCreate(req: PortCreate, ctx: PortRuleContext): PortConfig {
  checkName("port", req.name);
  if (req.tag !== undefined) checkVlan("tag", req.tag);
  if (req.ofport !== undefined && req.ofport !== 0) checkOfport(req.ofport);
  const tag = req.tag ?? 0;
  const port: PortConfig = {
    name: req.name,
    type: req.type,
    ofport: req.ofport ?? 0,
    vlanMode: req.vlanMode ?? (tag !== 0 ? "access" : "trunk"),
    tag,
    trunks: normalizeTrunks(req.trunks ?? []),
    adminDown: req.adminDown ?? false,
    options: { ...(req.options ?? {}) },
  };
  checkPort(port, ctx, true);
  return port;
}

/** The port after applying `patch` to `old`; throws if the result breaks a rule. */
export function portFromUpdate(old: PortConfig, patch: PortUpdate, ctx: PortRuleContext): PortConfig {
  if (patch.tag !== undefined) checkVlan("tag", patch.tag);
  if (patch.ofport !== undefined) checkOfport(patch.ofport);
  const vlanMode = patch.vlanMode ?? old.vlanMode;
  const modeChanged = vlanMode !== old.vlanMode;
  const tag = patch.tag ?? (modeChanged && vlanMode === "trunk" ? 0 : old.tag);
  const trunks = patch.trunks ?? (modeChanged && vlanMode === "access" ? [] : old.trunks);
  const type = patch.type ?? old.type;
  const port: PortConfig = {
    name: old.name,
    type,
    ofport: patch.ofport ?? old.ofport,
    vlanMode,
    tag,
    trunks: normalizeTrunks([...trunks]),
    adminDown: patch.adminDown ?? old.adminDown,
    options: { ...(patch.options ?? (type === old.type ? old.options : {})) },
  };
  checkPort(port, ctx, type !== old.type);
  return port;
}

/**
 * Rules that hold for any port. The netdev is checked only when the port starts attaching one
 * (creation or a type change): a netdev that vanished later must not block unrelated updates.
 */
function checkPort(port: PortConfig, ctx: PortRuleContext, checkNetdev: boolean): void {
  if (!PORT_TYPES.includes(port.type)) {
    throw ERR_INVALID_PORT_OPTION(`port "${port.name}": unknown type "${port.type}" (use ${PORT_TYPES.join(", ")})`);
  }
  if (port.tag !== 0) checkVlan("tag", port.tag);
  checkVlanMode(port);
  checkOptions(port.name, port.type, port.options);
  if (checkNetdev && NETDEV_PORT_TYPES.has(port.type) && !ctx.netdevExists(port.name)) {
    throw ERR_NETDEV_NOT_FOUND(port.name, port.type);
  }
}

/** The lowest ofport ≥ 1 not in `used`, or 0 if none is left. */
export function lowestFreeOfport(used: ReadonlySet<number>): number {
  for (let n = 1; n <= OFPORT_MAX; n++) if (!used.has(n)) return n;
  return 0;
}
