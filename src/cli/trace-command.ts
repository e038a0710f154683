// What: `wasmvs trace <bridge> [flow]` — what the switch does with a packet and why, over the
// REST API (POST /v1/bridges/{bridge}/trace), like `ovs-appctl ofproto/trace`.
//
// Design: the input is a flow in ovs-ofctl field syntax, or a whole frame with --packet HEX or
// --pcap FILE [--index N] (the file is read here, so it never has to be on the daemon's host)
// plus --in-port. The daemon parses, translates and explains; this prints its report
// (traceText, with --names for port names) or, with --json, the report as the daemon sent it.
// --generate lets NORMAL learn the source MAC; nothing else a real packet does happens (no
// megaflow, no output, no rule/group counters, no packet-in).
// Input checked here (hex, file, index) is a UsageError naming what is wrong.
//
// Threading: main thread.

import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import type { TraceReport } from "../ofproto/trace/trace.ts";
import { traceText } from "../ofproto/trace/trace.ts";
import { action, type CliIo, integer, UsageError } from "./cli-context.ts";
import { readPcapFrames } from "./pcap-reader.ts";
import { seg } from "./rest-client.ts";

function hexFrame(text: string): string {
  const hex = text.replace(/[\s:]/g, "");
  const bad = /[^0-9a-fA-F]/.exec(hex);
  if (bad) throw new UsageError(`--packet "${text.slice(0, 40)}": "${bad[0]}" is not a hex digit`);
  if (hex.length % 2 !== 0) {
    const shown = hex.length > 24 ? `${hex.slice(0, 12)}…${hex.slice(-12)}` : hex;
    throw new UsageError(`--packet "${shown}": ${hex.length} hex digits is not a whole number of bytes (truncated?)`);
  }
  return hex.toLowerCase();
}

async function pcapFrame(file: string, index: number): Promise<string> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new UsageError(`--pcap ${file}: ${(e as Error).message}`);
  }
  let frames: Uint8Array[];
  try {
    frames = readPcapFrames(bytes);
  } catch (e) {
    throw new UsageError(`--pcap ${file}: ${(e as Error).message}`);
  }
  if (index < 1 || index > frames.length) {
    throw new UsageError(
      `--index ${index}: ${file} has ${frames.length} frame${frames.length === 1 ? "" : "s"} (1..${frames.length})`,
    );
  }
  return Buffer.from(frames[index - 1]).toString("hex");
}

export function addTraceCommand(program: Command, io: CliIo): void {
  program
    .command("trace")
    .description("show what the bridge does with a flow or a packet, and why (like ovs-appctl ofproto/trace)")
    .argument("<bridge>", "bridge name")
    .argument("[flow]", 'flow in ovs-ofctl syntax, e.g. "in_port=1,dl_vlan=10,tcp,tp_dst=80"')
    .option("--packet <hex>", "trace this Ethernet frame (hex); give --in-port")
    .option("--pcap <file>", "trace a frame from a pcap/pcapng file; give --in-port")
    .option("--index <n>", "which frame of --pcap (1 = the first)", integer("--index"), 1)
    .option("--in-port <port>", "input port (number or name) for --packet / --pcap")
    .option(
      "--generate",
      "let NORMAL learn the source MAC as a real packet would; nothing else (no install, no packet sent, no counter or packet-in)",
    )
    .option("--names", "show port names wherever a port number appears")
    .addHelpText(
      "after",
      "\nWithout --generate a trace changes nothing. --json prints the TraceReport document (OpenAPI: /docs).",
    )
    .action(
      action(io, async (ctx, [bridge, flow], opts) => {
        const sources = [flow !== undefined, opts.packet !== undefined, opts.pcap !== undefined].filter(Boolean);
        if (sources.length !== 1) throw new UsageError("give exactly one of: a flow, --packet HEX, --pcap FILE");
        if (flow === undefined && opts.inPort === undefined) throw new UsageError("--packet and --pcap need --in-port");
        const body: Record<string, unknown> = {};
        if (flow !== undefined) body.flow = flow;
        if (opts.packet !== undefined) body.packet = hexFrame(String(opts.packet));
        if (opts.pcap !== undefined) body.packet = await pcapFrame(String(opts.pcap), Number(opts.index));
        if (opts.inPort !== undefined) body.inPort = String(opts.inPort);
        if (opts.generate) body.generate = true;
        const r = await ctx.client.request<TraceReport & { text: string }>(
          "POST",
          `/bridges/${seg(bridge)}/trace`,
          body,
        );
        ctx.print(r, () => traceText(r, { names: Boolean(opts.names) }));
      }),
    );
}
