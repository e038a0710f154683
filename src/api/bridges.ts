// What: the bridges resource — GET/POST /v1/bridges and GET/PATCH/DELETE /v1/bridges/{bridge} —
// and the bridge JSON schemas.
//
// Design: an encapsulated fastify plugin with its schemas beside the routes. The wire form shows
// effective values (MAC aging 300 s and table size 8192 when the stored value is 0 = default)
// and the datapath id as 16 hex digits (JSON has no 64-bit integers).
//
// Invariants: handlers return only after the service persisted the change.
//
// Threading: main thread.

import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { type Static, Type } from "typebox";
import { type BridgeConfig, DEFAULT_MAC_AGING_SECONDS, DEFAULT_MAC_TABLE_SIZE } from "../config/model.ts";
import {
  FAIL_MODES,
  MAC_AGING_MAX_SECONDS,
  MAC_AGING_MIN_SECONDS,
  MAC_TABLE_SIZE_MAX,
  MAC_TABLE_SIZE_MIN,
} from "../switch/bridge-rules.ts";
import type { SwitchService } from "../switch/switch-service.ts";
import { ErrorBody } from "./errors.ts";
import { StaticMacView } from "./fdb.ts";
import { BridgeParams, PortView, portView } from "./ports.ts";

const FailModeSchema = Type.Enum([...FAIL_MODES], {
  description: "standalone: NORMAL L2 switching without a controller; secure: drop misses",
});
const MacAging = Type.Integer({
  minimum: MAC_AGING_MIN_SECONDS,
  maximum: MAC_AGING_MAX_SECONDS,
  description: `seconds a learned MAC lives (default ${DEFAULT_MAC_AGING_SECONDS})`,
});
const MacTableSize = Type.Integer({
  minimum: MAC_TABLE_SIZE_MIN,
  maximum: MAC_TABLE_SIZE_MAX,
  description: `MAC table entries before eviction (default ${DEFAULT_MAC_TABLE_SIZE})`,
});

export const BridgeView = Type.Object(
  {
    name: Type.String(),
    failMode: FailModeSchema,
    macAgingSeconds: Type.Integer(),
    macTableSize: Type.Integer(),
    datapathId: Type.String({ description: "16 hex digits; all zero = derived from the bridge MAC" }),
    controllers: Type.Array(Type.String()),
    ports: Type.Array(PortView),
    staticMacs: Type.Array(StaticMacView),
  },
  { title: "Bridge" },
);

const BridgeCreateBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64 }),
    failMode: Type.Optional(FailModeSchema),
    macAgingSeconds: Type.Optional(MacAging),
    macTableSize: Type.Optional(MacTableSize),
  },
  { additionalProperties: false, title: "BridgeCreate" },
);
const BridgeUpdateBody = Type.Object(
  {
    failMode: Type.Optional(FailModeSchema),
    macAgingSeconds: Type.Optional(MacAging),
    macTableSize: Type.Optional(MacTableSize),
  },
  { additionalProperties: false, title: "BridgeUpdate" },
);

const errors = { "4xx": ErrorBody, "5xx": ErrorBody };

export function bridgeView(b: BridgeConfig): Static<typeof BridgeView> {
  return {
    name: b.name,
    failMode: b.failMode,
    macAgingSeconds: b.macAgingSeconds || DEFAULT_MAC_AGING_SECONDS,
    macTableSize: b.macTableSize || DEFAULT_MAC_TABLE_SIZE,
    datapathId: b.datapathId.toString(16).padStart(16, "0"),
    controllers: [...b.controllers],
    ports: b.ports.map(portView),
    staticMacs: b.staticMacs.map((s) => ({ ...s })),
  };
}

export const bridgesPlugin: FastifyPluginAsyncTypebox<{ service: SwitchService }> = async (app, { service }) => {
  app.get(
    "/bridges",
    { schema: { tags: ["bridges"], summary: "List bridges", response: { 200: Type.Array(BridgeView), ...errors } } },
    async () => service.listBridges().map(bridgeView),
  );

  app.post(
    "/bridges",
    {
      schema: {
        tags: ["bridges"],
        summary: "Create a bridge",
        body: BridgeCreateBody,
        response: { 201: BridgeView, ...errors },
      },
    },
    async (req, reply) => reply.code(201).send(bridgeView(await service.createBridge(req.body))),
  );

  app.get(
    "/bridges/:bridge",
    {
      schema: {
        tags: ["bridges"],
        summary: "Show a bridge",
        params: BridgeParams,
        response: { 200: BridgeView, ...errors },
      },
    },
    async (req) => bridgeView(service.getBridge(req.params.bridge)),
  );

  app.patch(
    "/bridges/:bridge",
    {
      schema: {
        tags: ["bridges"],
        summary: "Change bridge settings (only the fields given)",
        params: BridgeParams,
        body: BridgeUpdateBody,
        response: { 200: BridgeView, ...errors },
      },
    },
    async (req) => bridgeView(await service.updateBridge(req.params.bridge, req.body)),
  );

  app.delete(
    "/bridges/:bridge",
    {
      schema: {
        tags: ["bridges"],
        summary: "Delete a bridge and its ports",
        params: BridgeParams,
        response: { 200: BridgeView, ...errors },
      },
    },
    async (req) => bridgeView(await service.deleteBridge(req.params.bridge)),
  );
};
