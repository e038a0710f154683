// What: the ports resource — GET/POST /v1/bridges/{bridge}/ports and
// GET/PATCH/DELETE /v1/bridges/{bridge}/ports/{port} — and the port JSON schemas.
//
// Design: an encapsulated fastify plugin with its schemas beside the routes. Schemas reject
// unknown fields (additionalProperties: false) and document ranges; the SwitchService applies
// the semantic rules (duplicate names, ofports, VLAN mode, netdev exists, type options).
// A VLAN id is 1..4094 everywhere on the wire: "no tag" is expressed by omitting `tag`.
//
// Invariants: handlers return only after the service persisted the change.
//
// Threading: main thread.

import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { type Static, Type } from "typebox";
import type { PortConfig } from "../config/model.ts";
import { OFPORT_MAX, PORT_TYPES, VLAN_MAX, VLAN_MIN, VLAN_MODES } from "../switch/port-rules.ts";
import type { SwitchService } from "../switch/switch-service.ts";
import { ErrorBody } from "./errors.ts";

export const VlanId = Type.Integer({ minimum: VLAN_MIN, maximum: VLAN_MAX, description: "VLAN id, 1..4094" });

const PortTypeSchema = Type.Enum([...PORT_TYPES], { description: "port backend" });
const VlanModeSchema = Type.Enum([...VLAN_MODES], {
  description: "access (untagged, in `tag`), trunk (`trunks`, empty = all), native-tagged/untagged (`tag` is native)",
});
const PortOptions = Type.Object(
  {},
  {
    additionalProperties: Type.String({ maxLength: 4096 }),
    description:
      "type-specific options: internal/tap: mtu; vhost-user: socket; vhost-user-client: socket, reconnect-ms",
  },
);

export const PortView = Type.Object(
  {
    name: Type.String(),
    type: PortTypeSchema,
    ofport: Type.Integer({ description: "OpenFlow port number" }),
    vlanMode: VlanModeSchema,
    tag: Type.Optional(VlanId),
    trunks: Type.Array(VlanId),
    adminDown: Type.Boolean(),
    options: PortOptions,
  },
  { title: "Port" },
);

const PortFields = {
  vlanMode: Type.Optional(VlanModeSchema),
  tag: Type.Optional(VlanId),
  trunks: Type.Optional(Type.Array(VlanId, { maxItems: VLAN_MAX })),
  adminDown: Type.Optional(Type.Boolean()),
  ofport: Type.Optional(
    Type.Integer({ minimum: 1, maximum: OFPORT_MAX, description: "requested OpenFlow port; default: lowest free" }),
  ),
  options: Type.Optional(PortOptions),
};

const PortCreateBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 64 }), type: PortTypeSchema, ...PortFields },
  { additionalProperties: false, title: "PortCreate" },
);
const PortUpdateBody = Type.Object(
  { type: Type.Optional(PortTypeSchema), ...PortFields },
  { additionalProperties: false, title: "PortUpdate" },
);

export const BridgeParams = Type.Object({ bridge: Type.String({ description: "bridge name" }) });
export const PortParams = Type.Object({
  bridge: Type.String({ description: "bridge name" }),
  port: Type.String({ description: "port name" }),
});

const errors = { "4xx": ErrorBody, "5xx": ErrorBody };

/** The wire form of a port: `tag` omitted when the port has none. */
export function portView(p: PortConfig): Static<typeof PortView> {
  const { tag, ...rest } = p;
  return tag === 0 ? rest : { ...rest, tag };
}

export const portsPlugin: FastifyPluginAsyncTypebox<{ service: SwitchService }> = async (app, { service }) => {
  app.get(
    "/bridges/:bridge/ports",
    {
      schema: {
        tags: ["ports"],
        summary: "List a bridge's ports",
        params: BridgeParams,
        response: { 200: Type.Array(PortView), ...errors },
      },
    },
    async (req) => service.listPorts(req.params.bridge).map(portView),
  );

  app.post(
    "/bridges/:bridge/ports",
    {
      schema: {
        tags: ["ports"],
        summary: "Add a port",
        params: BridgeParams,
        body: PortCreateBody,
        response: { 201: PortView, ...errors },
      },
    },
    async (req, reply) => {
      const body = req.body;
      const port = await service.addPort(req.params.bridge, {
        ...body,
        options: body.options as Record<string, string>,
      });
      return reply.code(201).send(portView(port));
    },
  );

  app.get(
    "/bridges/:bridge/ports/:port",
    {
      schema: { tags: ["ports"], summary: "Show a port", params: PortParams, response: { 200: PortView, ...errors } },
    },
    async (req) => portView(service.getPort(req.params.bridge, req.params.port)),
  );

  app.patch(
    "/bridges/:bridge/ports/:port",
    {
      schema: {
        tags: ["ports"],
        summary: "Change a port (only the fields given)",
        params: PortParams,
        body: PortUpdateBody,
        response: { 200: PortView, ...errors },
      },
    },
    async (req) => {
      const body = req.body;
      const patch = { ...body, options: body.options as Record<string, string> | undefined };
      return portView(await service.updatePort(req.params.bridge, req.params.port, patch));
    },
  );

  app.delete(
    "/bridges/:bridge/ports/:port",
    {
      schema: {
        tags: ["ports"],
        summary: "Delete a port (and the static MACs on it)",
        params: PortParams,
        response: { 200: PortView, ...errors },
      },
    },
    async (req) => portView(await service.deletePort(req.params.bridge, req.params.port)),
  );
};
