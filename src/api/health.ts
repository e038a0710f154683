// What: GET /v1/health — liveness and readiness: answers once the daemon serves REST.
//
// Design: an encapsulated fastify plugin; the version is read once from package.json.
//
// Threading: main thread.

import { readFileSync } from "node:fs";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";

export const WASMVS_VERSION: string = JSON.parse(
  readFileSync(new URL("../../package.json", import.meta.url), "utf8"),
).version;

const HealthView = Type.Object(
  { status: Type.Literal("ok"), version: Type.String(), uptimeSeconds: Type.Number() },
  { title: "Health" },
);

export const healthPlugin: FastifyPluginAsyncTypebox<{ startedAt: number }> = async (app, { startedAt }) => {
  app.get(
    "/health",
    { schema: { tags: ["health"], summary: "Liveness and readiness", response: { 200: HealthView } } },
    async () => ({
      status: "ok" as const,
      version: WASMVS_VERSION,
      uptimeSeconds: Math.round((Date.now() - startedAt) / 10) / 100,
    }),
  );
};
