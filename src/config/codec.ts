// What: the protobuf codec of the durable configuration — one ConfigRecord ↔ one JournalRecord
//       (the model.ts objects the rest of the control plane uses).
//
// Design: the schema is src/config/wasmvs.proto, loaded once at runtime with protobufjs
//   (`loadSync`), so the .proto stays the single source of truth and nothing is generated at
//   build time. Conversion is written out field by field rather than relying on protobufjs's
//   `fromObject`, because `fromObject` silently truncates out-of-range numbers and maps unknown
//   enum names to 0; here every value is checked on the way in (ConfigCodecError) and every enum
//   number on the way out.
//
//     model.ts (kebab strings, bigint)        wire (proto3)
//     ─────────────────────────────────       ──────────────────────────────────
//     failMode "secure"                  ↔    fail_mode FAIL_MODE_SECURE (1)
//     vlanMode "native-untagged"         ↔    vlan_mode VLAN_MODE_NATIVE_UNTAGGED (3)
//     datapathId 0n..2^64-1              ↔    datapath_id uint64
//     controllers ["tcp:1.2.3.4:6653"]   ↔    repeated Controller { target }
//     sflow undefined                    ↔    sflow field absent (message presence)
//
// Invariants:
//   - decodeRecord(encodeRecord(r)) deep-equals r for every r that encodeRecord accepts.
//   - encodeRecord throws ConfigCodecError (and writes nothing anywhere) for a value the wire
//     cannot carry exactly: a non-integer or out-of-range uint32, a datapathId outside u64, an
//     unknown enum string, a non-string or not well-formed (lone surrogate) string.
//   - decodeRecord throws ConfigCodecError for bytes that are not a ConfigRecord with a change,
//     or that carry an enum number this build does not know.
//
// Threading: main thread only; the loaded Root is immutable after module load.

import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";
import type {
  BridgeConfig,
  ConfigSnapshot,
  FailMode,
  PortConfig,
  PortType,
  SflowConfig,
  StaticMac,
  VlanMode,
} from "./model.ts";

export class ConfigCodecError extends Error {
  override name = "ConfigCodecError";
}

/** One journal record in model form. `seq` increases by one per record in a journal file. */
export type JournalRecord = { seq: bigint; change: JournalChange };
export type JournalChange =
  | { kind: "snapshot"; snapshot: ConfigSnapshot }
  | { kind: "put-bridge"; bridge: BridgeConfig }
  | { kind: "delete-bridge"; name: string };

const PROTO_PATH = fileURLToPath(new URL("./wasmvs.proto", import.meta.url));
const root = protobuf.loadSync(PROTO_PATH);
const ConfigRecordType = root.lookupType("wasmvs.config.ConfigRecord");

const U32_MAX = 0xffff_ffff;
const U64_MAX = (1n << 64n) - 1n;

// Enum tables: index = proto number, value = model string. One table per enum is the single
// source of truth for both directions.
const FAIL_MODES: readonly FailMode[] = ["standalone", "secure"];
const PORT_TYPES: readonly PortType[] = ["internal", "tap", "system", "representor", "vhost-user", "vhost-user-client"];
const VLAN_MODES: readonly VlanMode[] = ["trunk", "access", "native-tagged", "native-untagged"];

function enumToWire<T extends string>(table: readonly T[], value: T, field: string): number {
  const n = table.indexOf(value);
  if (n < 0) throw new ConfigCodecError(`${field}: unknown value ${JSON.stringify(value)}`);
  return n;
}

function enumFromWire<T extends string>(table: readonly T[], value: unknown, field: string): T {
  const n = value ?? 0;
  if (typeof n !== "number" || n < 0 || n >= table.length) {
    throw new ConfigCodecError(`${field}: unknown enum number ${String(n)}`);
  }
  return table[n];
}

function u32(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 0 || value > U32_MAX) {
    throw new ConfigCodecError(`${field}: ${String(value)} is not a uint32`);
  }
  return value;
}

// A lone surrogate has no UTF-8 form: protobufjs would write U+FFFD and the value would change.
const LONE_SURROGATE = /\p{Cs}/u;

function str(value: string, field: string): string {
  if (typeof value !== "string") throw new ConfigCodecError(`${field}: not a string`);
  if (LONE_SURROGATE.test(value)) throw new ConfigCodecError(`${field}: not well-formed Unicode (lone surrogate)`);
  return value;
}

// protobufjs's encoder silently drops a bigint; it writes a uint64 exactly from a Long-shaped
// { low, high } pair of 32-bit halves.
function u64ToWire(value: bigint): { low: number; high: number; unsigned: boolean } {
  return { low: Number(value & 0xffff_ffffn) | 0, high: Number(value >> 32n) | 0, unsigned: true };
}

// ---- model → wire plain objects (protobufjs runtime shapes) ----

function portToWire(p: PortConfig, at: string): Record<string, unknown> {
  const options: Record<string, string> = {};
  for (const [k, v] of Object.entries(p.options)) {
    Object.defineProperty(options, str(k, `${at}.options key`), {
      value: str(v, `${at}.options[${k}]`),
      enumerable: true,
      writable: true,
    });
  }
  return {
    name: str(p.name, `${at}.name`),
    type: enumToWire(PORT_TYPES, p.type, `${at}.type`),
    ofport: u32(p.ofport, `${at}.ofport`),
    vlanMode: enumToWire(VLAN_MODES, p.vlanMode, `${at}.vlanMode`),
    tag: u32(p.tag, `${at}.tag`),
    trunks: p.trunks.map((t, i) => u32(t, `${at}.trunks[${i}]`)),
    adminDown: p.adminDown === true,
    options,
  };
}

function sflowToWire(s: SflowConfig, at: string): Record<string, unknown> {
  return {
    collectors: s.collectors.map((c, i) => ({ address: str(c, `${at}.collectors[${i}]`) })),
    sampling: u32(s.sampling, `${at}.sampling`),
    polling: u32(s.polling, `${at}.polling`),
    agent: str(s.agent, `${at}.agent`),
    headerBytes: u32(s.headerBytes, `${at}.headerBytes`),
  };
}

function bridgeToWire(b: BridgeConfig, at: string): Record<string, unknown> {
  if (typeof b.datapathId !== "bigint" || b.datapathId < 0n || b.datapathId > U64_MAX) {
    throw new ConfigCodecError(`${at}.datapathId: ${String(b.datapathId)} is not a uint64 bigint`);
  }
  const wire: Record<string, unknown> = {
    name: str(b.name, `${at}.name`),
    failMode: enumToWire(FAIL_MODES, b.failMode, `${at}.failMode`),
    ports: b.ports.map((p, i) => portToWire(p, `${at}.ports[${i}]`)),
    controllers: b.controllers.map((c, i) => ({ target: str(c, `${at}.controllers[${i}]`) })),
    macAgingSeconds: u32(b.macAgingSeconds, `${at}.macAgingSeconds`),
    macTableSize: u32(b.macTableSize, `${at}.macTableSize`),
    datapathId: u64ToWire(b.datapathId),
    staticMacs: b.staticMacs.map((m: StaticMac, i) => ({
      vlan: u32(m.vlan, `${at}.staticMacs[${i}].vlan`),
      mac: str(m.mac, `${at}.staticMacs[${i}].mac`),
      port: str(m.port, `${at}.staticMacs[${i}].port`),
    })),
  };
  if (b.sflow !== undefined) wire.sflow = sflowToWire(b.sflow, `${at}.sflow`);
  return wire;
}

/** The ConfigRecord bytes of `record` (the journal payload). */
export function encodeRecord(record: JournalRecord): Uint8Array {
  if (typeof record.seq !== "bigint" || record.seq < 0n || record.seq > U64_MAX) {
    throw new ConfigCodecError(`seq: ${String(record.seq)} is not a uint64 bigint`);
  }
  const wire: Record<string, unknown> = { seq: u64ToWire(record.seq) };
  const c = record.change;
  switch (c.kind) {
    case "snapshot":
      wire.snapshot = { bridges: c.snapshot.bridges.map((b, i) => bridgeToWire(b, `snapshot.bridges[${i}]`)) };
      break;
    case "put-bridge":
      wire.putBridge = bridgeToWire(c.bridge, "bridge");
      break;
    case "delete-bridge":
      wire.deleteBridge = str(c.name, "deleteBridge");
      break;
    default:
      throw new ConfigCodecError(`unknown change kind ${JSON.stringify((c as { kind: unknown }).kind)}`);
  }
  return ConfigRecordType.encode(ConfigRecordType.create(wire)).finish();
}

// ---- wire → model ----

// The decoded message as protobufjs's toObject returns it with the options below.
type Wire = Record<string, unknown>;
const TO_OBJECT: protobuf.IConversionOptions = {
  longs: BigInt,
  defaults: true,
  arrays: true,
  objects: true,
  oneofs: true,
};

function list(value: unknown): Wire[] {
  return (value ?? []) as Wire[];
}

function portFromWire(w: Wire, at: string): PortConfig {
  return {
    name: w.name as string,
    type: enumFromWire(PORT_TYPES, w.type, `${at}.type`),
    ofport: w.ofport as number,
    vlanMode: enumFromWire(VLAN_MODES, w.vlanMode, `${at}.vlanMode`),
    tag: w.tag as number,
    trunks: [...(w.trunks as number[])],
    adminDown: w.adminDown as boolean,
    options: Object.fromEntries(Object.entries(w.options as Record<string, string>)),
  };
}

function bridgeFromWire(w: Wire, at: string): BridgeConfig {
  const bridge: BridgeConfig = {
    name: w.name as string,
    failMode: enumFromWire(FAIL_MODES, w.failMode, `${at}.failMode`),
    ports: list(w.ports).map((p, i) => portFromWire(p, `${at}.ports[${i}]`)),
    controllers: list(w.controllers).map((c) => c.target as string),
    macAgingSeconds: w.macAgingSeconds as number,
    macTableSize: w.macTableSize as number,
    datapathId: BigInt(w.datapathId as bigint),
    staticMacs: list(w.staticMacs).map((m) => ({
      vlan: m.vlan as number,
      mac: m.mac as string,
      port: m.port as string,
    })),
  };
  const s = w.sflow as Wire | null | undefined;
  if (s !== null && s !== undefined) {
    bridge.sflow = {
      collectors: list(s.collectors).map((c) => c.address as string),
      sampling: s.sampling as number,
      polling: s.polling as number,
      agent: s.agent as string,
      headerBytes: s.headerBytes as number,
    };
  }
  return bridge;
}

/** Decodes one journal payload. Throws ConfigCodecError if it is not a ConfigRecord with a change. */
export function decodeRecord(payload: Uint8Array): JournalRecord {
  let w: Wire;
  try {
    w = ConfigRecordType.toObject(ConfigRecordType.decode(payload), TO_OBJECT) as Wire;
  } catch (err) {
    throw new ConfigCodecError(`not a ConfigRecord: ${(err as Error).message}`);
  }
  const seq = BigInt(w.seq as bigint);
  switch (w.change) {
    case "snapshot": {
      const snap = w.snapshot as Wire;
      return {
        seq,
        change: {
          kind: "snapshot",
          snapshot: { bridges: list(snap.bridges).map((b, i) => bridgeFromWire(b, `snapshot.bridges[${i}]`)) },
        },
      };
    }
    case "putBridge":
      return { seq, change: { kind: "put-bridge", bridge: bridgeFromWire(w.putBridge as Wire, "bridge") } };
    case "deleteBridge":
      return { seq, change: { kind: "delete-bridge", name: w.deleteBridge as string } };
    default:
      throw new ConfigCodecError("ConfigRecord carries no change");
  }
}
