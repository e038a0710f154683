// What: `wasmvs dpctl show|dump-flows|del-flows` — the fast path as `ovs-appctl dpctl/...` shows
// Open vSwitch's: hit counters, the megaflows with their masks and stats, and flushing them.
//
// Design: REST clients of /v1/datapath (src/api/datapath.ts). dump-flows prints the daemon's
// dpctl-syntax lines as they are (one per megaflow, OVS field syntax, datapath port numbers);
// `show` folds the counters into OVS's "lookups: hit missed lost" line plus wasmvs's split of
// the hits between the exact-match cache and the megaflow classifier.
//
// Threading: main thread.

import type { Command } from "commander";
import type { DatapathShowView, MegaflowView } from "../observe/dataplane-observer.ts";
import { action, type CliIo } from "./cli-context.ts";

/** The `dpctl show` text. */
export function renderDatapathShow(d: DatapathShowView): string {
  const c = (name: string) => d.counters[name] ?? 0;
  const lines = [
    "wasmvs@datapath:",
    `  lookups: hit:${c("emc.hit") + c("megaflow.hit")} missed:${c("upcall.miss")} lost:${c("upcall.queue_full")}`,
    `  emc: hit:${c("emc.hit")} miss:${c("emc.miss")}  megaflow: hit:${c("megaflow.hit")} miss:${c("megaflow.miss")}`,
    `  upcalls: miss:${c("upcall.miss")} action:${c("upcall.action")} queue_full:${c("upcall.queue_full")}`,
    `  flows: ${d.flows}`,
    ...d.ports.map((p) => `  port ${p.dpPort}: ${p.name} (bridge ${p.bridge}${p.attached ? "" : ", not attached"})`),
  ];
  return `${lines.join("\n")}\n`;
}

export function addDpctlCommands(program: Command, io: CliIo): void {
  const dpctl = program.command("dpctl").description("the fast path: counters and megaflows (like ovs-appctl dpctl/*)");

  dpctl
    .command("show")
    .description("datapath lookups (EMC, megaflow, upcalls), flow count and ports")
    .action(
      action(io, async (ctx) => {
        const d = await ctx.client.request<DatapathShowView>("GET", "/datapath");
        ctx.print(d, () => renderDatapathShow(d));
      }),
    );

  dpctl
    .command("dump-flows")
    .description("the megaflows with masks, packet/byte counts, last use, EMC entries and actions")
    .action(
      action(io, async (ctx) => {
        const r = await ctx.client.request<{ flows: MegaflowView[] }>("GET", "/datapath/flows");
        ctx.print(r.flows, () => r.flows.map((f) => `${f.line}\n`).join(""));
      }),
    );

  dpctl
    .command("del-flows")
    .description("remove every megaflow (traffic re-installs what it needs)")
    .action(
      action(io, async (ctx) => {
        const r = await ctx.client.request<{ deleted: number }>("DELETE", "/datapath/flows");
        ctx.print(r, () => `deleted ${r.deleted} megaflow${r.deleted === 1 ? "" : "s"}\n`);
      }),
    );
}
