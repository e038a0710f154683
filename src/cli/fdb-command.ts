// What: `wasmvs fdb show|flush|add|del` — a bridge's MAC table over the REST API.
//
// Design: `show` lists learned and static entries like `ovs-appctl fdb/show`; `flush` removes
// learned entries (optionally only a port's / a VLAN's); `add`/`del` manage static entries,
// which are configuration and survive restarts.
//
// Threading: main thread.

import type { Command } from "commander";
import { action, type CliIo, integer } from "./cli-context.ts";
import { seg } from "./rest-client.ts";
import { renderTable } from "./table.ts";

interface FdbEntryJson {
  vlan: number;
  mac: string;
  port: string;
  ageSeconds: number;
  static: boolean;
}

export function addFdbCommands(program: Command, io: CliIo): void {
  const fdb = program.command("fdb").description("show, flush and edit a bridge's MAC table");

  fdb
    .command("show")
    .description("show learned and static MAC entries")
    .argument("<bridge>", "bridge name")
    .action(
      action(io, async (ctx, [bridge]) => {
        const entries = await ctx.client.request<FdbEntryJson[]>("GET", `/bridges/${seg(bridge)}/fdb`);
        ctx.print(entries, () =>
          entries.length === 0
            ? `bridge ${bridge}: MAC table is empty\n`
            : renderTable(entries, [
                { header: "PORT", value: (e) => e.port },
                { header: "VLAN", value: (e) => e.vlan, align: "right" },
                { header: "MAC", value: (e) => e.mac },
                { header: "AGE", value: (e) => (e.static ? "static" : e.ageSeconds), align: "right" },
              ]),
        );
      }),
    );

  fdb
    .command("flush")
    .description("remove learned entries (static entries stay)")
    .argument("<bridge>", "bridge name")
    .option("--port <port>", "only entries learned on this port")
    .option("--vlan <vlan>", "only entries on this VLAN", integer("--vlan"))
    .action(
      action(io, async (ctx, [bridge], opts) => {
        const query = new URLSearchParams();
        if (opts.port !== undefined) query.set("port", String(opts.port));
        if (opts.vlan !== undefined) query.set("vlan", String(opts.vlan));
        const qs = query.size > 0 ? `?${query}` : "";
        const r = await ctx.client.request<{ flushed: number }>("DELETE", `/bridges/${seg(bridge)}/fdb${qs}`);
        ctx.print(r, () => `flushed ${r.flushed} entr${r.flushed === 1 ? "y" : "ies"} from ${bridge}\n`);
      }),
    );

  fdb
    .command("add")
    .description("add a static MAC entry")
    .argument("<bridge>", "bridge name")
    .argument("<vlan>", "VLAN id", integer("VLAN"))
    .argument("<mac>", "MAC address aa:bb:cc:dd:ee:ff")
    .argument("<port>", "port name")
    .action(
      action(io, async (ctx, args) => {
        const [bridge, vlan, mac, port] = args as unknown as [string, number, string, string];
        const e = await ctx.client.request<{ vlan: number; mac: string; port: string }>(
          "POST",
          `/bridges/${seg(bridge)}/fdb`,
          { vlan, mac, port },
        );
        ctx.print(e, () => `static entry ${e.mac} on VLAN ${e.vlan} → port ${e.port} added to ${bridge}\n`);
      }),
    );

  fdb
    .command("del")
    .description("remove a static MAC entry")
    .argument("<bridge>", "bridge name")
    .argument("<vlan>", "VLAN id", integer("VLAN"))
    .argument("<mac>", "MAC address")
    .action(
      action(io, async (ctx, args) => {
        const [bridge, vlan, mac] = args as unknown as [string, number, string];
        const e = await ctx.client.request<{ vlan: number; mac: string; port: string }>(
          "DELETE",
          `/bridges/${seg(bridge)}/fdb/${vlan}/${seg(mac)}`,
        );
        ctx.print(e, () => `static entry ${e.mac} on VLAN ${e.vlan} removed from ${bridge}\n`);
      }),
    );
}
