// What an OpenFlow connection's handlers need of the bridge it serves, and what they keep per
// connection.
//
// What: OfBridge is the switch side of one bridge as the handlers in this folder see it — its
//   identity (name, datapath id), its ports as OpenFlow describes them, its rule tables, and
//   the operations that change the switch (FLOW_MOD, GROUP_MOD, METER_MOD, PACKET_OUT,
//   PORT_MOD) or wait for it (fence), its port counters (portStats), and the asynchronous
//   messages it sends up (subscribePacketIn, subscribeFlowRemoved, subscribePortStatus).
//   OfConnectionState is what a connection configured with SET_CONFIG.
// Design: an interface, so handlers can be tested against a stub and the daemon passes the
//   live bridge (src/bridge/live-dataplane.ts). Handlers never reach past it into the datapath.
// Invariants: flowMod either throws an OfpError and changes nothing, or changes the tables and
//   queues the deletion of every megaflow translated from the old tables; fence() resolves
//   only after the datapath applied everything queued before it.
// Threading: main thread.

import type { Action } from "../../../openflow/actions/actions.ts";
import type { FlowRemovedMessage } from "../../../openflow/messages/flow-removed.ts";
import type { PortStats } from "../../../openflow/messages/multipart-stats.ts";
import type { PortModMessage } from "../../../openflow/messages/port.ts";
import type { DatapathMeterStats } from "../../datapath/runtime/worker-protocol.ts";
import type { FlowModOptions, FlowModRequest, FlowModResult } from "../flow-mod.ts";
import type { GroupModRequest, GroupTable } from "../group-table.ts";
import type { MeterModResult } from "../meter-mod.ts";
import type { MeterModRequest, MeterTable } from "../meter-table.ts";
import type { GroupModResult } from "../ofproto.ts";
import type { RuleTables } from "../rule-table.ts";
import type { PacketInListener } from "./packet-in.ts";

export interface OfPortView {
  ofPort: number;
  name: string;
  /** "aa:bb:cc:dd:ee:ff", all zeros when the kernel does not know the device. */
  mac: string;
  adminUp: boolean;
  linkUp: boolean;
  /** OFPPC_* bits (port-state.ts); absent: PORT_DOWN iff !adminUp. */
  config?: number;
}

/** A port added, deleted or changed (OFPPR_ADD / DELETE / MODIFY), as PORT_STATUS reports it. */
export interface PortStatusEvent {
  reason: number;
  port: OfPortView;
}

export interface OfBridge {
  readonly name: string;
  datapathId(): bigint;
  ports(): OfPortView[];
  tables(): RuleTables;
  /** The tables' clock (ms), as given to applyFlowMod and rule-stats.ts. */
  now(): number;
  flowMod(fm: FlowModRequest): FlowModResult;
  /**
   * The switch-state checks flowMod applies (groups and meters named exist), for a dry run of a
   * batch (flow-batch.ts). Optional: without it a dry run checks the FLOW_MOD alone.
   */
  flowModChecks?(): FlowModOptions;
  /** Runs a PACKET_OUT's actions over `data` as if received on OpenFlow port `inPort`. */
  packetOut(inPort: number, actions: readonly Action[], data: Uint8Array): Promise<void>;
  /** Resolves once the datapath has applied every change queued so far. */
  fence(): Promise<void>;
  /** True when the datapath has applied every change queued so far (fence() has nothing to
   *  wait for). Optional: without it every BARRIER waits for fence(). */
  settled?(): boolean;
  /**
   * Subscribes to the bridge's packet-ins (Ofproto.subscribePacketIn); returns the
   * unsubscribe. Optional: a bridge without it never sends PACKET_IN.
   */
  subscribePacketIn?(listener: PacketInListener): () => void;
  /** The bridge's meter table (meter-handlers.ts). Optional: without it METER_MOD is refused
   *  and METER_FEATURES says max_meter 0. */
  meters?(): MeterTable;
  /** Applies a METER_MOD (Ofproto.meterMod): throws OfpError and changes nothing, or changes
   *  the meters (and, for a delete, removes the rules that used them). */
  meterMod?(mm: MeterModRequest): MeterModResult;
  /** The datapath's counters of fast-path meter slots, in the order asked (null: no meter). */
  meterCounters?(slots: number[]): Promise<Array<DatapathMeterStats | null>>;
  /**
   * Applies a GROUP_MOD (Ofproto.groupMod: throws an OfpError and changes nothing, or changes
   * the group table, removes the rules of deleted groups and queues the deletion of every
   * megaflow translated before). Optional, with groups(): a bridge without them has no groups.
   */
  groupMod?(gm: GroupModRequest): GroupModResult;
  /** The bridge's group table (GROUP, GROUP_DESC, GROUP_FEATURES replies). */
  groups?(): GroupTable;
  /**
   * Subscribes to FLOW_REMOVED (rules with SEND_FLOW_REM gone by idle/hard timeout or FLOW_MOD
   * delete; Ofproto.subscribeFlowRemoved); returns the unsubscribe. Optional: a bridge without
   * it never sends FLOW_REMOVED.
   */
  subscribeFlowRemoved?(listener: (m: FlowRemovedMessage) => void): () => void;
  /** Subscribes to port additions, deletions and config/link changes; returns the unsubscribe. */
  subscribePortStatus?(listener: (ev: PortStatusEvent) => void): () => void;
  /**
   * Counters of OpenFlow port `portNo`, or of every port for OFPP_ANY (in port order); throws
   * OfpError BAD_REQUEST/BAD_PORT for a port the bridge does not have. Optional: without it
   * PORT_STATS is answered BAD_MULTIPART.
   */
  portStats?(portNo: number): Promise<PortStats[]>;
  /** Applies a PORT_MOD (port-state.ts portModConfig's errors); optional: else BAD_TYPE. */
  portMod?(pm: PortModMessage): void;
  /** The switch's IP fragment handling (OFPC_FRAG_NORMAL or OFPC_FRAG_DROP; per switch, not per
   *  connection, as in Open vSwitch). Optional, with setFragMode: without them only NORMAL. */
  fragMode?(): number;
  /** Sets it (SET_CONFIG); the bridge revalidates its megaflows when it changes. */
  setFragMode?(mode: number): void;
}

/** OFPCML_NO_BUFFER aside, 128 is the miss_send_len a new connection starts with (1.3.5). */
export const DEFAULT_MISS_SEND_LEN = 128;

export interface OfConnectionState {
  /** SET_CONFIG miss_send_len of this connection (the frag flags are the switch's: fragMode). */
  missSendLen: number;
}

export function newConnectionState(): OfConnectionState {
  return { missSendLen: DEFAULT_MISS_SEND_LEN };
}
