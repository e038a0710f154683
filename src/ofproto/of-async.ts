// "May this connection receive this asynchronous message?" — the one filter every PACKET_IN,
// PORT_STATUS and FLOW_REMOVED goes through before it is sent (OpenFlow 1.3.5 §6.1.1, §7.3.10).
//
// What: AsyncConfig is a connection's SET_ASYNC masks, a [master-or-equal, slave] pair per
//   message family; DEFAULT_ASYNC_CONFIG is what a connection starts with; mayReceive(role,
//   config, kind, reason) is the decision.
//
//     reason r of kind k ──► mask = config[k][role === SLAVE ? 1 : 0] ──► (mask >> r) & 1
//
// Design: masks are bit sets indexed by the message's reason code (OFPR_*, OFPPR_*, OFPRR_*).
//   The defaults follow the spec's intent — a master or equal controller hears everything, a
//   slave only hears port changes:
//       packet-in     master/equal NO_MATCH|ACTION|INVALID_TTL   slave none
//       port-status   master/equal ADD|DELETE|MODIFY             slave ADD|DELETE|MODIFY
//       flow-removed  master/equal IDLE|HARD|DELETE|GROUP_DELETE slave none
//   (Open vSwitch leaves INVALID_TTL out of its default; wasmvs sends it, since dec_ttl's
//   packet-in is what a 1.3 controller asked for with a CONTROLLER-less pipeline.)
//   SET_ASYNC stores the masks as given, unknown bits included, and GET_ASYNC echoes them (the
//   spec has no error for unknown bits); an unknown reason is simply never sent.
// Invariants: pure; a mask pair is never shared between connections (copyAsyncConfig).
// Threading: main thread.

import type { MaskPair } from "../../openflow/messages/async-config.ts";
import { OFPCR_ROLE } from "../../openflow/messages/role.ts";

export type AsyncKind = "packet-in" | "port-status" | "flow-removed";

export interface AsyncConfig {
  packetInMask: MaskPair;
  portStatusMask: MaskPair;
  flowRemovedMask: MaskPair;
}

export const DEFAULT_ASYNC_CONFIG: Readonly<AsyncConfig> = Object.freeze({
  packetInMask: [0b111, 0] as MaskPair,
  portStatusMask: [0b111, 0b111] as MaskPair,
  flowRemovedMask: [0b1111, 0] as MaskPair,
});

export function copyAsyncConfig(c: Readonly<AsyncConfig>): AsyncConfig {
  return {
    packetInMask: [...c.packetInMask],
    portStatusMask: [...c.portStatusMask],
    flowRemovedMask: [...c.flowRemovedMask],
  };
}

function maskPair(c: Readonly<AsyncConfig>, kind: AsyncKind): MaskPair {
  switch (kind) {
    case "packet-in":
      return c.packetInMask;
    case "port-status":
      return c.portStatusMask;
    case "flow-removed":
      return c.flowRemovedMask;
  }
}

/** True if a connection with `role` and `config` is to receive `kind` sent for `reason`. */
export function mayReceive(role: number, config: Readonly<AsyncConfig>, kind: AsyncKind, reason: number): boolean {
  if (!Number.isInteger(reason) || reason < 0 || reason > 31) return false;
  const mask = maskPair(config, kind)[role === OFPCR_ROLE.SLAVE ? 1 : 0];
  return ((mask >>> reason) & 1) === 1;
}
