// What: the forwarding-database resource of a bridge — GET /v1/bridges/{bridge}/fdb (learned and
// static entries), DELETE …/fdb?port=&vlan= (flush learned entries), POST …/fdb (add a static
// entry), DELETE …/fdb/{vlan}/{mac} (remove a static entry).
//
// Design: an encapsulated fastify plugin with its schemas beside the routes. Static entries are
// configuration (persisted by the service); learned entries come from the DataplaneView.
//
// Invariants: static changes return only after the service persisted them.
//
// Threading: main thread.

import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { SwitchService } from "../switch/switch-service.ts";
import { ErrorBody } from "./errors.ts";
import { BridgeParams, VlanId } from "./ports.ts";

const Mac = Type.String({ maxLength: 64, description: "Ethernet address, aa:bb:cc:dd:ee:ff" });

export const StaticMacView = Type.Object(
  { vlan: Type.Integer(), mac: Type.String(), port: Type.String() },
  { title: "StaticMac" },
);

const FdbEntryView = Type.Object(
  {
    vlan: Type.Integer(),
    mac: Type.String(),
    port: Type.String(),
    ageSeconds: Type.Integer(),
    static: Type.Boolean(),
  },
  { title: "FdbEntry" },
);

const StaticMacBody = Type.Object(
  { vlan: VlanId, mac: Mac, port: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false, title: "StaticMacCreate" },
);

const StaticMacParams = Type.Object({ bridge: Type.String(), vlan: VlanId, mac: Mac });
const FlushQuery = Type.Object(
  {
    port: Type.Optional(Type.String({ minLength: 1, description: "only entries learned on this port" })),
    vlan: Type.Optional(VlanId),
  },
  { additionalProperties: false },
);

const errors = { "4xx": ErrorBody, "5xx": ErrorBody };

export const fdbPlugin: FastifyPluginAsyncTypebox<{ service: SwitchService }> = async (app, { service }) => {
  app.get(
    "/bridges/:bridge/fdb",
    {
      schema: {
        tags: ["fdb"],
        summary: "Show the MAC table (learned and static entries)",
        params: BridgeParams,
        response: { 200: Type.Array(FdbEntryView), ...errors },
      },
    },
    async (req) => service.fdb(req.params.bridge),
  );

  app.delete(
    "/bridges/:bridge/fdb",
    {
      schema: {
        tags: ["fdb"],
        summary: "Flush learned entries (all, or of a port and/or VLAN); static entries stay",
        params: BridgeParams,
        querystring: FlushQuery,
        response: { 200: Type.Object({ flushed: Type.Integer() }), ...errors },
      },
    },
    async (req) => ({ flushed: await service.fdbFlush(req.params.bridge, req.query) }),
  );

  app.post(
    "/bridges/:bridge/fdb",
    {
      schema: {
        tags: ["fdb"],
        summary: "Add a static MAC entry",
        params: BridgeParams,
        body: StaticMacBody,
        response: { 201: StaticMacView, ...errors },
      },
    },
    async (req, reply) => reply.code(201).send(await service.addStaticMac(req.params.bridge, req.body)),
  );

  app.delete(
    "/bridges/:bridge/fdb/:vlan/:mac",
    {
      schema: {
        tags: ["fdb"],
        summary: "Remove a static MAC entry",
        params: StaticMacParams,
        response: { 200: StaticMacView, ...errors },
      },
    },
    async (req) => service.deleteStaticMac(req.params.bridge, req.params.vlan, req.params.mac),
  );
};
