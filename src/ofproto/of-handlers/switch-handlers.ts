// OpenFlow handlers that describe the switch: FEATURES, GET_CONFIG / SET_CONFIG, and the DESC
// and PORT_DESC multipart parts.
//
// What: switchHandlers(bridge, stateOf) → the dispatch-table entries for features-request,
//   get-config-request and set-config; descReply(bridge) and portDescReply(bridge) build the
//   multipart bodies multipart-handlers.ts sends.
// Design: answers are computed on each request from the live bridge (ports and MACs come from
//   the kernel at that moment), so nothing here can go stale. DESC names wasmvs honestly:
//   manufacturer "wasmvs", hardware "wasmvs software switch", software the package version,
//   datapath description the bridge name.
//   SET_CONFIG's frag flags are the switch's (OfBridge.fragMode: NORMAL or DROP; REASM is
//   refused BAD_FLAGS, no OFPC_IP_REASM being advertised; a SLAVE's is ignored, as in OVS),
//   miss_send_len the connection's.
// Invariants: SET_CONFIG changes its connection's miss_send_len and the bridge's frag mode,
//   or (refused) nothing.
// Threading: main thread.

import { readFileSync } from "node:fs";
import type { OfChannel } from "../../../openflow/channel/channel.ts";
import type { DispatchTable } from "../../../openflow/channel/dispatch.ts";
import { OFPET, OfpError, SWITCH_CONFIG_FAILED } from "../../../openflow/errors.ts";
import { OFPC } from "../../../openflow/messages/features.ts";
import type { DescReply, PortDescReply } from "../../../openflow/messages/multipart-stats.ts";
import type { OfpPort } from "../../../openflow/messages/port.ts";
import { OFPC_FRAG } from "../../../openflow/messages/switch-config.ts";
import { N_TABLES } from "../rule-table.ts";
import { splitReplies } from "./group-handlers.ts";
import type { OfBridge, OfConnectionState } from "./handler-context.ts";
import { ofpPortOf } from "./port-handlers.ts";

export const CAPABILITIES = OFPC.FLOW_STATS | OFPC.TABLE_STATS | OFPC.PORT_STATS | OFPC.GROUP_STATS;

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as {
      version?: string;
    };
    return pkg.version ?? "unknown";
  } catch {
    return "unknown";
  }
}

const SW_VERSION = packageVersion();

export function descReply(bridge: OfBridge): DescReply {
  return {
    part: "desc",
    mfrDesc: "wasmvs",
    hwDesc: "wasmvs software switch",
    swDesc: SW_VERSION,
    serialNum: "",
    dpDesc: bridge.name,
  };
}

/** Bytes of one ofp_port in a PORT_DESC reply. */
const OFP_PORT_SIZE = 64;

export function portDescReply(bridge: OfBridge): PortDescReply {
  return { part: "port-desc", ports: bridge.ports().map(ofpPortOf) };
}

/** PORT_DESC as one or more reply bodies, each fitting one message (all but the last: REPLY_MORE). */
export function portDescReplies(bridge: OfBridge): OfpPort[][] {
  return splitReplies(portDescReply(bridge).ports, () => OFP_PORT_SIZE);
}

/**
 * `isSlave`: whether a connection is a SLAVE (of-roles.ts). A slave's SET_CONFIG sets its own
 * miss_send_len but leaves the switch's frag mode alone, as Open vSwitch's handle_set_config does
 * (SET_CONFIG is not among §6.3.7's refused messages, but the frag mode is the switch's state).
 */
export function switchHandlers(
  bridge: OfBridge,
  stateOf: (ch: OfChannel) => OfConnectionState,
  isSlave: (ch: OfChannel) => boolean = () => false,
): DispatchTable {
  return {
    "features-request": (_m, reply) =>
      reply({
        kind: "features-reply",
        datapathId: bridge.datapathId(),
        nBuffers: 0,
        nTables: N_TABLES,
        auxiliaryId: 0,
        capabilities: CAPABILITIES,
        reserved: 0,
      }),
    "get-config-request": (_m, reply, ch) => {
      const flags = bridge.fragMode?.() ?? OFPC_FRAG.NORMAL;
      reply({ kind: "get-config-reply", flags, missSendLen: stateOf(ch).missSendLen });
    },
    "set-config": (m, _reply, ch) => {
      const mode = m.flags & OFPC_FRAG.MASK;
      const refuse = (why: string) =>
        new OfpError(
          OFPET.SWITCH_CONFIG_FAILED,
          SWITCH_CONFIG_FAILED.BAD_FLAGS,
          `flags 0x${m.flags.toString(16)}: ${why}`,
        );
      if ((m.flags & ~OFPC_FRAG.MASK) !== 0) throw refuse("bits other than OFPC_FRAG_* are not defined");
      // REASM (and the reserved 3): we do not reassemble and FEATURES does not advertise
      // OFPC_IP_REASM (§7.3.2: flags the switch cannot honour are refused BAD_FLAGS).
      if (mode !== OFPC_FRAG.NORMAL && mode !== OFPC_FRAG.DROP) throw refuse("IP reassembly is not supported");
      if (mode === OFPC_FRAG.DROP && !bridge.setFragMode) throw refuse("this bridge cannot drop fragments");
      if (!isSlave(ch)) bridge.setFragMode?.(mode);
      stateOf(ch).missSendLen = m.missSendLen;
    },
  };
}
