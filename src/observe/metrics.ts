// Prometheus metrics of the running switch (`GET /metrics`), on a prom-client Registry of its
// own (never the process-global one, so two daemons in one process — tests — do not mix).
//
// What: createSwitchMetrics(service, observe) → { registry, close }. Families:
//   wasmvs_port_{rx,tx}_{packets,bytes,dropped,errors}_total{bridge,port}, wasmvs_port_link_up
//   wasmvs_datapath_emc_hits_total, wasmvs_datapath_megaflow_hits_total,
//   wasmvs_datapath_misses_total, wasmvs_datapath_drops_total{reason} (A_DROP reasons such as
//   vlan_mismatch, no_actions, and the other dropping counters by name),
//   wasmvs_datapath_parse_errors_total{reason},
//   wasmvs_datapath_counter_total{counter} (every fast-path counter by its name),
//   wasmvs_datapath_megaflows, wasmvs_upcall_latency_seconds (histogram),
//   wasmvs_openflow_listeners{bridge,target}, wasmvs_openflow_channels{bridge,state},
//   wasmvs_openflow_rules{bridge,table}, wasmvs_capture_sessions.
// Design: values are read at scrape time (collect callbacks), so nothing runs between scrapes
//   except the upcall histogram, which ofproto feeds per handled miss, installed or only
//   executed (one performance.now() pair and an observe). Counters read from the datapath are
//   re-set at each scrape (reset + inc by the current value): they only grow because their
//   sources only grow. A_DROP's per-reason counts come with the counters (action.drop.<reason>,
//   datapath-worker.ts); the NORMAL drops (VLAN mismatch, ...) are A_DROP records. sFlow samples
//   sent are not exported: wasmvs has no sFlow agent yet (a later issue), and a metric stuck
//   at 0 would claim one.
// Invariants: a scrape never changes the switch; a port that cannot report (not attached) is
//   left out of that scrape rather than reported as zero.
// Threading: main thread.

import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { DROP_REASON } from "../datapath/datapath-actions.ts";
import { DROP_REASON_COUNTER_PREFIX } from "../datapath/fastpath-module.ts";
import type { SwitchService } from "../switch/switch-service.ts";
import type { ObserveSource } from "./dataplane-observer.ts";

/**
 * Fast-path counters that count a packet (or, for capture.dropped, a capture copy) dropped;
 * each is a `reason` of wasmvs_datapath_drops_total under its own name. action.drop is not
 * among them: it is split by the reason its A_DROP record carries (below).
 */
export const DROP_COUNTERS = [
  "action.bad_action",
  "action.bad_port",
  "action.clone_no_buffer",
  "action.no_headroom",
  "action.ttl_expired",
  "meter.drop",
  "batch.bad_buffer",
  "pool.exhausted",
  "tx.queue_full",
  "upcall.queue_full",
  "ports.ring_no_buffer",
  "ports.ring_too_big",
  "virtio.no_rx_buffer",
  "virtio.rx_too_small",
  "virtio.tx_too_big",
  "capture.dropped",
  // The worker's own: misses and packet-ins that did not fit in the up ring despite its
  // backpressure (capture.ring_full counts batches, not packets, so it is not a reason here).
  "up.ring_full",
] as const;

/** The drop reasons A_DROP records carry (DROP_REASON, lower case), as `reason` labels. */
export const ACTION_DROP_REASONS = Object.keys(DROP_REASON).map((k) => k.toLowerCase());

/**
 * `reason` of the action.drop packets no A_DROP record accounts for: a list that emitted
 * nothing (an OpenFlow rule without outputs, a table miss without a table-miss rule).
 */
export const NO_ACTIONS_REASON = "no_actions";

/** Parser counters that name a malformed or truncated header (not drops: the packet goes on
 *  with the fields found so far), for wasmvs_datapath_parse_errors_total. */
export function isParseError(counter: string): boolean {
  return counter.startsWith("parse.") && counter !== "parse.packets" && counter !== "parse.fragments";
}

export const UPCALL_LATENCY_BUCKETS = [25e-6, 50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3, 100e-3];

const PORT_COUNTERS = [
  ["rx_packets", "rxPackets", "packets received"],
  ["rx_bytes", "rxBytes", "bytes received"],
  ["rx_dropped", "rxDropped", "received packets dropped"],
  ["rx_errors", "rxErrors", "receive errors"],
  ["tx_packets", "txPackets", "packets transmitted"],
  ["tx_bytes", "txBytes", "bytes transmitted"],
  ["tx_dropped", "txDropped", "packets dropped on transmit"],
  ["tx_errors", "txErrors", "transmit errors"],
] as const;

export interface SwitchMetrics {
  registry: Registry;
}

/** fn shared by every collect of one scrape: prom-client runs the families' collects
 *  concurrently, so the first starts the read and the others await the same promise. */
function perScrape<T>(fn: () => Promise<T>): () => Promise<T> {
  let inflight: Promise<T> | undefined;
  return () => {
    inflight ??= fn().finally(() => {
      inflight = undefined;
    });
    return inflight;
  };
}

type PortSample = { labels: { bridge: string; port: string }; stats: Awaited<ReturnType<ObserveSource["portStats"]>> };

export function createSwitchMetrics(service: SwitchService, observe?: ObserveSource): SwitchMetrics {
  const registry = new Registry();
  const ports = perScrape(async () => {
    const out: PortSample[] = [];
    for (const b of service.listBridges()) {
      for (const port of [b.name, ...b.ports.map((p) => p.name)]) {
        try {
          const stats = observe ? await observe.portStats(b.name, port) : await service.portStats(b.name, port);
          out.push({ labels: { bridge: b.name, port }, stats });
        } catch {
          // not attached (yet): no numbers rather than false zeros
        }
      }
    }
    return out;
  });
  for (const [name, field, help] of PORT_COUNTERS) {
    new Counter({
      name: `wasmvs_port_${name}_total`,
      help: `Port ${help}.`,
      labelNames: ["bridge", "port"],
      registers: [registry],
      async collect() {
        const samples = await ports();
        this.reset();
        for (const p of samples) this.inc(p.labels, p.stats[field]);
      },
    });
  }
  new Gauge({
    name: "wasmvs_port_link_up",
    help: "1 when the port's link has carrier.",
    labelNames: ["bridge", "port"],
    registers: [registry],
    async collect() {
      const samples = await ports();
      this.reset();
      for (const p of samples) this.set(p.labels, p.stats.linkUp ? 1 : 0);
    },
  });

  if (!observe) return { registry };

  const datapath = perScrape(() => observe.show());
  const fromCounter = (name: string, help: string, counter: string) =>
    new Counter({
      name,
      help,
      registers: [registry],
      async collect() {
        const { counters } = await datapath();
        this.reset();
        this.inc(counters[counter] ?? 0);
      },
    });
  new Counter({
    name: "wasmvs_datapath_counter_total",
    help: "Every fast-path counter by name (assembly/counters/counters.ts).",
    labelNames: ["counter"],
    registers: [registry],
    async collect() {
      const { counters } = await datapath();
      this.reset();
      for (const [k, v] of Object.entries(counters)) this.inc({ counter: k }, v);
    },
  });
  fromCounter("wasmvs_datapath_emc_hits_total", "Packets found in the exact-match cache.", "emc.hit");
  fromCounter("wasmvs_datapath_megaflow_hits_total", "Packets found by the megaflow classifier.", "megaflow.hit");
  fromCounter("wasmvs_datapath_misses_total", "Packets that matched no megaflow (upcalls).", "upcall.miss");
  new Counter({
    name: "wasmvs_datapath_drops_total",
    help: "Packets the fast path dropped, by reason: an A_DROP record's reason (vlan_mismatch, no_ports, input_is_output, admin_down, xlate_failed, none), no_actions (a list that sends nothing), or the fast-path counter's name (capture.dropped counts capture copies).",
    labelNames: ["reason"],
    registers: [registry],
    async collect() {
      const { counters } = await datapath();
      this.reset();
      let byRecord = 0;
      for (const reason of ACTION_DROP_REASONS) {
        const n = counters[`${DROP_REASON_COUNTER_PREFIX}${reason}`] ?? 0;
        byRecord += n;
        this.inc({ reason }, n);
      }
      this.inc({ reason: NO_ACTIONS_REASON }, Math.max(0, (counters["action.drop"] ?? 0) - byRecord));
      for (const reason of DROP_COUNTERS) this.inc({ reason }, counters[reason] ?? 0);
    },
  });
  new Counter({
    name: "wasmvs_datapath_parse_errors_total",
    help: "Headers the fast-path parser found truncated or malformed, by reason (the packet is still classified).",
    labelNames: ["reason"],
    registers: [registry],
    async collect() {
      const { counters } = await datapath();
      this.reset();
      for (const [k, v] of Object.entries(counters)) if (isParseError(k)) this.inc({ reason: k.slice(6) }, v);
    },
  });
  new Gauge({
    name: "wasmvs_datapath_megaflows",
    help: "Megaflows installed in the fast path.",
    registers: [registry],
    async collect() {
      this.set((await datapath()).flows);
    },
  });
  const latency = new Histogram({
    name: "wasmvs_upcall_latency_seconds",
    help: "Time from a miss reaching the control plane to its megaflow install written to the datapath.",
    buckets: UPCALL_LATENCY_BUCKETS,
    registers: [registry],
  });
  observe.onUpcallLatency((s) => latency.observe(s));
  new Gauge({
    name: "wasmvs_openflow_listeners",
    help: "OpenFlow passive listeners, 1 per bound target.",
    labelNames: ["bridge", "target"],
    registers: [registry],
    collect() {
      this.reset();
      for (const l of observe.openflowListeners()) this.set(l, 1);
    },
  });
  new Gauge({
    name: "wasmvs_openflow_channels",
    help: "OpenFlow channels by state (hello-wait, connected, closing).",
    labelNames: ["bridge", "state"],
    registers: [registry],
    collect() {
      this.reset();
      for (const b of service.listBridges()) this.set({ bridge: b.name, state: "connected" }, 0);
      for (const c of observe.openflowChannels()) this.inc({ bridge: c.bridge, state: c.state });
    },
  });
  new Gauge({
    name: "wasmvs_openflow_rules",
    help: "OpenFlow rules per bridge and table (tables with rules).",
    labelNames: ["bridge", "table"],
    registers: [registry],
    collect() {
      this.reset();
      for (const r of observe.ruleCounts()) this.set({ bridge: r.bridge, table: String(r.table) }, r.rules);
    },
  });
  new Gauge({
    name: "wasmvs_capture_sessions",
    help: "Port captures in progress.",
    registers: [registry],
    collect() {
      this.set(observe.captureSessions());
    },
  });
  return { registry };
}
