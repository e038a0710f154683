// What: the controllers resource of a bridge — GET/PUT/DELETE /v1/bridges/{bridge}/controllers:
// the OpenFlow targets the bridge dials (tcp:, ssl:, unix:) or listens on (ptcp:, pssl:, punix:),
// and, per target, its live connection state.
//
// Design: an encapsulated fastify plugin with its schemas beside the routes. PUT replaces the
// whole list (as `ovs-vsctl set-controller` does) and DELETE empties it; both go through
// SwitchService.setControllers (validated by controller-rules.ts with the connections' own
// target parser, persisted through the journal before the answer). Connection state comes from
// the daemon's OpenFlow connection manager through `controllerStatus`; a daemon without one
// (--no-datapath) reports every target as "inactive".
//
// Invariants: PUT/DELETE answer only after the change is durable; the connections follow the
// bridge-changed event, so the state in the answer may still be "connecting".
//
// Threading: main thread.

import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { type Static, Type } from "typebox";
import type { BridgeConfig } from "../config/model.ts";
import type { ControllerStatus } from "../ofproto/of-controller-set.ts";
import { MAX_CONTROLLERS } from "../switch/controller-rules.ts";
import type { SwitchService } from "../switch/switch-service.ts";
import { ErrorBody } from "./errors.ts";
import { BridgeParams } from "./ports.ts";

/** Per-target live state of a bridge's controllers (undefined: the daemon runs no OpenFlow). */
export type ControllerStatusSource = (
  bridge: string,
) => { controllers: ControllerStatus[]; failOpen: boolean } | undefined;

const Target = Type.String({
  minLength: 1,
  maxLength: 4096,
  description: "tcp:HOST[:PORT], ssl:HOST[:PORT], unix:PATH, ptcp:[PORT][:IP], pssl:[PORT][:IP] or punix:PATH",
});

const ControllersBody = Type.Object(
  { targets: Type.Array(Target, { maxItems: MAX_CONTROLLERS }) },
  { additionalProperties: false, title: "ControllersSet" },
);

const ConnectionView = Type.Object(
  {
    peer: Type.String(),
    role: Type.String({ description: "equal, master or slave" }),
  },
  { title: "ControllerConnection" },
);

const ControllerView = Type.Object(
  {
    target: Type.String(),
    mode: Type.Enum(["active", "passive"]),
    state: Type.Enum(["connecting", "backoff", "connected", "listening", "error", "inactive"], {
      description: "inactive: this daemon runs no OpenFlow (--no-datapath)",
    }),
    connected: Type.Boolean(),
    bound: Type.Optional(Type.String({ description: "the address a passive target is bound to" })),
    lastError: Type.Optional(Type.String()),
    connections: Type.Array(ConnectionView),
  },
  { title: "Controller" },
);

const ControllersView = Type.Object(
  {
    bridge: Type.String(),
    targets: Type.Array(Type.String()),
    failOpen: Type.Boolean({
      description: "a standalone bridge whose controllers are all unreachable is switching with NORMAL",
    }),
    controllers: Type.Array(ControllerView),
  },
  { title: "Controllers" },
);

const errors = { "4xx": ErrorBody, "5xx": ErrorBody };

function controllersView(b: BridgeConfig, source?: ControllerStatusSource): Static<typeof ControllersView> {
  const status = source?.(b.name);
  const live = new Map((status?.controllers ?? []).map((s) => [s.target, s]));
  return {
    bridge: b.name,
    targets: [...b.controllers],
    failOpen: status?.failOpen ?? false,
    controllers: b.controllers.map(
      (t) =>
        live.get(t) ?? {
          target: t,
          mode: /^p(tcp|ssl|unix):/.test(t) ? "passive" : "active",
          state: source ? "connecting" : "inactive",
          connected: false,
          connections: [],
        },
    ),
  };
}

export const controllersPlugin: FastifyPluginAsyncTypebox<{
  service: SwitchService;
  controllerStatus?: ControllerStatusSource;
}> = async (app, { service, controllerStatus }) => {
  const path = "/bridges/:bridge/controllers";

  app.get(
    path,
    {
      schema: {
        tags: ["controllers"],
        summary: "Show the bridge's controller targets and their connections",
        params: BridgeParams,
        response: { 200: ControllersView, ...errors },
      },
    },
    async (req) => controllersView(service.getBridge(req.params.bridge), controllerStatus),
  );

  app.put(
    path,
    {
      schema: {
        tags: ["controllers"],
        summary: "Replace the bridge's controller targets",
        params: BridgeParams,
        body: ControllersBody,
        response: { 200: ControllersView, ...errors },
      },
    },
    async (req) => controllersView(await service.setControllers(req.params.bridge, req.body.targets), controllerStatus),
  );

  app.delete(
    path,
    {
      schema: {
        tags: ["controllers"],
        summary: "Remove every controller target of the bridge",
        params: BridgeParams,
        response: { 200: ControllersView, ...errors },
      },
    },
    async (req) => controllersView(await service.setControllers(req.params.bridge, []), controllerStatus),
  );
};
