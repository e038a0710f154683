// What: GET /metrics — the switch's Prometheus metrics in the text exposition format
// (src/observe/metrics.ts builds the registry), with prom-client's own Content-Type.
//
// Design: registered at the root, not under /v1, where scrapers expect it; hidden from the
// OpenAPI document (the v1 API's), its format being Prometheus's.
//
// Threading: main thread.

import type { FastifyPluginAsync } from "fastify";
import type { ObserveSource } from "../observe/dataplane-observer.ts";
import { createSwitchMetrics } from "../observe/metrics.ts";
import type { SwitchService } from "../switch/switch-service.ts";

export const metricsPlugin: FastifyPluginAsync<{ service: SwitchService; observe?: ObserveSource }> = async (
  app,
  { service, observe },
) => {
  const { registry } = createSwitchMetrics(service, observe);
  app.get("/metrics", { schema: { hide: true, summary: "Prometheus metrics (text format)" } }, async (_req, reply) => {
    const body = await registry.metrics();
    return reply.header("content-type", registry.contentType).send(body);
  });
};
