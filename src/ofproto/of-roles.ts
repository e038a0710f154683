// Controller roles of one bridge (OpenFlow 1.3.5 §6.3.7): EQUAL, MASTER, SLAVE per connection,
// the master election generation id, and the per-connection async configuration that goes
// with them.
//
// What: BridgeRoles.request(ch, role, generationId) is a ROLE_REQUEST: it answers the role now in
//   force and the generation id, or throws the spec's OfpError; control(ch) is the connection's
//   role + SET_ASYNC state; isSlave(ch) is what the IS_SLAVE guard asks.
//
//     NOCHANGE ──► (query) ──────────────────────────────► reply(current role, generation id)
//     EQUAL    ──► role = EQUAL (generation id not looked at)
//     MASTER   ──► stale? ──yes──► ROLE_REQUEST_FAILED/STALE
//     SLAVE         │no: remember it as the max; MASTER demotes the old master(s) to SLAVE
//                   ▼
//                role = MASTER | SLAVE
//     other    ──► ROLE_REQUEST_FAILED/BAD_ROLE
//
// Design: "stale" is Open vSwitch's comparison, (int64)(id - max) < 0 once a generation id has
//   been seen — a wrapping u64 sequence, as the spec describes it. Before any MASTER/SLAVE
//   request the reply carries 0xffffffffffffffff (OVS does the same: "undefined"). Every new
//   connection starts EQUAL with DEFAULT_ASYNC_CONFIG (of-async.ts). State is per bridge
//   (one election per datapath, as in OVS's connmgr); connection state lives in a WeakMap,
//   so a closed channel needs no cleanup. Demoted masters get no ROLE_STATUS (an OpenFlow 1.4
//   message / 1.3 extension that wasmvs does not send).
// Invariants: at most one connection of the bridge is MASTER; a refused request changes
//   nothing; the generation id only moves forward (in the wrapping sense).
// Threading: main thread.

import type { OfChannel } from "../../openflow/channel/channel.ts";
import { OFPET, OfpError, ROLE_REQUEST_FAILED } from "../../openflow/errors.ts";
import { OFPCR_ROLE } from "../../openflow/messages/role.ts";
import { type AsyncConfig, copyAsyncConfig, DEFAULT_ASYNC_CONFIG } from "./of-async.ts";

export const GENERATION_ID_UNDEFINED = 0xffff_ffff_ffff_ffffn;

export interface ControlState {
  role: number;
  async: AsyncConfig;
}

const ROLE_NAMES: Record<number, string> = {
  [OFPCR_ROLE.EQUAL]: "equal",
  [OFPCR_ROLE.MASTER]: "master",
  [OFPCR_ROLE.SLAVE]: "slave",
};

export function roleName(role: number): string {
  return ROLE_NAMES[role] ?? `role ${role}`;
}

/** (int64)(a - b) < 0 over u64 values: `a` is older than `b`. */
function isOlder(a: bigint, b: bigint): boolean {
  return BigInt.asIntN(64, a - b) < 0n;
}

export class BridgeRoles {
  private readonly states = new WeakMap<OfChannel, ControlState>();
  private generationId: bigint | undefined;

  /** The channels of the bridge (for demoting the old master). */
  constructor(private readonly channels: () => Iterable<OfChannel>) {}

  control(ch: OfChannel): ControlState {
    let s = this.states.get(ch);
    if (!s) {
      s = { role: OFPCR_ROLE.EQUAL, async: copyAsyncConfig(DEFAULT_ASYNC_CONFIG) };
      this.states.set(ch, s);
    }
    return s;
  }

  roleOf(ch: OfChannel): number {
    return this.states.get(ch)?.role ?? OFPCR_ROLE.EQUAL;
  }

  isSlave(ch: OfChannel): boolean {
    return this.roleOf(ch) === OFPCR_ROLE.SLAVE;
  }

  /** The generation id a ROLE_REPLY carries. */
  currentGenerationId(): bigint {
    return this.generationId ?? GENERATION_ID_UNDEFINED;
  }

  /** Applies a ROLE_REQUEST; returns the role and generation id to reply with. */
  request(ch: OfChannel, role: number, generationId: bigint): { role: number; generationId: bigint } {
    switch (role) {
      case OFPCR_ROLE.NOCHANGE:
        break;
      case OFPCR_ROLE.EQUAL:
        this.control(ch).role = role;
        break;
      case OFPCR_ROLE.MASTER:
      case OFPCR_ROLE.SLAVE: {
        if (this.generationId !== undefined && isOlder(generationId, this.generationId)) {
          throw new OfpError(
            OFPET.ROLE_REQUEST_FAILED,
            ROLE_REQUEST_FAILED.STALE,
            `generation id ${generationId} is older than ${this.generationId}`,
          );
        }
        this.generationId = generationId;
        if (role === OFPCR_ROLE.MASTER) {
          for (const other of this.channels()) {
            if (other !== ch && this.states.get(other)?.role === OFPCR_ROLE.MASTER) {
              this.control(other).role = OFPCR_ROLE.SLAVE;
            }
          }
        }
        this.control(ch).role = role;
        break;
      }
      default:
        throw new OfpError(OFPET.ROLE_REQUEST_FAILED, ROLE_REQUEST_FAILED.BAD_ROLE, `role ${role}`);
    }
    return { role: this.roleOf(ch), generationId: this.currentGenerationId() };
  }
}
