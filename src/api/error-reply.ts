// What: turns anything a route can throw — catalog errors from the switch service, fastify's
// schema-validation errors, body-parser errors — into one JSON shape {error: CODE, message}.
//
// Design: the root instance's error handler (inherited by every encapsulated resource plugin).
// Validation errors are translated into catalog errors with a message that names the field and
// the offending value ("tag 5000 is not a valid VLAN id: use 1..4094", 'unknown field "foo" in
// body'), so a bad VLAN id reads the same whether the schema or the service caught it. Anything
// unrecognized is a 500 INTERNAL and is logged with its stack; user errors are logged at info.
//
// Invariants: a user error never becomes a 5xx; every error body matches ErrorBody.
//
// Threading: main thread, per request.

import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import {
  ERR_BODY_TOO_LARGE,
  ERR_EMPTY_BODY,
  ERR_INTERNAL,
  ERR_INVALID_FIELD,
  ERR_INVALID_VLAN,
  ERR_MALFORMED_JSON,
  ERR_UNKNOWN_FIELD,
  ERR_UNSUPPORTED_MEDIA_TYPE,
  WasmvsError,
} from "./errors.ts";

interface SchemaIssue {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

/** Fields (last path segments) that hold a VLAN id; range errors on them read as INVALID_VLAN. */
const VLAN_FIELD = /^\/(?:tag|vlan|trunks\/(\d+))$/;

function valueAt(root: unknown, pointer: string): unknown {
  let at: unknown = root;
  for (const raw of pointer.split("/").slice(1)) {
    const key = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    if (at === null || typeof at !== "object") return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

function fieldName(context: string, pointer: string): string {
  const parts = pointer.split("/").slice(1);
  return [context, ...parts].join(".").replace(/\.(\d+)(?=\.|$)/g, "[$1]");
}

/** The catalog error for fastify's validation failure of one request part. */
export function validationToError(issues: SchemaIssue[], context: string, request: FastifyRequest): WasmvsError {
  const part = (request as unknown as Record<string, unknown>)[context === "querystring" ? "query" : context];
  // TypeBox reports an extra property twice (as a false sub-schema and as additionalProperties):
  // prefer the readable one, then missing fields, then the first other issue.
  const extra = issues.find((i) => i.keyword === "additionalProperties");
  const names = (extra?.params.additionalProperties ?? [extra?.params.additionalProperty]) as unknown[];
  // An extra property that failed a typed additionalProperties schema (a map of strings) is a
  // bad value, not an unknown field: its own issue sits at the property's path.
  const valueIssue = (i: SchemaIssue) =>
    i.keyword !== "boolean" && i.keyword !== "additionalProperties" && i.instancePath !== extra?.instancePath;
  if (
    extra !== undefined &&
    !issues.some((i) => valueIssue(i) && i.instancePath.startsWith(`${extra.instancePath}/`))
  ) {
    const where = fieldName(context, extra.instancePath);
    return ERR_UNKNOWN_FIELD(`unknown field ${names.map((n) => JSON.stringify(n)).join(", ")} in ${where}`);
  }
  const missing = issues.find((i) => i.keyword === "required");
  if (missing !== undefined) {
    const names = (missing.params.requiredProperties ?? [missing.params.missingProperty]) as unknown[];
    const where = fieldName(context, missing.instancePath);
    return ERR_INVALID_FIELD(`${where} is missing required field ${names.map((n) => JSON.stringify(n)).join(", ")}`);
  }
  const issue = issues.find((i) => i.keyword !== "boolean" && i.keyword !== "additionalProperties") ?? issues[0];
  const value = valueAt(part, issue.instancePath);
  const vlan = VLAN_FIELD.exec(issue.instancePath);
  if (vlan !== null && (issue.keyword === "minimum" || issue.keyword === "maximum")) {
    const field = vlan[1] !== undefined ? `trunks[${vlan[1]}]` : issue.instancePath.slice(1);
    return ERR_INVALID_VLAN(field, String(value));
  }
  const got = value === undefined ? "" : ` (got ${JSON.stringify(value)})`;
  const allowed = issue.keyword === "enum" ? (issue.params.allowedValues as unknown[] | undefined) : undefined;
  const what = allowed !== undefined ? `must be one of ${allowed.join(", ")}` : (issue.message ?? "is invalid");
  return ERR_INVALID_FIELD(`${fieldName(context, issue.instancePath)} ${what}${got}`);
}

/** Maps fastify's own errors (body parser, limits) to catalog errors; undefined if not one. */
function fastifyToError(err: FastifyError, request: FastifyRequest): WasmvsError | undefined {
  switch (err.code) {
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return ERR_MALFORMED_JSON(err.message);
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return ERR_EMPTY_BODY();
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return ERR_UNSUPPORTED_MEDIA_TYPE(String(request.headers["content-type"] ?? "(none)"));
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return ERR_BODY_TOO_LARGE(request.routeOptions.bodyLimit ?? 0);
  }
  // Body parsers report a SyntaxError with status 400 for JSON they cannot parse.
  if (err instanceof SyntaxError && err.statusCode === 400) return ERR_MALFORMED_JSON(err.message);
  return undefined;
}

export function errorReply(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  let mapped: WasmvsError | undefined;
  if (err instanceof WasmvsError) mapped = err;
  else if (err.validation !== undefined) {
    mapped = validationToError(err.validation as SchemaIssue[], err.validationContext ?? "body", request);
  } else mapped = fastifyToError(err, request);

  if (mapped === undefined) {
    if (typeof err.statusCode === "number" && err.statusCode >= 400 && err.statusCode < 500) {
      // A 4xx fastify raised that the catalog does not name yet: keep its status and words.
      mapped = new WasmvsError(err.code ?? "BAD_REQUEST", err.message, err.statusCode);
    } else {
      request.log.error({ err }, "unhandled error");
      mapped = ERR_INTERNAL(err.message);
    }
  } else if (mapped.statusCode >= 500) {
    request.log.error({ err }, mapped.message);
  } else {
    request.log.info({ code: mapped.code, reason: mapped.message }, "request rejected");
  }
  void reply.code(mapped.statusCode).send({ error: mapped.code, message: mapped.message });
}
