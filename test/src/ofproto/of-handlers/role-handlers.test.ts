import { describe, expect, it } from "vitest";
import type { OfChannel, Reply } from "../../../../openflow/channel/channel.ts";
import type { MessageHandler } from "../../../../openflow/channel/dispatch.ts";
import { BAD_REQUEST, OFPET, OfpError } from "../../../../openflow/errors.ts";
import type { OfpMessage } from "../../../../openflow/message.ts";
import { OFPCR_ROLE } from "../../../../openflow/messages/role.ts";
import { guardSlave, roleHandlers, SLAVE_REFUSED } from "../../../../src/ofproto/of-handlers/role-handlers.ts";
import { BridgeRoles } from "../../../../src/ofproto/of-roles.ts";

function replyRecorder() {
  const sent: unknown[] = [];
  const errors: Array<[number, number]> = [];
  const reply = ((m: unknown) => {
    sent.push(m);
  }) as unknown as Reply;
  reply.error = (t, c) => errors.push([t, c]);
  return { reply, sent, errors };
}

describe("role handlers", () => {
  const ch = {} as OfChannel;
  const other = {} as OfChannel;
  const roles = new BridgeRoles(() => [ch, other]);
  const table = guardSlave(
    { ...roleHandlers(roles), "flow-mod": () => undefined, "barrier-request": () => undefined },
    roles,
  ) as Record<string, MessageHandler>;
  const call = (m: Partial<OfpMessage> & { kind: string }, on = ch) => {
    const r = replyRecorder();
    table[m.kind](m as OfpMessage, r.reply, on);
    return r;
  };

  it("answers ROLE_REQUEST with the role in force and SET_ASYNC/GET_ASYNC per connection", () => {
    expect(call({ kind: "role-request", role: OFPCR_ROLE.SLAVE, generationId: 7n }).sent).toEqual([
      { kind: "role-reply", role: OFPCR_ROLE.SLAVE, generationId: 7n },
    ]);
    call({ kind: "set-async", packetInMask: [1, 2], portStatusMask: [3, 4], flowRemovedMask: [5, 6] });
    expect(call({ kind: "get-async-request" }).sent).toEqual([
      { kind: "get-async-reply", packetInMask: [1, 2], portStatusMask: [3, 4], flowRemovedMask: [5, 6] },
    ]);
    // The other connection still has the defaults.
    expect((call({ kind: "get-async-request" }, other).sent[0] as { packetInMask: number[] }).packetInMask).toEqual([
      7, 0,
    ]);
  });

  it("refuses every state-changing kind from a slave with IS_SLAVE, lets reads through", () => {
    expect(roles.isSlave(ch)).toBe(true);
    for (const kind of SLAVE_REFUSED) {
      let err: unknown;
      try {
        call({ kind });
      } catch (e) {
        err = e;
      }
      expect(err, kind).toBeInstanceOf(OfpError);
      expect([(err as OfpError).errType, (err as OfpError).errCode]).toEqual([OFPET.BAD_REQUEST, BAD_REQUEST.IS_SLAVE]);
    }
    expect(() => call({ kind: "barrier-request" })).not.toThrow();
    // Not a slave: FLOW_MOD reaches its handler; a kind without one is BAD_TYPE as before.
    expect(() => call({ kind: "flow-mod" }, other)).not.toThrow();
    expect(call({ kind: "meter-mod" }, other).errors).toEqual([[OFPET.BAD_REQUEST, BAD_REQUEST.BAD_TYPE]]);
  });
});
