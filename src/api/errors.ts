// What: the one catalog of wasmvs user-facing errors — every code a REST client or the CLI can
// see, with its HTTP status and message template.
//
// Design: fastify's lib/errors.js model. `createError(code, message, status)` returns a factory;
// calling the factory with the template's arguments gives a `WasmvsError` carrying `code`,
// `statusCode` and the formatted message. The switch service throws these (so a semantic rule
// and its status live in one place), and the API's error handler turns any `WasmvsError` into
// the body {error: CODE, message}. Messages name the field and the offending value.
//
// Invariants: codes are unique (checked at module load); every user error is 4xx; only
// PERSISTENCE_FAILED, UNAVAILABLE (starting/stopping) and INTERNAL are 5xx — the switch's
// state or fault, never the caller's input. The service imports this catalog too (one source of
// truth for code, status and wording), so src/switch depends on src/api/errors.ts and nothing
// else under src/api.
//
// Threading: main thread only; the catalog is immutable after load.

import { format } from "node:util";
import { Type } from "typebox";

export class WasmvsError extends Error {
  readonly code: string;
  readonly statusCode: number;

  constructor(code: string, message: string, statusCode: number) {
    super(message);
    this.name = "WasmvsError";
    this.code = code;
    this.statusCode = statusCode;
  }
}

export interface WasmvsErrorFactory {
  (...args: Array<string | number>): WasmvsError;
  readonly code: string;
  readonly statusCode: number;
}

const catalog = new Map<string, WasmvsErrorFactory>();

/** Declares one catalog entry. `message` is a util.format template (%s, %d). */
export function createError(code: string, message: string, statusCode: number): WasmvsErrorFactory {
  if (catalog.has(code)) throw new Error(`duplicate error code ${code}`);
  const factory = (...args: Array<string | number>) => new WasmvsError(code, format(message, ...args), statusCode);
  const entry = Object.assign(factory, { code, statusCode });
  catalog.set(code, entry);
  return entry;
}

/** Every catalog entry, for documentation and tests. */
export function errorCatalog(): ReadonlyMap<string, WasmvsErrorFactory> {
  return catalog;
}

// Request shape (produced by the API layer from fastify's own errors).
export const ERR_MALFORMED_JSON = createError("MALFORMED_JSON", "request body is not valid JSON: %s", 400);
export const ERR_EMPTY_BODY = createError("EMPTY_BODY", "request body is empty; send a JSON object", 400);
export const ERR_UNSUPPORTED_MEDIA_TYPE = createError(
  "UNSUPPORTED_MEDIA_TYPE",
  "content type %s is not supported; send application/json",
  415,
);
export const ERR_BODY_TOO_LARGE = createError("BODY_TOO_LARGE", "request body is larger than %d bytes", 413);
export const ERR_UNKNOWN_FIELD = createError("UNKNOWN_FIELD", "%s", 400);
export const ERR_INVALID_FIELD = createError("INVALID_FIELD", "%s", 400);
export const ERR_ROUTE_NOT_FOUND = createError("ROUTE_NOT_FOUND", "no route %s %s", 404);

// Bridges.
export const ERR_BRIDGE_NOT_FOUND = createError("BRIDGE_NOT_FOUND", 'bridge "%s" does not exist', 404);
export const ERR_BRIDGE_EXISTS = createError("BRIDGE_EXISTS", 'bridge "%s" already exists', 409);
export const ERR_INVALID_NAME = createError("INVALID_NAME", "%s", 400);
export const ERR_INVALID_BRIDGE_SETTING = createError("INVALID_BRIDGE_SETTING", "%s", 400);
export const ERR_INVALID_CONTROLLER_TARGET = createError("INVALID_CONTROLLER_TARGET", "%s", 400);

// Ports.
export const ERR_PORT_NOT_FOUND = createError("PORT_NOT_FOUND", 'port "%s" does not exist on bridge "%s"', 404);
export const ERR_PORT_EXISTS = createError("PORT_EXISTS", 'port name "%s" is already used on bridge "%s"', 409);
export const ERR_OFPORT_IN_USE = createError(
  "OFPORT_IN_USE",
  'ofport %d is already used by port "%s" on bridge "%s"',
  409,
);
export const ERR_INVALID_OFPORT = createError("INVALID_OFPORT", "ofport %s is out of range: use 1..%d", 400);
export const ERR_OFPORTS_EXHAUSTED = createError("OFPORTS_EXHAUSTED", 'bridge "%s" has no free ofport left', 409);
export const ERR_INVALID_VLAN = createError("INVALID_VLAN", "%s %s is not a valid VLAN id: use 1..4094", 400);
export const ERR_INVALID_VLAN_CONFIG = createError("INVALID_VLAN_CONFIG", "%s", 400);
export const ERR_NETDEV_NOT_FOUND = createError(
  "NETDEV_NOT_FOUND",
  'no network device named "%s" exists on this host (port type %s attaches an existing netdev)',
  400,
);
export const ERR_INVALID_PORT_OPTION = createError("INVALID_PORT_OPTION", "%s", 400);
export const ERR_PORT_NOT_ATTACHED = createError(
  "PORT_NOT_ATTACHED",
  'port "%s" is not attached to the datapath: %s',
  409,
);
export const ERR_NO_DATAPATH = createError(
  "NO_DATAPATH",
  "this daemon runs without a datapath (--no-datapath), so %s",
  409,
);

// Forwarding database.
export const ERR_INVALID_MAC = createError(
  "INVALID_MAC",
  'mac "%s" is not a unicast Ethernet address (use aa:bb:cc:dd:ee:ff)',
  400,
);
export const ERR_STATIC_MAC_EXISTS = createError(
  "STATIC_MAC_EXISTS",
  'a static entry for %s on VLAN %d already exists on bridge "%s"',
  409,
);
export const ERR_STATIC_MAC_NOT_FOUND = createError(
  "STATIC_MAC_NOT_FOUND",
  'no static entry for %s on VLAN %d on bridge "%s"',
  404,
);

// Flows (OpenFlow rules over REST) and datapath views (trace).
export const ERR_INVALID_FLOW = createError("INVALID_FLOW", "%s", 400);
export const ERR_FLOW_REFUSED = createError("FLOW_REFUSED", "the switch refused %s", 400);
export const ERR_FLOW_CONFLICT = createError("FLOW_CONFLICT", "the switch refused %s", 409);
export const ERR_INVALID_TRACE = createError("INVALID_TRACE", "%s", 400);
export const ERR_BRIDGE_NOT_IN_DATAPATH = createError(
  "BRIDGE_NOT_IN_DATAPATH",
  'bridge "%s" is not in the datapath yet; try again',
  409,
);

// The switch's own failures (never the caller's).
export const ERR_PERSISTENCE_FAILED = createError(
  "PERSISTENCE_FAILED",
  "the change was not applied: writing the configuration failed (%s)",
  500,
);
export const ERR_UNAVAILABLE = createError("UNAVAILABLE", "the switch is %s; try again", 503);
export const ERR_INTERNAL = createError("INTERNAL", "internal error: %s", 500);

/** The JSON body of every error response. */
export const ErrorBody = Type.Object(
  {
    error: Type.String({ description: "stable error code from the catalog, e.g. BRIDGE_NOT_FOUND" }),
    message: Type.String({ description: "what is wrong, naming the field and value" }),
  },
  { title: "Error" },
);
