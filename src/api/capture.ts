// What: GET /v1/bridges/{bridge}/ports/{port}/capture?direction=in|out|both&count=N — mirrors
// a port's frames (as received and as transmitted) to the client as a chunked stream
// (src/observe/capture-stream.ts) until the client goes away, N frames were sent, the port is
// removed or the daemon stops. `wasmvs capture` is its client.
//
// Design: the stream's magic is written as soon as the fast path mirrors the port, so the
// client knows frames from then on are caught. Closing the response (client gone, count
// reached, port gone) ends the capture session, which clears the port's mirror flag when it
// was the last one. Query values are checked here, not by the schema, so the error names the
// token ("direction \"sideways\" …").
//
// Invariants: every session opened here is closed when its response ends, whichever way.
//
// Threading: main thread.

import { PassThrough } from "node:stream";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { CAP_BOTH, CAP_IN, CAP_OUT } from "../observe/capture-hub.ts";
import {
  CAPTURE_CONTENT_TYPE,
  encodeCaptureEnd,
  encodeCaptureFrame,
  encodeCaptureHeader,
} from "../observe/capture-stream.ts";
import type { ObserveSource } from "../observe/dataplane-observer.ts";
import { ERR_INVALID_FIELD, ERR_NO_DATAPATH, ErrorBody } from "./errors.ts";
import { PortParams } from "./ports.ts";

const DIRECTIONS: Record<string, number> = { in: CAP_IN, out: CAP_OUT, both: CAP_BOTH };

/** The direction flags of a query value; INVALID_FIELD naming the value otherwise. */
export function captureDirection(value: string | undefined): number {
  const d = DIRECTIONS[value ?? "both"];
  if (d === undefined) throw ERR_INVALID_FIELD(`direction "${value}" is not one of in, out, both`);
  return d;
}

/** The frame count of a query value (0 = until closed); INVALID_FIELD naming the value otherwise. */
export function captureCount(value: string | undefined): number {
  if (value === undefined) return 0;
  if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw ERR_INVALID_FIELD(`count "${value}" is not a whole number of frames (0 = until stopped)`);
  }
  return Number(value);
}

export const capturePlugin: FastifyPluginAsyncTypebox<{ observe?: ObserveSource }> = async (app, { observe }) => {
  const streams = new Set<PassThrough>();
  // preClose: before fastify waits for in-flight requests, which an open capture would be.
  // Frames the fast path copied before the stop are still on their way up the ring: let them
  // reach their streams first (bounded: a wedged worker must not hold the shutdown).
  app.addHook("preClose", async () => {
    if (streams.size > 0 && observe) {
      await Promise.race([observe.flushCaptures().catch(() => {}), new Promise((r) => setTimeout(r, 1000))]);
    }
    for (const s of streams) s.end(encodeCaptureEnd("the switch is shutting down"));
  });
  app.get(
    "/bridges/:bridge/ports/:port/capture",
    {
      schema: {
        tags: ["ports"],
        summary: "Mirror a port's frames (chunked stream, see wasmvs capture)",
        params: PortParams,
        querystring: Type.Object({
          direction: Type.Optional(Type.String({ description: "in, out or both (default both)" })),
          count: Type.Optional(Type.String({ description: "stop after this many frames (default: until closed)" })),
        }),
        response: {
          200: {
            description: "the capture stream (src/observe/capture-stream.ts): magic, then framed records",
            content: { [CAPTURE_CONTENT_TYPE]: { schema: Type.String({ format: "binary" }) } },
          },
          "4xx": ErrorBody,
          "5xx": ErrorBody,
        },
      },
    },
    async (req, reply) => {
      if (!observe) throw ERR_NO_DATAPATH("it has no ports to capture");
      const dirs = captureDirection(req.query.direction);
      const limit = captureCount(req.query.count);
      const out = new PassThrough();
      let sent = 0;
      let close: (() => Promise<void>) | undefined;
      const finish = (why: string) => {
        if (out.writableEnded) return;
        out.end(encodeCaptureEnd(why));
      };
      close = await observe.openCapture(
        req.params.bridge,
        req.params.port,
        dirs,
        (f) => {
          if (out.writableEnded || (limit > 0 && sent >= limit)) return;
          out.write(encodeCaptureFrame({ timeMs: f.timeMs, dir: f.dir, origLen: f.origLen, data: f.data }));
          sent++;
          if (limit > 0 && sent >= limit) finish(`${sent} frames captured`);
        },
        finish,
      );
      streams.add(out);
      const done = () => {
        streams.delete(out);
        void close?.();
        close = undefined;
      };
      out.on("close", done);
      out.on("finish", done);
      if (out.writableEnded) done(); // ended (count reached) while the session was opening
      reply.raw.on("close", () => {
        done();
        out.destroy();
      });
      out.write(encodeCaptureHeader());
      return reply
        .header("content-type", CAPTURE_CONTENT_TYPE)
        .header("cache-control", "no-store")
        .send(out as never);
    },
  );
};
