// What: `wasmvs port list|add|del|set|stats` — ports of a bridge over the REST API.
//
// Design: flags map one-to-one onto the REST body fields (--vlan-mode → vlanMode, --tag, --trunks
// 10,20 (empty string = all VLANs), --ofport, --admin-down/--admin-up, --option key=value
// repeated for backend options). The CLI checks only syntax (integers, key=value); VLAN ranges,
// duplicates and netdevs are the daemon's rules and come back as its messages.
//
// Threading: main thread.

import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import { action, type CliIo, integer, integerList, UsageError } from "./cli-context.ts";
import { seg } from "./rest-client.ts";
import { renderFields, renderTable } from "./table.ts";

export interface PortJson {
  name: string;
  type: string;
  ofport: number;
  vlanMode: string;
  tag?: number;
  trunks: number[];
  adminDown: boolean;
  options: Record<string, string>;
}

interface PortStatsJson {
  rxPackets: number;
  rxBytes: number;
  rxDropped: number;
  rxErrors: number;
  txPackets: number;
  txBytes: number;
  txDropped: number;
  txErrors: number;
  linkUp: boolean;
  mtu: number;
}

export function portTable(ports: PortJson[]): string {
  return renderTable(ports, [
    { header: "OFPORT", value: (p) => p.ofport, align: "right" },
    { header: "NAME", value: (p) => p.name },
    { header: "TYPE", value: (p) => p.type },
    { header: "VLAN-MODE", value: (p) => p.vlanMode },
    { header: "TAG", value: (p) => p.tag ?? "-" },
    {
      header: "TRUNKS",
      value: (p) => (p.trunks.length === 0 ? (p.vlanMode === "access" ? "-" : "all") : p.trunks.join(",")),
    },
    { header: "ADMIN", value: (p) => (p.adminDown ? "down" : "up") },
    {
      header: "OPTIONS",
      value: (p) =>
        Object.entries(p.options)
          .map(([k, v]) => `${k}=${v}`)
          .join(",") || "-",
    },
  ]);
}

function statsDetail(bridge: string, port: string, s: PortStatsJson): string {
  return renderFields([
    ["port", `${port} (bridge ${bridge})`],
    ["link", s.linkUp ? "up" : "down"],
    ["mtu", s.mtu],
    ["rx", `packets=${s.rxPackets} bytes=${s.rxBytes} dropped=${s.rxDropped} errors=${s.rxErrors}`],
    ["tx", `packets=${s.txPackets} bytes=${s.txBytes} dropped=${s.txDropped} errors=${s.txErrors}`],
  ]);
}

function keyValue(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf("=");
  if (eq <= 0) throw new InvalidArgumentError(`--option must be key=value, got "${value}"`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

/** Adds the flags shared by `port add` and `port set`. */
function portFlags(cmd: Command): Command {
  return cmd
    .option("--vlan-mode <mode>", "access | trunk | native-tagged | native-untagged")
    .option("--tag <vlan>", "access VLAN, or native VLAN of a native-* trunk", integer("--tag"))
    .option("--trunks <vlans>", 'VLANs a trunk carries, e.g. 10,20 ("" = all)', integerList("--trunks"))
    .option("--ofport <n>", "requested OpenFlow port number", integer("--ofport"))
    .option("--admin-down", "administratively down")
    .option("--option <key=value>", "backend option (repeatable; replaces all options)", keyValue);
}

/** The REST body fields for the flags given. */
function portBody(opts: Record<string, unknown>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (opts.type !== undefined) body.type = opts.type;
  if (opts.vlanMode !== undefined) body.vlanMode = opts.vlanMode;
  if (opts.tag !== undefined) body.tag = opts.tag;
  if (opts.trunks !== undefined) body.trunks = opts.trunks;
  if (opts.ofport !== undefined) body.ofport = opts.ofport;
  if (opts.adminDown === true) body.adminDown = true;
  if (opts.adminUp === true) body.adminDown = false;
  if (opts.option !== undefined) body.options = opts.option;
  return body;
}

export function addPortCommands(program: Command, io: CliIo): void {
  const port = program.command("port").description("list, add, delete, change ports and show their counters");

  port
    .command("list")
    .description("list a bridge's ports")
    .argument("<bridge>", "bridge name")
    .action(
      action(io, async (ctx, [bridge]) => {
        const ports = await ctx.client.request<PortJson[]>("GET", `/bridges/${seg(bridge)}/ports`);
        ctx.print(ports, () => (ports.length === 0 ? `bridge ${bridge} has no ports\n` : portTable(ports)));
      }),
    );

  portFlags(
    port
      .command("add")
      .description("add a port to a bridge")
      .argument("<bridge>", "bridge name")
      .argument("<name>", "port name (the netdev for system ports)")
      .requiredOption("--type <type>", "internal | tap | system | representor | vhost-user | vhost-user-client"),
  ).action(
    action(io, async (ctx, [bridge, name], opts) => {
      const p = await ctx.client.request<PortJson>("POST", `/bridges/${seg(bridge)}/ports`, {
        name,
        ...portBody(opts),
      });
      ctx.print(p, () => `port ${p.name} added to ${bridge} as ofport ${p.ofport}\n`);
    }),
  );

  port
    .command("del")
    .description("delete a port")
    .argument("<bridge>", "bridge name")
    .argument("<name>", "port name")
    .action(
      action(io, async (ctx, [bridge, name]) => {
        const p = await ctx.client.request<PortJson>("DELETE", `/bridges/${seg(bridge)}/ports/${seg(name)}`);
        ctx.print(p, () => `port ${p.name} deleted from ${bridge}\n`);
      }),
    );

  portFlags(
    port
      .command("set")
      .description("change a port (only the flags given)")
      .argument("<bridge>", "bridge name")
      .argument("<name>", "port name")
      .option("--type <type>", "change the port type"),
  )
    .option("--admin-up", "administratively up")
    .action(
      action(io, async (ctx, [bridge, name], opts) => {
        if (opts.adminDown === true && opts.adminUp === true) {
          throw new UsageError("--admin-down and --admin-up contradict each other");
        }
        const body = portBody(opts);
        if (Object.keys(body).length === 0) throw new UsageError("port set: give at least one flag to change");
        const p = await ctx.client.request<PortJson>("PATCH", `/bridges/${seg(bridge)}/ports/${seg(name)}`, body);
        ctx.print(p, () => portTable([p]));
      }),
    );

  port
    .command("stats")
    .description("show a port's counters, link state and MTU")
    .argument("<bridge>", "bridge name")
    .argument("<name>", "port name")
    .action(
      action(io, async (ctx, [bridge, name]) => {
        const s = await ctx.client.request<PortStatsJson>("GET", `/bridges/${seg(bridge)}/ports/${seg(name)}/stats`);
        ctx.print(s, () => statsDetail(bridge, name, s));
      }),
    );
}
