// The default flow of a bridge as its fail mode and controllers decide (Open vSwitch's
// connmgr_flushed / connmgr_set_controllers / connmgr_set_fail_mode).
//
// What: applyFailModeFlows(ofproto, bridge, old, next) — called with the bridge's previous and
//   new configuration (old undefined: the bridge was just created, with its default flow).
//
//   the bridge wants `table=0, priority=0, actions=NORMAL`  ⇔  standalone AND no controllers
//
//   created                               → keep the default flow only if it wants it
//   controllers: none ↔ some              → flush every flow, then add the default if wanted
//   fail mode changed, no controllers     → flush every flow, then add the default if wanted
//   anything else                         → flows untouched (a controller's flows stay)
//
// Design: exactly OVS's transitions: it flushes the flow tables when the bridge goes from no
//   controller to some (or back), and when the fail mode changes while no controller is set,
//   then re-adds the NORMAL flow in standalone mode without controllers. A secure bridge never
//   gets the default flow: it drops misses until someone adds flows, and keeps the flows it
//   has when controllers disconnect. A standalone bridge with controllers starts empty too
//   (as in OVS): it forwards with NORMAL only while failing open (fail-open.ts).
// Invariants: after the call, the bridge has the default flow iff it wants it, unless flows
//   were changed over OpenFlow since (those are the controller's business).
// Threading: main thread.

import { OFPFC } from "../../openflow/messages/flow-mod.ts";
import type { BridgeConfig } from "../config/model.ts";
import type { FlowModRequest } from "./flow-mod.ts";
import { defaultNormalFlow } from "./ofproto.ts";

type FailModeView = Pick<BridgeConfig, "failMode" | "controllers">;

export interface FlowModTarget {
  flowMod(bridge: string, fm: FlowModRequest): unknown;
}

/** True when the bridge should carry `priority=0 actions=NORMAL`. */
export function wantsNormalFlow(b: FailModeView): boolean {
  return b.failMode === "standalone" && b.controllers.length === 0;
}

/** True when a standalone bridge may fail open into NORMAL (it has controllers to lose). */
export function mayFailOpen(b: FailModeView): boolean {
  return b.failMode === "standalone" && b.controllers.length > 0;
}

function deleteAll(): FlowModRequest {
  return { ...defaultNormalFlow(), command: OFPFC.DELETE, tableId: 0xff, instructions: [] };
}

/** Makes the bridge's default flow follow its fail mode and controllers (see the top). */
export function applyFailModeFlows(
  ofproto: FlowModTarget,
  bridge: string,
  old: FailModeView | undefined,
  next: FailModeView,
): void {
  if (old === undefined) {
    if (!wantsNormalFlow(next)) ofproto.flowMod(bridge, deleteAll());
    return;
  }
  const hadControllers = old.controllers.length > 0;
  const hasControllers = next.controllers.length > 0;
  const flush = hadControllers !== hasControllers || (old.failMode !== next.failMode && !hasControllers);
  if (!flush) return;
  ofproto.flowMod(bridge, deleteAll());
  if (wantsNormalFlow(next)) ofproto.flowMod(bridge, defaultNormalFlow());
}
