// OpenFlow handlers for controller roles and async configuration: ROLE_REQUEST, GET_ASYNC_REQUEST,
// SET_ASYNC; and guardSlave, which refuses state-changing requests from a SLAVE connection.
//
// What: roleHandlers(roles) → dispatch-table entries; guardSlave(table, roles) → the same table
//   with every kind of SLAVE_REFUSED answered BAD_REQUEST/IS_SLAVE for a slave before its
//   handler runs (kinds without a handler keep the channel's BAD_TYPE for everyone else).
// Design: OpenFlow 1.3.5 §6.3.7 lists what a slave may not do: "controller-to-switch commands
//   that send packets or modify the state of the switch" — PACKET_OUT, FLOW_MOD, GROUP_MOD,
//   PORT_MOD, TABLE_MOD, METER_MOD. Reads (multipart, GET_CONFIG, BARRIER), ROLE_REQUEST and
//   SET_ASYNC / SET_CONFIG (the connection's own settings, not the switch's) stay allowed.
// Invariants: a refused message changes nothing (the guard runs before the handler).
// Threading: main thread.

import {
  answerUnsupported,
  type DispatchTable,
  type MessageHandler,
  type MessageKind,
} from "../../../openflow/channel/dispatch.ts";
import { BAD_REQUEST, OFPET, OfpError } from "../../../openflow/errors.ts";
import type { MaskPair } from "../../../openflow/messages/async-config.ts";
import type { BridgeRoles } from "../of-roles.ts";

export const SLAVE_REFUSED = [
  "packet-out",
  "flow-mod",
  "group-mod",
  "port-mod",
  "table-mod",
  "meter-mod",
] as const satisfies readonly MessageKind[];

export function roleHandlers(roles: BridgeRoles): DispatchTable {
  return {
    "role-request": (m, reply, ch) => {
      const r = roles.request(ch, m.role, m.generationId);
      reply({ kind: "role-reply", role: r.role, generationId: r.generationId });
    },
    "get-async-request": (_m, reply, ch) => {
      const a = roles.control(ch).async;
      reply({
        kind: "get-async-reply",
        packetInMask: [...a.packetInMask],
        portStatusMask: [...a.portStatusMask],
        flowRemovedMask: [...a.flowRemovedMask],
      });
    },
    "set-async": (m, _reply, ch) => {
      const pair = (p: MaskPair): MaskPair => [p[0] >>> 0, p[1] >>> 0];
      roles.control(ch).async = {
        packetInMask: pair(m.packetInMask),
        portStatusMask: pair(m.portStatusMask),
        flowRemovedMask: pair(m.flowRemovedMask),
      };
    },
  };
}

/** `table` with SLAVE_REFUSED kinds answered IS_SLAVE for slave connections. */
export function guardSlave(table: DispatchTable, roles: BridgeRoles): DispatchTable {
  const guarded: Record<string, MessageHandler> = { ...(table as Record<string, MessageHandler>) };
  for (const kind of SLAVE_REFUSED) {
    const inner = (table as Record<string, MessageHandler | undefined>)[kind];
    guarded[kind] = (m, reply, ch) => {
      if (roles.isSlave(ch)) throw new OfpError(OFPET.BAD_REQUEST, BAD_REQUEST.IS_SLAVE, `${kind} from a slave`);
      return inner ? inner(m, reply, ch) : answerUnsupported(m, reply);
    };
  }
  return guarded as DispatchTable;
}
