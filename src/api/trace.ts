// What: POST /v1/bridges/{bridge}/trace — what the switch would do with a packet and why
// (`wasmvs trace`; src/ofproto/trace/trace.ts builds the report).
//
// Design: an encapsulated fastify plugin with its schemas beside the route. The request names a
// flow in ovs-ofctl field syntax or carries a whole frame as hex with its input port; the reply
// is the TraceReport as JSON (schema below, so it is in the OpenAPI document) plus `text`, the
// rendering people read (with port names when `names`). A trace without `generate` changes
// nothing; with it, MAC learning happens as for a real packet (nothing else: no install, no
// packet sent, no rule or group counter credited, no packet-in). Input mistakes are 400 INVALID_TRACE naming the token at fault.
//
// Invariants: the route never installs a megaflow or sends a packet.
//
// Threading: main thread.

import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import {
  runTrace,
  TRACE_REPORT_VERSION,
  TraceInputError,
  type TraceTarget,
  traceText,
} from "../ofproto/trace/trace.ts";
import type { SwitchService } from "../switch/switch-service.ts";
import { ERR_INVALID_TRACE, ERR_NO_DATAPATH, ErrorBody } from "./errors.ts";
import { BridgeParams } from "./ports.ts";

/** The live dataplane's trace targets (undefined when the bridge is not in a datapath). */
export type TraceTargets = (bridge: string) => TraceTarget | undefined;

const TraceBody = Type.Object(
  {
    flow: Type.Optional(
      Type.String({ maxLength: 4096, description: "flow in ovs-ofctl field syntax: in_port=1,tcp,tp_dst=80" }),
    ),
    packet: Type.Optional(
      Type.String({ maxLength: 4096, pattern: "^[0-9a-fA-F]*$", description: "a whole Ethernet frame, hex" }),
    ),
    inPort: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: "input port (number or name); with packet" }),
    ),
    generate: Type.Optional(Type.Boolean({ description: "apply side effects (MAC learning) as a real packet" })),
    names: Type.Optional(Type.Boolean({ description: "`text` shows port names instead of numbers" })),
  },
  { additionalProperties: false, title: "TraceRequest" },
);

const NormalDecisionView = Type.Object(
  {
    decision: Type.Union([Type.Literal("forward"), Type.Literal("flood"), Type.Literal("drop")]),
    ports: Type.Array(Type.String(), { description: "output port names, in output order" }),
    vlan: Type.Optional(Type.Integer({ description: "the frame's VLAN (for an input drop: its tag)" })),
    reason: Type.String(),
  },
  { additionalProperties: false, title: "TraceNormalDecision" },
);

const TraceStepView = Type.Object(
  {
    kind: Type.String({
      description: "table, instruction, action, set-field, output, group, bucket, normal, controller, drop, fail, ...",
    }),
    depth: Type.Integer({ minimum: 0, description: "nesting: goto_table, groups, buckets, NORMAL, pipeline re-runs" }),
    text: Type.String(),
    tableId: Type.Optional(Type.Integer()),
    rule: Type.Optional(
      Type.Object(
        { priority: Type.Integer(), cookie: Type.String({ description: "hex" }), match: Type.String() },
        { additionalProperties: false },
      ),
    ),
    field: Type.Optional(Type.String({ description: "set-field: the OXM field" })),
    from: Type.Optional(Type.String({ description: "set-field: the value before" })),
    to: Type.Optional(Type.String({ description: "set-field: the value after" })),
    normal: Type.Optional(NormalDecisionView),
    port: Type.Optional(Type.Integer({ description: "datapath port of an output" })),
    groupId: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false, title: "TraceStep" },
);

const TracePortView = Type.Object(
  { ofPort: Type.Integer(), dpPort: Type.Integer(), name: Type.String() },
  { additionalProperties: false, title: "TracePort" },
);

const TraceReportView = Type.Object(
  {
    version: Type.Integer({ description: `document version (${TRACE_REPORT_VERSION})` }),
    bridge: Type.String(),
    generate: Type.Boolean(),
    inPort: Type.Object({ ofPort: Type.Integer(), name: Type.String() }, { additionalProperties: false }),
    packet: Type.String({ description: "the frame traced, hex" }),
    flow: Type.String({ description: "the flow as parsed" }),
    steps: Type.Array(TraceStepView),
    finalFlow: Type.String(),
    megaflow: Type.Object(
      {
        match: Type.String({ description: "the fields the megaflow matches, masked where partial" }),
        key: Type.String({ description: "datapath key, hex" }),
        mask: Type.String({ description: "datapath mask, hex" }),
      },
      { additionalProperties: false },
    ),
    datapathActions: Type.String(),
    failed: Type.Optional(Type.String({ description: "why translation failed closed (a drop)" })),
    ports: Type.Array(TracePortView, { description: "the bridge's ports, for names" }),
    text: Type.String({ description: "the report as `wasmvs trace` prints it" }),
  },
  { additionalProperties: false, title: "TraceReport" },
);

const errors = { "4xx": ErrorBody, "5xx": ErrorBody };

export const tracePlugin: FastifyPluginAsyncTypebox<{ service: SwitchService; targets?: TraceTargets }> = async (
  app,
  { service, targets },
) => {
  app.post(
    "/bridges/:bridge/trace",
    {
      schema: {
        tags: ["trace"],
        summary: "Trace a flow or a packet through the bridge (ofproto/trace)",
        params: BridgeParams,
        body: TraceBody,
        response: { 200: TraceReportView, ...errors },
      },
    },
    async (req) => {
      const name = req.params.bridge;
      service.getBridge(name); // BRIDGE_NOT_FOUND
      const target = targets?.(name);
      if (!target) throw ERR_NO_DATAPATH(`bridge "${name}" cannot be traced`);
      const { flow, packet, inPort, generate, names } = req.body;
      if (packet !== undefined && packet.length % 2 !== 0) {
        const shown = packet.length > 24 ? `${packet.slice(0, 12)}…${packet.slice(-12)}` : packet;
        throw ERR_INVALID_TRACE(
          `packet "${shown}": ${packet.length} hex digits is not a whole number of bytes (truncated?)`,
        );
      }
      try {
        const report = await runTrace(target, {
          flow,
          packet: packet === undefined ? undefined : Uint8Array.from(Buffer.from(packet, "hex")),
          inPort,
          generate,
        });
        return { ...report, text: traceText(report, { names }) };
      } catch (e) {
        if (e instanceof TraceInputError) throw ERR_INVALID_TRACE(e.message);
        throw e;
      }
    },
  );
};
