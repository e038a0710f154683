// What: the rules for a bridge's controller targets (BridgeConfig.controllers): each one is an
// OpenFlow connection target in Open vSwitch syntax (tcp:, ssl:, unix: dial out; ptcp:, pssl:,
// punix: listen), at most MAX_CONTROLLERS of them, no two naming the same endpoint.
//
// Design: pure; the syntax is openflow/channel/transports.ts's parseTarget (the one parser the
// connections use too, so a target accepted here always opens). Targets are stored as the
// operator wrote them (trimmed), as OVS keeps Controller.target; duplicates are found on the
// normalized form (`tcp:10.0.0.1` and `tcp:10.0.0.1:6653` are one controller).
//
// Invariants: a returned list only holds targets parseTarget accepts, without duplicates.
//
// Threading: pure; main thread.

import { formatTarget, parseTarget } from "../../openflow/channel/transports.ts";
import { ERR_INVALID_CONTROLLER_TARGET } from "../api/errors.ts";

export const MAX_CONTROLLERS = 16;

/** The validated target list; throws INVALID_CONTROLLER_TARGET naming the first bad one. */
export function checkControllerTargets(targets: readonly string[]): string[] {
  if (targets.length > MAX_CONTROLLERS) {
    throw ERR_INVALID_CONTROLLER_TARGET(`${targets.length} targets given; a bridge has at most ${MAX_CONTROLLERS}`);
  }
  const seen = new Map<string, string>();
  const out: string[] = [];
  for (const raw of targets) {
    const target = raw.trim();
    let normal: string;
    try {
      normal = formatTarget(parseTarget(target));
    } catch (e) {
      throw ERR_INVALID_CONTROLLER_TARGET((e as Error).message);
    }
    const earlier = seen.get(normal);
    if (earlier !== undefined) {
      throw ERR_INVALID_CONTROLLER_TARGET(`"${target}" and "${earlier}" are the same controller (${normal})`);
    }
    seen.set(normal, target);
    out.push(target);
  }
  return out;
}
