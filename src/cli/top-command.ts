// What: `wasmvs top` — a live view of every port's packet and bit rates and the busiest
// megaflows, refreshed every --interval seconds, like `top` for the switch.
//
// Design: a REST client: each tick reads the bridges' port stats and the megaflow dump, and
// rates are the differences from the previous tick over the time between them (the first tick
// shows totals only, rates "-"). On a TTY it draws in place (alternate screen, cursor hidden,
// home + redraw) and stops on q, Q or Ctrl-C, restoring the terminal; when stdout is not a TTY
// it prints each tick as plain lines with no escape codes (for logs and pipes). --iterations N
// stops after N ticks either way.
//
// Threading: main thread.

import { type Command, InvalidArgumentError } from "commander";
import type { MegaflowView } from "../observe/dataplane-observer.ts";
import { action, type CliIo, integer, UsageError } from "./cli-context.ts";
import type { RestClient } from "./rest-client.ts";
import { fetchBridgeStats, type PortStatsRow } from "./stats-command.ts";
import { renderTable } from "./table.ts";
import { ANSI, processTerminal, type Terminal } from "./terminal.ts";

export interface TopSample {
  at: number;
  ports: PortStatsRow[];
  flows: MegaflowView[];
}

export async function takeTopSample(client: RestClient, now = Date.now()): Promise<TopSample> {
  const bridges = await client.request<Array<{ name: string }>>("GET", "/bridges");
  const ports = (await Promise.all(bridges.map((b) => fetchBridgeStats(client, b.name)))).flat();
  let flows: MegaflowView[] = [];
  try {
    flows = (await client.request<{ flows: MegaflowView[] }>("GET", "/datapath/flows")).flows;
  } catch {
    // a daemon without a datapath: ports only
  }
  return { at: now, ports, flows };
}

/** Human rate: 1234567 → "1.23M". */
export function si(v: number): string {
  if (v < 1000) return v.toFixed(v < 10 && v % 1 !== 0 ? 1 : 0);
  const units = ["k", "M", "G", "T"];
  let u = -1;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v.toFixed(2)}${units[u]}`;
}

/** One frame of the view (plain text, lines ≤ width). */
export function renderTop(cur: TopSample, prev: TopSample | undefined, width: number, maxFlows = 10): string {
  const dt = prev ? (cur.at - prev.at) / 1000 : 0;
  const rate = (now: number, was: number | undefined) =>
    dt > 0 && was !== undefined ? si(Math.max(0, now - was) / dt) : "-";
  const prevPort = new Map(prev?.ports.map((p) => [`${p.bridge}/${p.port}`, p.stats]) ?? []);
  const ports = renderTable(cur.ports, [
    { header: "BRIDGE", value: (r) => r.bridge },
    { header: "PORT", value: (r) => r.port },
    {
      header: "RX-PPS",
      value: (r) => (r.stats ? rate(r.stats.rxPackets, prevPort.get(`${r.bridge}/${r.port}`)?.rxPackets) : "-"),
      align: "right",
    },
    {
      header: "RX-BPS",
      value: (r) => (r.stats ? rate(r.stats.rxBytes * 8, mul8(prevPort.get(`${r.bridge}/${r.port}`)?.rxBytes)) : "-"),
      align: "right",
    },
    {
      header: "TX-PPS",
      value: (r) => (r.stats ? rate(r.stats.txPackets, prevPort.get(`${r.bridge}/${r.port}`)?.txPackets) : "-"),
      align: "right",
    },
    {
      header: "TX-BPS",
      value: (r) => (r.stats ? rate(r.stats.txBytes * 8, mul8(prevPort.get(`${r.bridge}/${r.port}`)?.txBytes)) : "-"),
      align: "right",
    },
    { header: "DROPS", value: (r) => (r.stats ? r.stats.rxDropped + r.stats.txDropped : "-"), align: "right" },
    { header: "LINK", value: (r) => (r.stats ? (r.stats.linkUp ? "up" : "down") : "-") },
  ]);
  const prevFlow = new Map(prev?.flows.map((f) => [f.handle, f]) ?? []);
  const busiest = cur.flows
    .map((f) => {
      const p = prevFlow.get(f.handle);
      const pps = dt > 0 && p ? Math.max(0, f.packets - p.packets) / dt : dt > 0 ? f.packets / dt : 0;
      const bps = dt > 0 && p ? (Math.max(0, f.bytes - p.bytes) * 8) / dt : dt > 0 ? (f.bytes * 8) / dt : 0;
      return { f, pps, bps };
    })
    .sort((a, b) => b.pps - a.pps || b.f.packets - a.f.packets)
    .slice(0, maxFlows);
  const flows = renderTable(busiest, [
    { header: "PPS", value: (x) => (dt > 0 ? si(x.pps) : "-"), align: "right" },
    { header: "BPS", value: (x) => (dt > 0 ? si(x.bps) : "-"), align: "right" },
    { header: "PACKETS", value: (x) => x.f.packets, align: "right" },
    { header: "EMC", value: (x) => x.f.emc, align: "right" },
    { header: "FLOW", value: (x) => `${x.f.match} actions:${x.f.actions}` },
  ]);
  const stamp = new Date(cur.at).toISOString().replace("T", " ").slice(0, 19);
  const text = [
    `wasmvs top — ${stamp} — ${cur.ports.length} ports, ${cur.flows.length} megaflows${dt > 0 ? ` — rates over ${dt.toFixed(1)} s` : ""}`,
    "",
    ports.trimEnd(),
    "",
    `busiest megaflows (${busiest.length} of ${cur.flows.length}):`,
    flows.trimEnd(),
  ];
  return `${text
    .join("\n")
    .split("\n")
    .map((l) => (l.length > width ? `${l.slice(0, Math.max(0, width - 1))}…` : l))
    .join("\n")}\n`;
}

function mul8(v: number | undefined): number | undefined {
  return v === undefined ? undefined : v * 8;
}

export interface TopOptions {
  intervalMs: number;
  iterations?: number;
  maxFlows?: number;
}

/** Runs the view until q / Ctrl-C / --iterations; always restores the terminal. */
export async function runTop(client: RestClient, term: Terminal, opts: TopOptions): Promise<void> {
  let stop = false;
  let wake: (() => void) | undefined;
  const quit = () => {
    stop = true;
    wake?.();
  };
  const undoKeys = term.isTTY
    ? term.onKey((k) => {
        if (k === "q" || k === "Q" || k === "\x03") quit();
      })
    : () => {};
  const undoInt = term.onInterrupt(quit);
  if (term.isTTY) term.write(ANSI.altScreenOn + ANSI.hideCursor);
  try {
    let prev: TopSample | undefined;
    for (let i = 0; !stop && (opts.iterations === undefined || i < opts.iterations); i++) {
      const cur = await takeTopSample(client);
      const frame = renderTop(cur, prev, term.isTTY ? term.columns() : Number.POSITIVE_INFINITY, opts.maxFlows);
      if (term.isTTY) {
        term.write(ANSI.home + frame.replaceAll("\n", `${ANSI.clearLineRight}\n`) + ANSI.clearBelow);
      } else {
        term.write(`${frame}\n`);
      }
      prev = cur;
      if (opts.iterations !== undefined && i + 1 >= opts.iterations) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, opts.intervalMs);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      wake = undefined;
    }
  } finally {
    undoInt();
    undoKeys();
    if (term.isTTY) term.write(ANSI.showCursor + ANSI.altScreenOff);
  }
}

export function addTopCommand(program: Command, io: CliIo, term: (io: CliIo) => Terminal = processTerminal): void {
  program
    .command("top")
    .description("live per-port packet/bit rates and the busiest megaflows (q or Ctrl-C to quit)")
    .option("-d, --interval <seconds>", "seconds between updates", positiveSeconds, 1)
    .option("-n, --iterations <n>", "stop after n updates", integer("--iterations"))
    .option("--flows <n>", "how many megaflows to show", integer("--flows"), 10)
    .action(
      action(io, async (ctx, _args, opts) => {
        const n = opts.iterations as number | undefined;
        if (n !== undefined && n < 1) throw new UsageError(`--iterations must be at least 1, got ${n}`);
        await runTop(ctx.client, term(io), {
          intervalMs: (opts.interval as number) * 1000,
          iterations: n,
          maxFlows: opts.flows as number,
        });
      }),
    );
}

function positiveSeconds(value: string): number {
  const v = Number(value);
  if (!/^[0-9]*\.?[0-9]+$/.test(value.trim()) || !(v > 0)) {
    throw new InvalidArgumentError(`--interval must be a positive number of seconds, got "${value}"`);
  }
  return v;
}
