// What: the fast path as `wasmvs dpctl` sees it — GET /v1/datapath (counters by name, megaflow
// count, datapath ports), GET /v1/datapath/flows (every megaflow with its match, counts, age,
// EMC residency, actions and the dpctl/dump-flows line), DELETE /v1/datapath/flows (removes
// them all through ofproto's registry; traffic re-installs what it needs).
//
// Design: an encapsulated fastify plugin over an ObserveSource (src/observe/dataplane-observer.ts);
// without one (a daemon started without a datapath) every route answers NO_DATAPATH.
//
// Invariants: GETs change nothing; DELETE answers after the fast path has removed the flows.
//
// Threading: main thread.

import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { ObserveSource } from "../observe/dataplane-observer.ts";
import { ERR_NO_DATAPATH, ErrorBody } from "./errors.ts";

const errors = { "4xx": ErrorBody, "5xx": ErrorBody };

const DatapathView = Type.Object(
  {
    flows: Type.Integer({ description: "megaflows installed" }),
    counters: Type.Record(Type.String(), Type.Integer({ minimum: 0 }), {
      description: "fast-path counters by name, e.g. emc.hit, megaflow.hit, upcall.miss",
    }),
    ports: Type.Array(
      Type.Object({
        dpPort: Type.Integer(),
        bridge: Type.String(),
        name: Type.String(),
        attached: Type.Boolean(),
      }),
    ),
  },
  { title: "Datapath" },
);

const MegaflowView = Type.Object(
  {
    handle: Type.Integer(),
    bridge: Type.Union([Type.String(), Type.Null()]),
    inPort: Type.Integer({ description: "datapath port number" }),
    match: Type.String({ description: "dpctl syntax: only matched fields, value/mask" }),
    packets: Type.Integer({ minimum: 0 }),
    bytes: Type.Integer({ minimum: 0 }),
    usedSeconds: Type.Union([Type.Number(), Type.Null()], { description: "since the last hit; null: never" }),
    ageSeconds: Type.Number({ description: "since install" }),
    tcpFlags: Type.String(),
    emc: Type.Integer({ description: "exact-match cache entries serving the flow now" }),
    hits: Type.Object(
      {
        emc: Type.Integer({ minimum: 0, description: "packets the exact-match cache found" }),
        classifier: Type.Integer({ minimum: 0, description: "packets the megaflow classifier found" }),
      },
      { description: "which cache served the flow's packets" },
    ),
    actions: Type.String(),
    line: Type.String({ description: "the whole dpctl/dump-flows line" }),
  },
  { title: "Megaflow" },
);

export const datapathPlugin: FastifyPluginAsyncTypebox<{ observe?: ObserveSource }> = async (app, { observe }) => {
  const need = (what: string): ObserveSource => {
    if (!observe) throw ERR_NO_DATAPATH(what);
    return observe;
  };
  app.get(
    "/datapath",
    {
      schema: {
        tags: ["datapath"],
        summary: "Fast-path counters, flow count and ports",
        response: { 200: DatapathView, ...errors },
      },
    },
    async () => need("it has no datapath to show").show(),
  );
  app.get(
    "/datapath/flows",
    {
      schema: {
        tags: ["datapath"],
        summary: "The fast path's megaflows (dpctl dump-flows)",
        response: { 200: Type.Object({ flows: Type.Array(MegaflowView) }), ...errors },
      },
    },
    async () => ({ flows: await need("it has no megaflows to dump").flows() }),
  );
  app.delete(
    "/datapath/flows",
    {
      schema: {
        tags: ["datapath"],
        summary: "Remove every megaflow (dpctl del-flows); traffic re-installs what it needs",
        response: { 200: Type.Object({ deleted: Type.Integer({ minimum: 0 }) }), ...errors },
      },
    },
    async () => ({ deleted: await need("it has no megaflows to delete").deleteFlows() }),
  );
};
