// packet-in.ts: how much of a frame one connection's PACKET_IN carries — max_len for every
// reason, and the connection's miss_send_len for the packet-ins no CONTROLLER output asked for
// (OpenFlow 1.3.5 §7.3.2: NO_MATCH and INVALID_TTL).

import { describe, expect, it } from "vitest";
import { OFPR } from "../../../../openflow/messages/packet-in.ts";
import {
  OFPCML_NO_BUFFER,
  type PacketInEvent,
  packetInLength,
  packetInMessage,
} from "../../../../src/ofproto/of-handlers/packet-in.ts";

const ev = (reason: number, maxLen = OFPCML_NO_BUFFER): PacketInEvent => ({
  reason,
  tableId: 4,
  cookie: 9n,
  maxLen,
  inPort: 1,
  data: new Uint8Array(200),
});

describe("packetInLength", () => {
  it("caps NO_MATCH and INVALID_TTL by miss_send_len, ACTION only by its max_len", () => {
    expect(packetInLength(ev(OFPR.NO_MATCH), 100)).toBe(100);
    expect(packetInLength(ev(OFPR.INVALID_TTL), 100)).toBe(100);
    expect(packetInLength(ev(OFPR.ACTION), 100)).toBe(200);
    expect(packetInLength(ev(OFPR.ACTION, 64), 100)).toBe(64);
    expect(packetInLength(ev(OFPR.INVALID_TTL), OFPCML_NO_BUFFER)).toBe(200);
  });

  it("the message keeps the event's table and cookie and the whole length in total_len", () => {
    const m = packetInMessage(ev(OFPR.INVALID_TTL), 128);
    expect([m.reason, m.tableId, m.cookie, m.totalLen, m.data.length]).toEqual([OFPR.INVALID_TTL, 4, 9n, 200, 128]);
  });
});
