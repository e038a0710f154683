import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BAD_REQUEST, OFPET } from "../../../openflow/errors.ts";
import { decodeMessage, encodeMessage } from "../../../openflow/message.ts";
import { OFPQT } from "../../../openflow/messages/queue-config.ts";
import { queueGetConfigReply, queueGetConfigRequest } from "../arbitraries/simple-messages.ts";
import { expectOfpError, fixture, roundTrip, truncations } from "../support/session-codec.ts";

describe("QUEUE_GET_CONFIG", () => {
  it("request fixture (os-ken): the port", () => {
    expect(roundTrip("queue-config-request", "queue-get-config-request")).toMatchObject({ port: 2 });
  });

  it("reply fixture: a queue with MIN_RATE and MAX_RATE properties kept generically", () => {
    const m = roundTrip("queue-config-reply", "queue-get-config-reply");
    expect(m.port).toBe(2);
    expect(m.queues).toHaveLength(1);
    expect(m.queues[0]).toMatchObject({ queueId: 5, port: 2 });
    expect(m.queues[0].properties.map((p) => p.property)).toEqual([OFPQT.MIN_RATE, OFPQT.MAX_RATE]);
    expect(new DataView(m.queues[0].properties[1].body.buffer).getUint16(0)).toBe(900);
  });

  it("decode(encode(x)) = x", () => {
    fc.assert(
      fc.property(fc.oneof(queueGetConfigRequest, queueGetConfigReply), (m) => {
        expect(decodeMessage(encodeMessage(m))).toEqual(m);
      }),
    );
  });

  it("truncations are BAD_REQUEST/BAD_LEN except at the queue boundary", () => {
    for (const t of truncations(fixture("queue-config-reply"))) {
      if (t.length === 16) expect(decodeMessage(t)).toMatchObject({ queues: [] });
      else expectOfpError(() => decodeMessage(t), OFPET.BAD_REQUEST, BAD_REQUEST.BAD_LEN);
    }
    for (const t of truncations(fixture("queue-config-request"))) {
      expectOfpError(() => decodeMessage(t), OFPET.BAD_REQUEST, BAD_REQUEST.BAD_LEN);
    }
  });

  it("queue and property length lies are BAD_REQUEST/BAD_LEN", () => {
    const b = fixture("queue-config-reply");
    for (const [offset, value] of [
      [24, 15], // queue len below its 16-byte header
      [24, 0xffff], // queue len past the message
      [34, 7], // first property's len below its 8-byte header
      [34, 0xf8], // first property's len past its queue
    ] as const) {
      const bad = Uint8Array.from(b);
      new DataView(bad.buffer).setUint16(offset, value);
      expectOfpError(() => decodeMessage(bad), OFPET.BAD_REQUEST, BAD_REQUEST.BAD_LEN);
    }
  });
});
