// The configuration model in TypeScript: the plain objects the REST API, the CLI, the journal
// and the switch core exchange. Mirrors src/config/wasmvs.proto (the durable form); enum
// values are the proto's names in lower-kebab form as users write them.

export type FailMode = "standalone" | "secure";
export type PortType = "internal" | "tap" | "system" | "representor" | "vhost-user" | "vhost-user-client";
export type VlanMode = "trunk" | "access" | "native-tagged" | "native-untagged";

export interface PortConfig {
  name: string;
  type: PortType;
  /** OpenFlow port number; 0 = let the bridge assign one. */
  ofport: number;
  vlanMode: VlanMode;
  /** Access VLAN, or the native VLAN of a native-* trunk; 0 = none. */
  tag: number;
  /** VLANs a trunk carries; empty = all. */
  trunks: number[];
  adminDown: boolean;
  options: Record<string, string>;
}

export interface StaticMac {
  vlan: number;
  mac: string;
  port: string;
}

export interface SflowConfig {
  collectors: string[];
  sampling: number;
  polling: number;
  agent: string;
  headerBytes: number;
}

export interface BridgeConfig {
  name: string;
  failMode: FailMode;
  ports: PortConfig[];
  controllers: string[];
  sflow?: SflowConfig;
  /** Seconds; 0 = default (300). */
  macAgingSeconds: number;
  /** Entries; 0 = default (8192). */
  macTableSize: number;
  /** 0 = derive from the bridge's MAC. */
  datapathId: bigint;
  staticMacs: StaticMac[];
}

export interface ConfigSnapshot {
  bridges: BridgeConfig[];
}

export const DEFAULT_MAC_AGING_SECONDS = 300;
export const DEFAULT_MAC_TABLE_SIZE = 8192;
