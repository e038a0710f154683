// What: GET /v1/bridges/{bridge}/ports/{port}/stats — a port's counters, link state and MTU as
// the datapath sees them.
//
// Design: an encapsulated fastify plugin; the numbers come from the service's DataplaneView
// (with NullDataplane they are all zero, link down, MTU 0 — no datapath is attached).
//
// Invariants: read-only.
//
// Threading: main thread.

import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { SwitchService } from "../switch/switch-service.ts";
import { ErrorBody } from "./errors.ts";
import { PortParams } from "./ports.ts";

const Counter = Type.Integer({ minimum: 0 });

export const PortStatsView = Type.Object(
  {
    rxPackets: Counter,
    rxBytes: Counter,
    rxDropped: Counter,
    rxErrors: Counter,
    txPackets: Counter,
    txBytes: Counter,
    txDropped: Counter,
    txErrors: Counter,
    linkUp: Type.Boolean(),
    mtu: Type.Integer(),
  },
  { title: "PortStats" },
);

export const portStatsPlugin: FastifyPluginAsyncTypebox<{ service: SwitchService }> = async (app, { service }) => {
  app.get(
    "/bridges/:bridge/ports/:port/stats",
    {
      schema: {
        tags: ["ports"],
        summary: "Port counters, link state and MTU",
        params: PortParams,
        response: { 200: PortStatsView, "4xx": ErrorBody, "5xx": ErrorBody },
      },
    },
    async (req) => service.portStats(req.params.bridge, req.params.port),
  );
};
