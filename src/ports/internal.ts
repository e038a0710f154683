// `internal` ports: the bridge's own LOCAL port, a TAP device named after the bridge.
//
// What: `InternalBackend` is a TapBackend whose device name is the bridge's name (br0 → a
//   netdev `br0`), so the host stack can address the switch like Open vSwitch's internal port.
// Design: identical I/O to `tap`; only naming and lifetime differ. The device is created
//   when the bridge is and removed when the bridge goes (close); a stale persistent TAP of
//   that name, left by a crash with persistence set by hand, is reused. Admin state is left
//   down unless asked (`up: true`), as OVS leaves its internal ports.
// Invariants: the bridge name must be a valid interface name (1–15 bytes) — checked on open.
// Threading: on the thread that owns the fast path.

import type { FastPath } from "../datapath/fastpath-module.ts";
import type { PortType } from "./port-backend.ts";
import { TapBackend, type TapOptions } from "./tap.ts";

export class InternalBackend extends TapBackend {
  override readonly type: PortType = "internal";

  constructor(fp: FastPath, bridgeName: string, opts: TapOptions = {}) {
    super(fp, bridgeName, opts);
  }
}
