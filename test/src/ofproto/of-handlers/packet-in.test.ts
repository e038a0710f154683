// PACKET_IN's match: in_port always, metadata and tunnel_id when non-zero (OpenFlow 1.3.5
// §7.4.1's pipeline fields), through the real codec.

import { describe, expect, it } from "vitest";
import { decodeMessage, encodeMessage, type OfpMessage } from "../../../../openflow/message.ts";
import { OFPR, type PacketInMessage } from "../../../../openflow/messages/packet-in.ts";
import { type PacketInEvent, packetInMessage } from "../../../../src/ofproto/of-handlers/packet-in.ts";

const ev = (over: Partial<PacketInEvent> = {}): PacketInEvent => ({
  reason: OFPR.ACTION,
  tableId: 1,
  cookie: 5n,
  maxLen: 0xffff,
  inPort: 7,
  data: new Uint8Array(60),
  ...over,
});

const roundTrip = (e: PacketInEvent) =>
  decodeMessage(encodeMessage({ ...packetInMessage(e, 128), xid: 1 } as OfpMessage)) as PacketInMessage;

describe("PACKET_IN match", () => {
  it("carries in_port only when the pipeline fields are zero", () => {
    expect(roundTrip(ev({ metadata: 0n, tunnelId: 0n })).match).toEqual([{ name: "in_port", value: 7 }]);
    expect(roundTrip(ev()).match).toEqual([{ name: "in_port", value: 7 }]);
  });
  it("adds metadata and tunnel_id when set", () => {
    expect(roundTrip(ev({ metadata: 0xfeedn, tunnelId: 0x1_0000_0001n })).match).toEqual([
      { name: "in_port", value: 7 },
      { name: "metadata", value: 0xfeedn },
      { name: "tunnel_id", value: 0x1_0000_0001n },
    ]);
    expect(roundTrip(ev({ metadata: 0xffff_ffff_ffff_ffffn })).match[1]).toEqual({
      name: "metadata",
      value: 0xffff_ffff_ffff_ffffn,
    });
  });
});
