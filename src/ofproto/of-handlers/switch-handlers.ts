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
// Invariants: SET_CONFIG changes only its own connection's state (miss_send_len, flags).
// Threading: main thread.

import { readFileSync } from "node:fs";
import type { OfChannel } from "../../../openflow/channel/channel.ts";
import type { DispatchTable } from "../../../openflow/channel/dispatch.ts";
import { OFPET, OfpError, SWITCH_CONFIG_FAILED } from "../../../openflow/errors.ts";
import { OFPC } from "../../../openflow/messages/features.ts";
import type { DescReply, PortDescReply } from "../../../openflow/messages/multipart-stats.ts";
import { OFPC_FRAG } from "../../../openflow/messages/switch-config.ts";
import { N_TABLES } from "../rule-table.ts";
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

export function portDescReply(bridge: OfBridge): PortDescReply {
  return { part: "port-desc", ports: bridge.ports().map(ofpPortOf) };
}

export function switchHandlers(bridge: OfBridge, stateOf: (ch: OfChannel) => OfConnectionState): DispatchTable {
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
      const s = stateOf(ch);
      reply({ kind: "get-config-reply", flags: s.flags, missSendLen: s.missSendLen });
    },
    "set-config": (m, _reply, ch) => {
      if ((m.flags & ~OFPC_FRAG.MASK) !== 0) {
        throw new OfpError(
          OFPET.SWITCH_CONFIG_FAILED,
          SWITCH_CONFIG_FAILED.BAD_FLAGS,
          `flags 0x${m.flags.toString(16)}`,
        );
      }
      const s = stateOf(ch);
      s.flags = m.flags;
      s.missSendLen = m.missSendLen;
    },
  };
}
