// What: `wasmvs bridge list|add|del|show` — bridges over the REST API.
//
// Threading: main thread.

import type { Command } from "commander";
import { action, type CliIo, integer } from "./cli-context.ts";
import { type PortJson, portTable } from "./port-command.ts";
import { seg } from "./rest-client.ts";
import { renderFields, renderTable } from "./table.ts";

export interface BridgeJson {
  name: string;
  failMode: string;
  macAgingSeconds: number;
  macTableSize: number;
  datapathId: string;
  controllers: string[];
  ports: PortJson[];
  staticMacs: Array<{ vlan: number; mac: string; port: string }>;
}

function bridgeTable(bridges: BridgeJson[]): string {
  return renderTable(bridges, [
    { header: "NAME", value: (b) => b.name },
    { header: "FAIL-MODE", value: (b) => b.failMode },
    { header: "PORTS", value: (b) => b.ports.length, align: "right" },
    { header: "MAC-AGING", value: (b) => b.macAgingSeconds, align: "right" },
    { header: "MAC-TABLE", value: (b) => b.macTableSize, align: "right" },
  ]);
}

function bridgeDetail(b: BridgeJson): string {
  const head = renderFields([
    ["bridge", b.name],
    ["fail-mode", b.failMode],
    ["mac-aging", `${b.macAgingSeconds}s`],
    ["mac-table-size", b.macTableSize],
    ["datapath-id", b.datapathId],
    ["controllers", b.controllers.join(", ") || "(none)"],
    ["static-macs", b.staticMacs.length],
  ]);
  return b.ports.length === 0 ? `${head}ports: (none)\n` : `${head}\n${portTable(b.ports)}`;
}

export function addBridgeCommands(program: Command, io: CliIo): void {
  const bridge = program.command("bridge").description("list, add, delete and show bridges");

  bridge
    .command("list")
    .description("list bridges")
    .action(
      action(io, async (ctx) => {
        const bridges = await ctx.client.request<BridgeJson[]>("GET", "/bridges");
        ctx.print(bridges, () => bridgeTable(bridges));
      }),
    );

  bridge
    .command("add")
    .description("create a bridge")
    .argument("<name>", "bridge name")
    .option("--fail-mode <mode>", "standalone | secure")
    .option("--mac-aging <seconds>", "MAC aging time", integer("--mac-aging"))
    .option("--mac-table-size <entries>", "MAC table size", integer("--mac-table-size"))
    .action(
      action(io, async (ctx, [name], opts) => {
        const body: Record<string, unknown> = { name };
        if (opts.failMode !== undefined) body.failMode = opts.failMode;
        if (opts.macAging !== undefined) body.macAgingSeconds = opts.macAging;
        if (opts.macTableSize !== undefined) body.macTableSize = opts.macTableSize;
        const b = await ctx.client.request<BridgeJson>("POST", "/bridges", body);
        ctx.print(b, () => `bridge ${b.name} added\n`);
      }),
    );

  bridge
    .command("del")
    .description("delete a bridge and its ports")
    .argument("<name>", "bridge name")
    .action(
      action(io, async (ctx, [name]) => {
        const b = await ctx.client.request<BridgeJson>("DELETE", `/bridges/${seg(name)}`);
        ctx.print(b, () => `bridge ${b.name} deleted\n`);
      }),
    );

  bridge
    .command("show")
    .description("show a bridge and its ports")
    .argument("<name>", "bridge name")
    .action(
      action(io, async (ctx, [name]) => {
        const b = await ctx.client.request<BridgeJson>("GET", `/bridges/${seg(name)}`);
        ctx.print(b, () => bridgeDetail(b));
      }),
    );
}
