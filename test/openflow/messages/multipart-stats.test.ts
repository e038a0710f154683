import { describe, expect, it } from "vitest";
import { OFPP } from "../../../openflow/constants.ts";
import { BAD_REQUEST, OFPET } from "../../../openflow/errors.ts";
import { decodeMessage } from "../../../openflow/message.ts";
import { OFPPC, OFPPS } from "../../../openflow/messages/port.ts";
import { expectOfpError, fixture, roundTrip, truncations } from "../support/session-codec.ts";

const badLen = [OFPET.BAD_REQUEST, BAD_REQUEST.BAD_LEN] as const;

function reply(name: string) {
  return roundTrip(name, "multipart-reply").body;
}

describe("multipart DESC / TABLE / PORT_STATS / QUEUE / PORT_DESC reply fixtures", () => {
  it("DESC: the five NUL-padded strings", () => {
    expect(reply("multipart-desc-reply")).toEqual({
      part: "desc",
      mfrDesc: "wasmvs project",
      hwDesc: "software switch (WebAssembly fast path)",
      swDesc: "wasmvs 0.1.0",
      serialNum: "none",
      dpDesc: "br0",
    });
  });

  it("TABLE: one record per table", () => {
    expect(reply("multipart-table-reply")).toEqual({
      part: "table",
      stats: [
        { tableId: 0, activeCount: 12, lookupCount: 1000n, matchedCount: 900n },
        { tableId: 1, activeCount: 0, lookupCount: 5n, matchedCount: 0n },
      ],
    });
  });

  it("PORT_STATS: twelve counters in wire order, then the duration", () => {
    const body = reply("multipart-port-stats-reply");
    if (body.part !== "port-stats") throw new Error(body.part);
    expect(body.stats[0]).toMatchObject({
      portNo: 1,
      rxPackets: 101n,
      txPackets: 102n,
      rxBytes: 103n,
      txBytes: 104n,
      rxDropped: 105n,
      txDropped: 106n,
      rxErrors: 107n,
      txErrors: 108n,
      rxFrameErr: 109n,
      rxOverErr: 110n,
      rxCrcErr: 111n,
      collisions: 112n,
      durationSec: 3600,
      durationNsec: 500_000_000,
    });
    expect(body.stats[1]).toMatchObject({ portNo: OFPP.LOCAL, durationSec: 1, durationNsec: 2 });
  });

  it("QUEUE: port, queue and counters", () => {
    expect(reply("multipart-queue-reply")).toEqual({
      part: "queue",
      stats: [
        { portNo: 1, queueId: 0, txBytes: 1500n, txPackets: 1n, txErrors: 0n, durationSec: 10, durationNsec: 20 },
      ],
    });
  });

  it("PORT_DESC: ports, including LOCAL and a name that fills all 16 bytes", () => {
    const body = reply("multipart-port-desc-reply");
    if (body.part !== "port-desc") throw new Error(body.part);
    expect(body.ports.map((p) => p.name)).toEqual(["veth-a", "br0", "exactly16chars!!"]);
    expect(body.ports[1]).toMatchObject({ portNo: OFPP.LOCAL, config: OFPPC.PORT_DOWN, state: OFPPS.LINK_DOWN });
  });
});

describe("multipart fixed-record bodies malformed", () => {
  const cases: Array<[string, number]> = [
    ["multipart-desc-reply", 1056],
    ["multipart-table-reply", 24],
    ["multipart-port-stats-reply", 112],
    ["multipart-queue-reply", 40],
    ["multipart-port-desc-reply", 64],
  ];
  for (const [name, record] of cases) {
    it(`${name}: cuts between records decode, cuts inside a record are BAD_REQUEST/BAD_LEN`, () => {
      for (const t of truncations(fixture(name))) {
        const body = t.length - 16;
        if (body >= 0 && body % record === 0 && name !== "multipart-desc-reply") {
          expect(decodeMessage(t).kind).toBe("multipart-reply");
        } else {
          expectOfpError(() => decodeMessage(t), ...badLen);
        }
      }
    });
  }
});
