// What: `wasmvs controller set|show|del` — a bridge's OpenFlow controllers over the REST API,
// in the spirit of `ovs-vsctl set-controller / get-controller / del-controller`.
//
// Design: `set BRIDGE TARGET...` replaces the whole list (PUT), `del BRIDGE` empties it
// (DELETE), `show BRIDGE` lists each target with its live state and connections (GET). Target
// syntax is checked by the daemon (one parser for REST and CLI), whose message is shown as is.
//
// Threading: main thread.

import type { Command } from "commander";
import { action, type CliIo } from "./cli-context.ts";
import { seg } from "./rest-client.ts";
import { renderTable } from "./table.ts";

interface ControllerJson {
  target: string;
  mode: string;
  state: string;
  connected: boolean;
  bound?: string;
  lastError?: string;
  connections: { peer: string; role: string }[];
}

interface ControllersJson {
  bridge: string;
  targets: string[];
  controllers: ControllerJson[];
}

function render(r: ControllersJson): string {
  if (r.controllers.length === 0) return `bridge ${r.bridge}: no controllers\n`;
  return renderTable(r.controllers, [
    { header: "TARGET", value: (c) => c.target },
    { header: "STATE", value: (c) => c.state + (c.bound && c.bound !== c.target ? ` (${c.bound})` : "") },
    {
      header: "CONNECTIONS",
      value: (c) =>
        c.connections.length === 0 ? (c.lastError ?? "-") : c.connections.map((x) => `${x.peer} ${x.role}`).join("; "),
    },
  ]);
}

export function addControllerCommands(program: Command, io: CliIo): void {
  const controller = program.command("controller").description("set, show and remove a bridge's OpenFlow controllers");

  controller
    .command("set")
    .description(
      "replace the bridge's controllers (tcp:HOST[:PORT] ssl:… unix:PATH ptcp:[PORT][:IP] pssl:… punix:PATH)",
    )
    .argument("<bridge>", "bridge name")
    .argument("<targets...>", "controller targets")
    .action(
      action(io, async (ctx, args) => {
        const [bridge, targets] = args as unknown as [string, string[]];
        const r = await ctx.client.request<ControllersJson>("PUT", `/bridges/${seg(bridge)}/controllers`, { targets });
        ctx.print(r, () => `controllers of ${bridge}: ${r.targets.join(" ")}\n`);
      }),
    );

  controller
    .command("show")
    .description("show the bridge's controllers and their connections")
    .argument("<bridge>", "bridge name")
    .action(
      action(io, async (ctx, [bridge]) => {
        const r = await ctx.client.request<ControllersJson>("GET", `/bridges/${seg(bridge)}/controllers`);
        ctx.print(r, () => render(r));
      }),
    );

  controller
    .command("del")
    .description("remove every controller of the bridge")
    .argument("<bridge>", "bridge name")
    .action(
      action(io, async (ctx, [bridge]) => {
        const r = await ctx.client.request<ControllersJson>("DELETE", `/bridges/${seg(bridge)}/controllers`);
        ctx.print(r, () => `controllers of ${bridge} removed\n`);
      }),
    );
}
