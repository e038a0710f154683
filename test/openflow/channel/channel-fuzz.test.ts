// Random well-framed messages of every type against a live channel: each one gets an answer or
// is dropped by the dispatch table, the connection stays up (an echo still comes back), and no
// decoder throws anything but an OfpError (a "decoder bug" is logged otherwise).

import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OfChannel } from "../../../openflow/channel/channel.ts";
import { OFPT } from "../../../openflow/constants.ts";
import { channelServer, frame, RawPeer } from "./raw-peer.ts";

const decoderBugs: string[] = [];
let srv: Awaited<ReturnType<typeof channelServer>>;
beforeAll(async () => {
  srv = await channelServer({
    probeIntervalMs: 0,
    log: { info() {}, warn() {}, error: (m) => decoderBugs.push(m) },
  });
});
afterAll(() => srv.close());

const arbFrame = fc
  .record({
    type: fc.integer({ min: 0, max: 35 }),
    xid: fc.integer({ min: 0, max: 0xffffffff }),
    body: fc.uint8Array({ maxLength: 160 }),
  })
  .map(({ type, xid, body }) => frame(4, type, xid, body));

describe("channel under random messages", () => {
  it("answers or ignores each message and stays up", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(arbFrame, { minLength: 1, maxLength: 20 }), async (frames) => {
        const peer = await RawPeer.connect(srv.port);
        const ch: OfChannel = await srv.next();
        try {
          peer.send(frame(4, OFPT.HELLO, 1), ...frames, frame(4, OFPT.ECHO_REQUEST, 0xfeedface));
          await peer.until(
            () => peer.closed || peer.frames.some((f) => f.type === OFPT.ECHO_REPLY && f.xid === 0xfeedface),
            "the final echo reply",
          );
          expect(peer.closed, ch.closeReason).toBe(false);
        } finally {
          peer.destroy();
        }
      }),
      { numRuns: 150 },
    );
    expect(decoderBugs).toEqual([]);
  });
});
