// What: `wasmvs stats <bridge>` — one table of the bridge's port counters (the REST port stats
// of every port), like `ovs-ofctl dump-ports` but by name.
//
// Design: GET /v1/bridges/{b}/ports for the names (an unknown bridge is the daemon's error),
// then each port's stats; a port the datapath has not attached shows "-" and why in --json.
//
// Threading: main thread.

import type { Command } from "commander";
import { action, type CliIo } from "./cli-context.ts";
import { DaemonError, type RestClient, seg } from "./rest-client.ts";
import { renderTable } from "./table.ts";

export interface PortStatsJson {
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

export interface PortStatsRow {
  bridge: string;
  port: string;
  stats?: PortStatsJson;
  error?: string;
}

/** Every port of `bridge` with its counters (or why there are none). */
export async function fetchBridgeStats(client: RestClient, bridge: string): Promise<PortStatsRow[]> {
  const ports = await client.request<Array<{ name: string }>>("GET", `/bridges/${seg(bridge)}/ports`);
  return Promise.all(
    ports.map(async (p): Promise<PortStatsRow> => {
      try {
        const stats = await client.request<PortStatsJson>("GET", `/bridges/${seg(bridge)}/ports/${seg(p.name)}/stats`);
        return { bridge, port: p.name, stats };
      } catch (e) {
        if (e instanceof DaemonError && e.status !== 0) return { bridge, port: p.name, error: e.message };
        throw e;
      }
    }),
  );
}

export function renderBridgeStats(rows: readonly PortStatsRow[]): string {
  const n = (f: keyof PortStatsJson) => (r: PortStatsRow) => (r.stats ? String(r.stats[f]) : "-");
  return renderTable(rows, [
    { header: "PORT", value: (r) => r.port },
    { header: "RX-PKTS", value: n("rxPackets"), align: "right" },
    { header: "RX-BYTES", value: n("rxBytes"), align: "right" },
    { header: "RX-DROP", value: n("rxDropped"), align: "right" },
    { header: "RX-ERR", value: n("rxErrors"), align: "right" },
    { header: "TX-PKTS", value: n("txPackets"), align: "right" },
    { header: "TX-BYTES", value: n("txBytes"), align: "right" },
    { header: "TX-DROP", value: n("txDropped"), align: "right" },
    { header: "TX-ERR", value: n("txErrors"), align: "right" },
    { header: "LINK", value: (r) => (r.stats ? (r.stats.linkUp ? "up" : "down") : "-") },
    { header: "MTU", value: n("mtu"), align: "right" },
  ]);
}

export function addStatsCommand(program: Command, io: CliIo): void {
  program
    .command("stats")
    .description("port counters of a bridge")
    .argument("<bridge>", "bridge name")
    .action(
      action(io, async (ctx, [bridge]) => {
        const rows = await fetchBridgeStats(ctx.client, bridge);
        ctx.print(rows, () => (rows.length === 0 ? `bridge ${bridge} has no ports\n` : renderBridgeStats(rows)));
      }),
    );
}
