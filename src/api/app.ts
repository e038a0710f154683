// What: buildApi(service, logger) — the fastify application serving REST API v1 and its OpenAPI
// document (/docs, JSON at /docs/json).
//
// Design: fastify's model: the root instance owns cross-cutting concerns (logger, validator,
// error handler, 404, OpenAPI) and each REST resource is an encapsulated plugin registered under
// /v1 with its schemas beside its routes:
//
//   root ─ swagger, swagger-ui (/docs), error handler (error-reply.ts), 404
//     └─ /v1 ─ health.ts │ bridges.ts │ ports.ts │ port-stats.ts │ fdb.ts │ controllers.ts │ flows.ts
//              │ trace.ts
//
// Bodies are JSON only, parsed with JSON.parse so a malformed body is answered with the parser's
// own words (position included). Validation uses TypeBox's compiler: bodies are checked exactly as sent (no type coercion, no
// silent removal of unknown fields — fastify's default Ajv setup would strip them); params and
// query strings are converted from strings first ("10" → 10).
//
// Invariants: every route has a schema for params/body/query it reads and for its responses;
// every error leaves as {error, message} (error-reply.ts).
//
// Threading: main thread. The caller listens (or injects) and closes the instance.

import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import { TypeBoxValidatorCompiler } from "@fastify/type-provider-typebox";
import Fastify, { LogController } from "fastify";
import type { Logger } from "pino";
import type { ObserveSource } from "../observe/dataplane-observer.ts";
import type { SwitchService } from "../switch/switch-service.ts";
import { bridgesPlugin } from "./bridges.ts";
import { capturePlugin } from "./capture.ts";
import { type ControllerStatusSource, controllersPlugin } from "./controllers.ts";
import { datapathPlugin } from "./datapath.ts";
import { errorReply } from "./error-reply.ts";
import { ERR_EMPTY_BODY, ERR_MALFORMED_JSON, ERR_ROUTE_NOT_FOUND } from "./errors.ts";
import { fdbPlugin } from "./fdb.ts";
import { type FlowBridges, flowsPlugin } from "./flows.ts";
import { healthPlugin, WASMVS_VERSION } from "./health.ts";
import { metricsPlugin } from "./metrics.ts";
import { portStatsPlugin } from "./port-stats.ts";
import { portsPlugin } from "./ports.ts";
import { type TraceTargets, tracePlugin } from "./trace.ts";

export interface ApiOptions {
  /** When the daemon started (ms since epoch), for /v1/health uptime; default: now. */
  startedAt?: number;
  /** The live dataplane's trace targets; without them trace answers NO_DATAPATH. */
  traceTargets?: TraceTargets;
  /** The bridges' OpenFlow tables (the live dataplane); without it /flows answers NO_DATAPATH. */
  flows?: FlowBridges;
  /** Live state of each bridge's controller connections (the daemon's OpenFlow side). */
  controllerStatus?: ControllerStatusSource;
  /** The running datapath's observation surface (dpctl, capture, /metrics); none: no datapath. */
  observe?: ObserveSource;
}

export async function buildApi(service: SwitchService, logger: Logger, opts: ApiOptions = {}) {
  const app = Fastify({
    loggerInstance: logger.child({ module: "api" }),
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1 << 20,
  });
  app.setValidatorCompiler(TypeBoxValidatorCompiler);
  // JSON only: plain text would reach the schema as a string and read as a confusing type error.
  app.removeContentTypeParser("text/plain");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_req, text, done) => {
    const body = String(text);
    if (body.trim() === "") return done(ERR_EMPTY_BODY(), undefined);
    try {
      done(null, JSON.parse(body));
    } catch (err) {
      done(ERR_MALFORMED_JSON((err as Error).message), undefined);
    }
  });
  app.setErrorHandler(errorReply);
  app.setNotFoundHandler((req, reply) => {
    const err = ERR_ROUTE_NOT_FOUND(req.method, req.url);
    void reply.code(err.statusCode).send({ error: err.code, message: err.message });
  });
  app.addHook("onResponse", async (req, reply) => {
    req.log.debug({ method: req.method, url: req.url, status: reply.statusCode, ms: reply.elapsedTime }, "request");
  });

  await app.register(swagger, {
    openapi: {
      openapi: "3.0.3",
      info: {
        title: "wasmvs REST API",
        version: WASMVS_VERSION,
        description: "Configure bridges, ports, VLANs and the MAC table of a wasmvs switch.",
      },
      tags: [
        { name: "health", description: "liveness" },
        { name: "bridges", description: "bridges and their settings" },
        { name: "ports", description: "ports, VLAN settings and counters" },
        { name: "fdb", description: "MAC table: learned and static entries" },
        { name: "trace", description: "what the switch does with a packet, and why" },
        { name: "flows", description: "OpenFlow rules in ovs-ofctl flow syntax" },
        { name: "controllers", description: "OpenFlow controllers of a bridge and their connections" },
        { name: "datapath", description: "the fast path's megaflows and counters (dpctl)" },
      ],
    },
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });
  await app.register(metricsPlugin, { service, observe: opts.observe });

  await app.register(
    async (v1) => {
      await v1.register(healthPlugin, { startedAt: opts.startedAt ?? Date.now() });
      await v1.register(bridgesPlugin, { service });
      await v1.register(portsPlugin, { service });
      await v1.register(portStatsPlugin, { service });
      await v1.register(fdbPlugin, { service });
      await v1.register(tracePlugin, { service, targets: opts.traceTargets });
      await v1.register(flowsPlugin, { service, bridges: opts.flows });
      await v1.register(controllersPlugin, { service, controllerStatus: opts.controllerStatus });
      await v1.register(datapathPlugin, { observe: opts.observe });
      await v1.register(capturePlugin, { observe: opts.observe });
    },
    { prefix: "/v1" },
  );
  await app.ready();
  return app;
}
export type Api = Awaited<ReturnType<typeof buildApi>>;
