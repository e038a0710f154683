import { describe, expect, it } from "vitest";
import { OFPRR } from "../../../openflow/messages/flow-removed.ts";
import { OFPR } from "../../../openflow/messages/packet-in.ts";
import { OFPPR } from "../../../openflow/messages/port.ts";
import { OFPCR_ROLE } from "../../../openflow/messages/role.ts";
import { type AsyncConfig, copyAsyncConfig, DEFAULT_ASYNC_CONFIG, mayReceive } from "../../../src/ofproto/of-async.ts";

const { EQUAL, MASTER, SLAVE } = OFPCR_ROLE;

describe("mayReceive", () => {
  it("by default: master and equal get everything, a slave only port status", () => {
    const d = DEFAULT_ASYNC_CONFIG;
    for (const role of [EQUAL, MASTER]) {
      for (const r of Object.values(OFPR)) expect(mayReceive(role, d, "packet-in", r)).toBe(true);
      for (const r of Object.values(OFPPR)) expect(mayReceive(role, d, "port-status", r)).toBe(true);
      for (const r of Object.values(OFPRR)) expect(mayReceive(role, d, "flow-removed", r)).toBe(true);
    }
    for (const r of Object.values(OFPR)) expect(mayReceive(SLAVE, d, "packet-in", r)).toBe(false);
    for (const r of Object.values(OFPPR)) expect(mayReceive(SLAVE, d, "port-status", r)).toBe(true);
    for (const r of Object.values(OFPRR)) expect(mayReceive(SLAVE, d, "flow-removed", r)).toBe(false);
  });

  it("uses the mask of the connection's role, bit by reason", () => {
    const c: AsyncConfig = {
      packetInMask: [1 << OFPR.ACTION, 1 << OFPR.NO_MATCH],
      portStatusMask: [0, 1 << OFPPR.DELETE],
      flowRemovedMask: [1 << OFPRR.HARD_TIMEOUT, 0],
    };
    expect(mayReceive(MASTER, c, "packet-in", OFPR.ACTION)).toBe(true);
    expect(mayReceive(MASTER, c, "packet-in", OFPR.NO_MATCH)).toBe(false);
    expect(mayReceive(EQUAL, c, "packet-in", OFPR.NO_MATCH)).toBe(false);
    expect(mayReceive(SLAVE, c, "packet-in", OFPR.NO_MATCH)).toBe(true);
    expect(mayReceive(SLAVE, c, "packet-in", OFPR.ACTION)).toBe(false);
    expect(mayReceive(MASTER, c, "port-status", OFPPR.ADD)).toBe(false);
    expect(mayReceive(SLAVE, c, "port-status", OFPPR.DELETE)).toBe(true);
    expect(mayReceive(EQUAL, c, "flow-removed", OFPRR.HARD_TIMEOUT)).toBe(true);
    expect(mayReceive(EQUAL, c, "flow-removed", OFPRR.IDLE_TIMEOUT)).toBe(false);
  });

  it("never sends a reason outside 0..31, even with every bit set", () => {
    const all: AsyncConfig = {
      packetInMask: [0xffffffff, 0xffffffff],
      portStatusMask: [0xffffffff, 0xffffffff],
      flowRemovedMask: [0xffffffff, 0xffffffff],
    };
    expect(mayReceive(MASTER, all, "packet-in", 31)).toBe(true);
    expect(mayReceive(MASTER, all, "packet-in", 32)).toBe(false);
    expect(mayReceive(MASTER, all, "packet-in", -1)).toBe(false);
  });

  it("copies are independent of the defaults", () => {
    const c = copyAsyncConfig(DEFAULT_ASYNC_CONFIG);
    c.packetInMask[0] = 0;
    expect(DEFAULT_ASYNC_CONFIG.packetInMask[0]).toBe(0b111);
  });
});
