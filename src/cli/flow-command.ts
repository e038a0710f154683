// What: `wasmvs flow add|mod|del|dump` — a bridge's OpenFlow rules over the REST API, in
// ovs-ofctl's flow syntax (`table=0,priority=10,dl_vlan=10,actions=pop_vlan,output:2`).
//
// Design: a REST client (src/api/flows.ts). Lines are parsed here first with the same parser
// the daemon uses (openflow/flow-format.ts), so a bad line in a --file is reported as
// FILE:LINE with exit code 2 before anything is sent; the daemon parses again and applies a
// batch all-or-nothing. `add --file` reads an ovs-ofctl add-flows file (# comments, blank
// lines, \ continuations; "-" is stdin). `dump` prints the lines `ovs-ofctl -O OpenFlow13
// dump-flows` prints (without its reply header), or the flow objects with --json.
//
// Threading: main thread.

import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { type FlowCommand, flowFileLines, parseFlow } from "../../openflow/flow-format.ts";
import { action, type CliIo, UsageError } from "./cli-context.ts";
import { seg } from "./rest-client.ts";

interface FlowJson {
  dump: string;
}

function checkLine(text: string, command: FlowCommand, where: string): void {
  try {
    parseFlow(text, command);
  } catch (e) {
    const msg = (e as Error).message;
    throw new UsageError(msg.startsWith(`${where}:`) ? msg : `${where}: ${msg}`);
  }
}

function readFlowFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path === "-" ? 0 : path, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as Error).message}`);
  }
  const lines = flowFileLines(text);
  for (const l of lines) checkLine(l.text, "add", `${path}:${l.line}`);
  return lines.map((l) => l.text);
}

export function addFlowCommands(program: Command, io: CliIo): void {
  const flow = program.command("flow").description("add, modify, delete and show OpenFlow rules (ovs-ofctl syntax)");

  flow
    .command("add")
    .description('add a flow ("table=0,priority=10,in_port=1,actions=output:2") or a file of them')
    .argument("<bridge>", "bridge name")
    .argument("[flow]", "flow in ovs-ofctl syntax")
    .option("--file <path>", 'ovs-ofctl add-flows file: one flow per line, # comments ("-": stdin)')
    .action(
      action(io, async (ctx, [bridge, line], opts) => {
        const file = opts.file as string | undefined;
        if ((line === undefined) === (file === undefined)) throw new UsageError("give either a flow or --file FILE");
        let flows: string[];
        if (file !== undefined) flows = readFlowFile(file);
        else {
          checkLine(line, "add", "flow");
          flows = [line];
        }
        if (flows.length === 0) throw new UsageError(`${file}: no flows in the file`);
        const r = await ctx.client.request<{ added: number }>("POST", `/bridges/${seg(bridge)}/flows`, { flows });
        ctx.print(r, () => `added ${r.added} flow${r.added === 1 ? "" : "s"} to ${bridge}\n`);
      }),
    );

  flow
    .command("mod")
    .description("replace the actions of the flows a line selects")
    .argument("<bridge>", "bridge name")
    .argument("<flow>", "flow in ovs-ofctl syntax, with actions=")
    .option("--strict", "only the flow with exactly this match and priority")
    .action(
      action(io, async (ctx, [bridge, line], opts) => {
        const strict = opts.strict === true;
        checkLine(line, strict ? "modify_strict" : "modify", "flow");
        const r = await ctx.client.request<{ modified: number }>("POST", `/bridges/${seg(bridge)}/flows/modify`, {
          flow: line,
          strict,
        });
        ctx.print(r, () => `modified ${r.modified} flow${r.modified === 1 ? "" : "s"} on ${bridge}\n`);
      }),
    );

  flow
    .command("del")
    .description("delete the flows a match selects (every flow without one)")
    .argument("<bridge>", "bridge name")
    .argument("[match]", "ovs-ofctl match (table=, cookie=V/M, out_port= too)")
    .option("--strict", "only the flow with exactly this match and priority")
    .action(
      action(io, async (ctx, [bridge, match], opts) => {
        const strict = opts.strict === true;
        checkLine(match ?? "", strict ? "delete_strict" : "delete", "match");
        const r = await ctx.client.request<{ deleted: number }>("POST", `/bridges/${seg(bridge)}/flows/delete`, {
          match: match ?? "",
          strict,
        });
        ctx.print(r, () => `deleted ${r.deleted} flow${r.deleted === 1 ? "" : "s"} from ${bridge}\n`);
      }),
    );

  flow
    .command("dump")
    .description("show flows as ovs-ofctl dump-flows does")
    .argument("<bridge>", "bridge name")
    .argument("[match]", "only flows this ovs-ofctl match selects (table=, cookie=V/M, out_port= too)")
    .action(
      action(io, async (ctx, [bridge, match]) => {
        if (match !== undefined) checkLine(match, "dump", "match");
        const qs = match === undefined ? "" : `?${new URLSearchParams({ match })}`;
        const flows = await ctx.client.request<FlowJson[]>("GET", `/bridges/${seg(bridge)}/flows${qs}`);
        ctx.print(flows, () => flows.map((f) => ` ${f.dump}\n`).join(""));
      }),
    );
}
