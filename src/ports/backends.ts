// Opening a port backend by type: the one place that maps a port type to its implementation.
//
// What: `openPortBackend(fp, spec)` returns a PortBackend for a `tap`, `system` or `internal`
//   port (see port-backend.ts for the contract every backend keeps).
// Design: a table of constructors keyed by type, so adding representor or vhost-user is one
//   entry. Options specific to a type travel in the spec.
// Threading: call on the thread that owns fp.

import type { FastPath } from "../datapath/fastpath-module.ts";
import { InternalBackend } from "./internal.ts";
import type { PortBackend, PortType } from "./port-backend.ts";
import { SystemBackend, type SystemOptions } from "./system.ts";
import { TapBackend, type TapOptions } from "./tap.ts";

export interface PortBackendSpec {
  type: PortType;
  /** The netdev name (for `internal`, the bridge's name). */
  name: string;
  system?: SystemOptions;
  tap?: TapOptions;
}

const OPENERS: Record<PortType, (fp: FastPath, spec: PortBackendSpec) => PortBackend> = {
  system: (fp, s) => new SystemBackend(fp, s.name, s.system),
  tap: (fp, s) => new TapBackend(fp, s.name, s.tap),
  internal: (fp, s) => new InternalBackend(fp, s.name, s.tap),
};

export function openPortBackend(fp: FastPath, spec: PortBackendSpec): PortBackend {
  const open = OPENERS[spec.type];
  if (!open) throw new Error(`unknown port type "${spec.type}" (expected tap, system or internal)`);
  return open(fp, spec);
}
