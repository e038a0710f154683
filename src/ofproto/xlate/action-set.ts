// The OpenFlow action set (OpenFlow 1.3.5 §5.10): what write-actions accumulates across tables
// and what runs when the pipeline stops without a goto.
//
// What: ActionSet.write(actions) merges, clear() empties, ordered() lists the actions in the
//   order the spec executes them.
// Design: one slot per action type, except set_field, which has one slot per field; a write
//   replaces the slot's action (the spec: "If an action of the same type exists, overwrite it").
//   The spec's order, whatever the order of writing:
//     1 copy_ttl_in  2 pop (vlan, mpls, pbb)  3 push_mpls  4 push_pbb  5 push_vlan
//     6 copy_ttl_out 7 dec TTL (mpls, nw)     8 set (set_field, set_*_ttl)
//     9 qos (set_queue)  10 group  11 output
//   When a group is present the output is ignored (§5.10: the group takes precedence).
// Invariants: at most one action per slot; ordered() is stable (within the "set" step, slots
//   run in the order they were first written).
// Threading: main thread; one per pipeline run.

import type { Action } from "../../../openflow/actions/actions.ts";

const PHASE: Record<Action["type"], number> = {
  copy_ttl_in: 1,
  pop_vlan: 2,
  pop_mpls: 2,
  pop_pbb: 2,
  push_mpls: 3,
  push_pbb: 4,
  push_vlan: 5,
  copy_ttl_out: 6,
  dec_mpls_ttl: 7,
  dec_nw_ttl: 7,
  set_field: 8,
  set_mpls_ttl: 8,
  set_nw_ttl: 8,
  experimenter: 8,
  set_queue: 9,
  group: 10,
  output: 11,
};

function slotOf(a: Action): string {
  return a.type === "set_field"
    ? `set_field:${a.field.name === "opaque" ? `opaque${a.field.field}` : a.field.name}`
    : a.type;
}

export class ActionSet {
  private readonly slots = new Map<string, Action>();

  get size(): number {
    return this.slots.size;
  }

  write(actions: readonly Action[]): void {
    for (const a of actions) this.slots.set(slotOf(a), a);
  }

  clear(): void {
    this.slots.clear();
  }

  /** The actions to execute, in the spec's order (output dropped when a group is present). */
  ordered(): Action[] {
    const list = [...this.slots.values()];
    const hasGroup = this.slots.has("group");
    return list
      .filter((a) => !(hasGroup && a.type === "output"))
      .map((a, i) => ({ a, i }))
      .sort((x, y) => PHASE[x.a.type] - PHASE[y.a.type] || x.i - y.i)
      .map(({ a }) => a);
  }
}
