// QUEUE_GET_CONFIG against a stub bridge: a port of the bridge or OFPP_ANY is answered with no
// queues (wasmvs has no QoS), any other port QUEUE_OP_FAILED/BAD_PORT (as Open vSwitch).
// (OFPMP_QUEUE goes through the multipart handler: multipart-handlers.test.ts.)

import { describe, expect, it } from "vitest";
import type { OfChannel } from "../../../../openflow/channel/channel.ts";
import type { Outgoing, Reply } from "../../../../openflow/channel/dispatch.ts";
import { OFPP } from "../../../../openflow/constants.ts";
import { OFPET, QUEUE_OP_FAILED } from "../../../../openflow/errors.ts";
import type { OfBridge } from "../../../../src/ofproto/of-handlers/handler-context.ts";
import { queueHandlers } from "../../../../src/ofproto/of-handlers/queue-handlers.ts";
import { RuleTables } from "../../../../src/ofproto/rule-table.ts";

const bridge: OfBridge = {
  name: "br",
  datapathId: () => 1n,
  ports: () => [{ ofPort: 3, name: "p3", mac: "02:00:00:00:00:03", adminUp: true, linkUp: true }],
  tables: () => new RuleTables(),
  now: () => 0,
  flowMod: () => ({ added: [], replaced: [], modified: [], removed: [] }),
  packetOut: async () => {},
  fence: async () => {},
};

function ask(port: number): Outgoing[] {
  const sent: Outgoing[] = [];
  const reply = Object.assign((m: Outgoing) => sent.push(m), { error: () => {}, xid: 1, raw: new Uint8Array(16) });
  queueHandlers(bridge)["queue-get-config-request"]?.(
    { kind: "queue-get-config-request", xid: 1, port },
    reply as Reply,
    {} as OfChannel,
  );
  return sent;
}

describe("QUEUE_GET_CONFIG", () => {
  it("a port of the bridge, or ANY, has no queues", () => {
    expect(ask(3)).toEqual([{ kind: "queue-get-config-reply", port: 3, queues: [] }]);
    expect(ask(OFPP.ANY)).toEqual([{ kind: "queue-get-config-reply", port: OFPP.ANY, queues: [] }]);
  });
  it("another port is QUEUE_OP_FAILED/BAD_PORT", () => {
    for (const port of [4, OFPP.LOCAL]) {
      expect(() => ask(port)).toThrow(
        expect.objectContaining({ errType: OFPET.QUEUE_OP_FAILED, errCode: QUEUE_OP_FAILED.BAD_PORT }),
      );
    }
  });
});
