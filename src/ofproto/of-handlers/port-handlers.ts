// OpenFlow handlers for the bridge's ports: PORT_MOD, the PORT_STATS multipart part, and the
// port descriptions PORT_DESC and PORT_STATUS carry.
//
// What: portHandlers(bridge) → the dispatch-table entry for port-mod; portStatsReplies(bridge,
//   req) builds the PORT_STATS reply bodies multipart-handlers.ts sends; ofpPortOf(view) is the
//   ofp_port of a port (PORT_DESC, PORT_STATUS); portStatusMessage(ev) the OFPT_PORT_STATUS
//   of-connections.ts sends for a PortStatusEvent.
// Design: PORT_MOD goes through the bridge's portMod (port-state.ts checks; errors are
//   OfpErrors, answered by the channel; a change is announced by the bridge as PORT_STATUS
//   MODIFY to every connection, the requester included). PORT_STATS reads the datapath's port
//   counters (asynchronous: a worker round trip), so the handler returns a promise and the
//   channel holds the connection's later messages until the reply is out, keeping replies in
//   request order. The four counters the datapath does not keep (rx_frame_err, rx_over_err,
//   rx_crc_err, collisions) are all-ones, the spec's "not available". A reply over 64 KB is
//   split with OFPMPF_REPLY_MORE, as for FLOW. Port config and state are reported as they are:
//   PORT_DOWN from the admin state (configuration or PORT_MOD), NO_RECV/NO_FWD/NO_PACKET_IN from
//   PORT_MOD, LINK_DOWN from the kernel, LIVE when admin up and link up.
// Invariants: every request gets exactly one reply sequence or one error.
// Threading: main thread.

import type { DispatchTable, Outgoing } from "../../../openflow/channel/dispatch.ts";
import type { PortStats, PortStatsRequest } from "../../../openflow/messages/multipart-stats.ts";
import { OFPPC, type OfpPort } from "../../../openflow/messages/port.ts";
import { macFromString } from "../../datapath/flow-key.ts";
import { portStateBits } from "../port-state.ts";
import type { OfBridge, OfPortView, PortStatusEvent } from "./handler-context.ts";

/** Encoded size of one ofp_port_stats entry. */
const PORT_STATS_LEN = 112;
/** Entries per reply message: the 16-bit length less the multipart headers. */
const PORT_STATS_PER_REPLY = Math.floor((0xffff - 16) / PORT_STATS_LEN);

/** The value of a counter the datapath does not keep. */
export const PORT_COUNTER_UNAVAILABLE = 0xffff_ffff_ffff_ffffn;

/** A port as ofp_port describes it (no link features: advertised/supported/speeds are 0). */
export function ofpPortOf(p: OfPortView): OfpPort {
  const config = p.config ?? (p.adminUp ? 0 : OFPPC.PORT_DOWN);
  return {
    portNo: p.ofPort,
    hwAddr: macFromString(p.mac),
    name: p.name,
    config,
    state: portStateBits({ config, linkUp: p.linkUp }),
    curr: 0,
    advertised: 0,
    supported: 0,
    peer: 0,
    currSpeed: 0,
    maxSpeed: 0,
  };
}

export function portStatusMessage(ev: PortStatusEvent): Outgoing {
  return { kind: "port-status", reason: ev.reason, desc: ofpPortOf(ev.port) };
}

/**
 * PORT_STATS bodies for one port or OFPP_ANY (the bridge throws BAD_REQUEST/BAD_PORT for others);
 * undefined when the bridge keeps no port counters.
 */
export async function portStatsReplies(bridge: OfBridge, req: PortStatsRequest): Promise<PortStats[][] | undefined> {
  if (!bridge.portStats) return undefined;
  const all = await bridge.portStats(req.portNo >>> 0);
  const parts: PortStats[][] = [];
  for (let i = 0; i < all.length; i += PORT_STATS_PER_REPLY) parts.push(all.slice(i, i + PORT_STATS_PER_REPLY));
  return parts.length > 0 ? parts : [[]];
}

export function portHandlers(bridge: OfBridge): DispatchTable {
  if (!bridge.portMod) return {};
  return {
    "port-mod": (m) => bridge.portMod?.(m),
  };
}
