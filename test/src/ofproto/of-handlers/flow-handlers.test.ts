// FLOW_MOD and PACKET_OUT naming a buffer (buffer_id other than OFP_NO_BUFFER): we keep no
// buffers (FEATURES n_buffers 0), so both are answered BAD_REQUEST/BUFFER_UNKNOWN. The FLOW_MOD
// is still applied (as Open vSwitch does: the flow goes in, only the buffered packet is
// unknown); the PACKET_OUT sends nothing. With NO_BUFFER both proceed without an error.

import { describe, expect, it } from "vitest";
import type { OfChannel } from "../../../../openflow/channel/channel.ts";
import type { Outgoing, Reply } from "../../../../openflow/channel/dispatch.ts";
import { OFP_NO_BUFFER, OFPP } from "../../../../openflow/constants.ts";
import { BAD_REQUEST, OFPET } from "../../../../openflow/errors.ts";
import type { FlowModMessage } from "../../../../openflow/messages/flow-mod.ts";
import type { PacketOutMessage } from "../../../../openflow/messages/packet-out.ts";
import type { FlowModRequest } from "../../../../src/ofproto/flow-mod.ts";
import { flowHandlers } from "../../../../src/ofproto/of-handlers/flow-handlers.ts";
import type { OfBridge } from "../../../../src/ofproto/of-handlers/handler-context.ts";
import { defaultNormalFlow } from "../../../../src/ofproto/ofproto.ts";
import { RuleTables } from "../../../../src/ofproto/rule-table.ts";

function setup() {
  const flowMods: FlowModRequest[] = [];
  const packetOuts: number[] = [];
  const bridge: OfBridge = {
    name: "br",
    datapathId: () => 1n,
    ports: () => [],
    tables: () => new RuleTables(),
    now: () => 0,
    flowMod: (fm) => {
      flowMods.push(fm);
      return { added: [], replaced: [], modified: [], removed: [] };
    },
    packetOut: async (inPort) => {
      packetOuts.push(inPort);
    },
    fence: async () => {},
  };
  const errors: Array<[number, number]> = [];
  const reply = Object.assign((_m: Outgoing) => {}, {
    error: (t: number, c: number) => errors.push([t, c]),
    xid: 1,
    raw: new Uint8Array(8),
  }) as Reply;
  return { h: flowHandlers(bridge), flowMods, packetOuts, errors, reply };
}

const flowMod = (bufferId: number): FlowModMessage => ({ kind: "flow-mod", xid: 1, ...defaultNormalFlow(), bufferId });
const packetOut = (bufferId: number): PacketOutMessage => ({
  kind: "packet-out",
  xid: 1,
  bufferId,
  inPort: OFPP.CONTROLLER,
  actions: [{ type: "output", port: 1, maxLen: 0 }],
  data: new Uint8Array(60),
});
const unknown: [number, number] = [OFPET.BAD_REQUEST, BAD_REQUEST.BUFFER_UNKNOWN];

describe("buffer_id", () => {
  it("FLOW_MOD with a buffer is applied and answered BUFFER_UNKNOWN", async () => {
    const { h, flowMods, errors, reply } = setup();
    await h["flow-mod"]?.(flowMod(42), reply, {} as OfChannel);
    expect(flowMods).toHaveLength(1);
    expect(errors).toEqual([unknown]);
    await h["flow-mod"]?.(flowMod(OFP_NO_BUFFER), reply, {} as OfChannel);
    expect(flowMods).toHaveLength(2);
    expect(errors).toEqual([unknown]);
  });

  it("PACKET_OUT with a buffer is answered BUFFER_UNKNOWN and sends nothing", async () => {
    const { h, packetOuts, errors, reply } = setup();
    await h["packet-out"]?.(packetOut(7), reply, {} as OfChannel);
    expect(packetOuts).toEqual([]);
    expect(errors).toEqual([unknown]);
    await h["packet-out"]?.(packetOut(OFP_NO_BUFFER), reply, {} as OfChannel);
    expect(packetOuts).toEqual([OFPP.CONTROLLER]);
    expect(errors).toEqual([unknown]);
  });
});
