// What: the OpenFlow rules of a bridge over REST, in ovs-ofctl's flow syntax:
//   GET  /v1/bridges/{bridge}/flows?table=&match=   flows with their text, counters, duration
//   POST /v1/bridges/{bridge}/flows          {"flows": ["LINE", ...]}   add, all or nothing
//   POST /v1/bridges/{bridge}/flows/modify   {"flow": "LINE", "strict": bool}
//   POST /v1/bridges/{bridge}/flows/delete   {"match": "MATCH", "strict": bool}   ("" or absent: all)
//
// Design: an encapsulated fastify plugin; the text syntax is openflow/flow-format.ts. Deletion
// is a POST to …/flows/delete rather than DELETE with a body, which OpenAPI 3.0 does not
// describe and some HTTP clients drop. Every line is parsed before anything changes: a bad
// line is 400 INVALID_FLOW naming the line (1-based) and the token. A batch then goes through
// applyFlowBatch (src/ofproto/flow-batch.ts), which refuses it whole or applies it whole; a
// refusal is FLOW_REFUSED (400) or, for OVERLAP / TABLE_FULL, FLOW_CONFLICT (409), with the
// OpenFlow error's type/code names in the message. The bridge's flow tables are reached through
// FlowBridges (the live dataplane's ofBridge); without a datapath the answer is 409 NO_DATAPATH.
// A deleted flow that asked for it (send_flow_rem) is announced to the bridge's OpenFlow
// connections as FLOW_REMOVED (reason DELETE), as a delete from a controller would be: the
// bridge's flowMod goes through Ofproto, which notifies its FLOW_REMOVED subscribers.
//
// Invariants: a 2xx to a change is sent only after the change is in the tables AND the
// datapath fence resolved (as a BARRIER_REPLY): traffic after the reply follows the new tables.
//
// Threading: main thread.

import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { FLOW_MOD_FAILED, OFPET, OfpError } from "../../openflow/errors.ts";
import {
  FLAG_WORDS,
  type FlowCommand,
  flowModOf,
  formatFlowEntry,
  formatFlowStats,
  parseFlow,
} from "../../openflow/flow-format.ts";
import { formatInstructions } from "../../openflow/instruction-format.ts";
import { formatMatch } from "../../openflow/match/match-format.ts";
import type { FlowStats } from "../../openflow/messages/flow-stats.ts";
import { applyFlowBatch, FlowBatchError } from "../ofproto/flow-batch.ts";
import type { OfBridge } from "../ofproto/of-handlers/handler-context.ts";
import { flowStats } from "../ofproto/rule-stats.ts";
import type { SwitchService } from "../switch/switch-service.ts";
import {
  ERR_BRIDGE_NOT_IN_DATAPATH,
  ERR_FLOW_CONFLICT,
  ERR_FLOW_REFUSED,
  ERR_INVALID_FLOW,
  ERR_NO_DATAPATH,
  ErrorBody,
  type WasmvsError,
} from "./errors.ts";
import { BridgeParams } from "./ports.ts";

/** The flow tables of running bridges: undefined when the bridge is not in the datapath. */
export interface FlowBridges {
  ofBridge(name: string): OfBridge | undefined;
}

const U64_MAX = (1n << 64n) - 1n;

const FlowView = Type.Object(
  {
    table: Type.Integer(),
    priority: Type.Integer(),
    cookie: Type.String({ description: "hex, e.g. 0x1f" }),
    durationSeconds: Type.Number(),
    packets: Type.Union([Type.Integer(), Type.Null()], { description: "null: not counted (no_packet_counts)" }),
    bytes: Type.Union([Type.Integer(), Type.Null()], { description: "null: not counted (no_byte_counts)" }),
    idleTimeout: Type.Integer(),
    hardTimeout: Type.Integer(),
    flags: Type.Array(Type.String()),
    match: Type.String({ description: "the match in ovs-ofctl syntax" }),
    actions: Type.String({ description: "the instructions as after actions=" }),
    flow: Type.String({ description: "a `flow add` line that re-creates this flow" }),
    dump: Type.String({ description: "the line ovs-ofctl -O OpenFlow13 dump-flows prints" }),
  },
  { title: "Flow" },
);

const FlowsQuery = Type.Object(
  {
    table: Type.Optional(Type.Integer({ minimum: 0, maximum: 255, description: "only this table" })),
    match: Type.Optional(Type.String({ maxLength: 4096, description: "ovs-ofctl match (cookie=V/M, out_port= also)" })),
  },
  { additionalProperties: false },
);
const AddBody = Type.Object(
  { flows: Type.Array(Type.String({ maxLength: 8192 }), { minItems: 1, maxItems: 100_000 }) },
  { additionalProperties: false, title: "FlowAdd" },
);
const ModifyBody = Type.Object(
  { flow: Type.String({ minLength: 1, maxLength: 8192 }), strict: Type.Optional(Type.Boolean()) },
  { additionalProperties: false, title: "FlowModify" },
);
const DeleteBody = Type.Object(
  { match: Type.Optional(Type.String({ maxLength: 8192 })), strict: Type.Optional(Type.Boolean()) },
  { additionalProperties: false, title: "FlowDelete" },
);

const errors = { "4xx": ErrorBody, "5xx": ErrorBody };

function flowView(fs: FlowStats) {
  const count = (n: bigint) => (n === U64_MAX ? null : Number(n));
  return {
    table: fs.tableId,
    priority: fs.priority,
    cookie: `0x${fs.cookie.toString(16)}`,
    durationSeconds: fs.durationSec + fs.durationNsec / 1e9,
    packets: count(fs.packetCount),
    bytes: count(fs.byteCount),
    idleTimeout: fs.idleTimeout,
    hardTimeout: fs.hardTimeout,
    flags: FLAG_WORDS.filter(([, bit]) => fs.flags & bit).map(([w]) => w),
    match: formatMatch(fs.match),
    actions: formatInstructions(fs.instructions),
    flow: formatFlowEntry(fs),
    dump: formatFlowStats(fs).trimStart(),
  };
}

/** The catalog error for an OpenFlow refusal of `what` ("line 3: ..."). */
function refusal(e: OfpError, what: string): WasmvsError {
  const conflict =
    e.errType === OFPET.FLOW_MOD_FAILED &&
    (e.errCode === FLOW_MOD_FAILED.OVERLAP || e.errCode === FLOW_MOD_FAILED.TABLE_FULL);
  return (conflict ? ERR_FLOW_CONFLICT : ERR_FLOW_REFUSED)(`${what}: ${e.message}`);
}

function parseOrThrow(text: string, command: FlowCommand, what: string) {
  try {
    return parseFlow(text, command);
  } catch (e) {
    const msg = (e as Error).message;
    throw ERR_INVALID_FLOW(msg.startsWith(`${what}:`) ? msg : `${what}: ${msg}`);
  }
}

export const flowsPlugin: FastifyPluginAsyncTypebox<{ service: SwitchService; bridges?: FlowBridges }> = async (
  app,
  { service, bridges },
) => {
  const bridgeOf = (name: string): OfBridge => {
    service.getBridge(name); // 404 BRIDGE_NOT_FOUND first
    if (!bridges) throw ERR_NO_DATAPATH(`bridge "${name}" has no flow tables`);
    const b = bridges.ofBridge(name);
    if (!b) throw ERR_BRIDGE_NOT_IN_DATAPATH(name);
    return b;
  };

  /** One FLOW_MOD (modify or delete), fenced; OfpError → catalog error. */
  const applyOne = async (bridge: OfBridge, text: string, command: Exclude<FlowCommand, "add" | "dump">) => {
    const spec = parseOrThrow(text, command, "flow");
    try {
      const result = bridge.flowMod(flowModOf(spec, command));
      await bridge.fence();
      return result;
    } catch (e) {
      if (e instanceof OfpError) throw refusal(e, "the flow");
      throw e;
    }
  };

  app.get(
    "/bridges/:bridge/flows",
    {
      schema: {
        tags: ["flows"],
        summary: "List OpenFlow rules (optionally of one table, matching an ovs-ofctl match)",
        params: BridgeParams,
        querystring: FlowsQuery,
        response: { 200: Type.Array(FlowView), ...errors },
      },
    },
    async (req) => {
      const bridge = bridgeOf(req.params.bridge);
      const spec = parseOrThrow(req.query.match ?? "", "dump", "match");
      const tableId = req.query.table ?? spec.tableId;
      try {
        return flowStats(bridge.tables(), { part: "flow", ...spec, tableId }, bridge.now()).map(flowView);
      } catch (e) {
        if (e instanceof OfpError) throw refusal(e, "the match");
        throw e;
      }
    },
  );

  app.post(
    "/bridges/:bridge/flows",
    {
      // ovs-ofctl add-flows files run to 100,000 lines (the flow-mod benchmark).
      bodyLimit: 32 << 20,
      schema: {
        tags: ["flows"],
        summary: "Add flows (ovs-ofctl add-flow lines): all are applied, or none",
        params: BridgeParams,
        body: AddBody,
        response: { 201: Type.Object({ added: Type.Integer() }), ...errors },
      },
    },
    async (req, reply) => {
      const bridge = bridgeOf(req.params.bridge);
      const mods = req.body.flows.map((line, i) => flowModOf(parseOrThrow(line, "add", `line ${i + 1}`), "add"));
      try {
        applyFlowBatch(bridge, mods);
      } catch (e) {
        if (e instanceof FlowBatchError) throw refusal(e.cause, `line ${e.index + 1}`);
        throw e;
      }
      await bridge.fence();
      return reply.code(201).send({ added: mods.length });
    },
  );

  app.post(
    "/bridges/:bridge/flows/modify",
    {
      schema: {
        tags: ["flows"],
        summary: "Replace the actions of the flows a line selects (strict: same match and priority)",
        params: BridgeParams,
        body: ModifyBody,
        response: { 200: Type.Object({ modified: Type.Integer() }), ...errors },
      },
    },
    async (req) => {
      const bridge = bridgeOf(req.params.bridge);
      const r = await applyOne(bridge, req.body.flow, req.body.strict ? "modify_strict" : "modify");
      return { modified: r.modified.length };
    },
  );

  app.post(
    "/bridges/:bridge/flows/delete",
    {
      schema: {
        tags: ["flows"],
        summary: "Delete the flows a match selects (all flows when the match is empty)",
        params: BridgeParams,
        body: DeleteBody,
        response: { 200: Type.Object({ deleted: Type.Integer() }), ...errors },
      },
    },
    async (req) => {
      const bridge = bridgeOf(req.params.bridge);
      const r = await applyOne(bridge, req.body.match ?? "", req.body.strict ? "delete_strict" : "delete");
      return { deleted: r.removed.length };
    },
  );
};
