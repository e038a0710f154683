// What: startDaemon(opts) — wires the running switch's control plane together: the durable
// ConfigStore, the SwitchService over it, the datapath view, and the REST API; and its orderly
// shutdown.
//
// Design:
//
//   start:  ConfigStore.open(stateDir) ─► SwitchService(store, dataplane) ─► subscribers attach
//           ─► service.start() (replays config as events) ─► default bridge if the state is new
//           ─► buildApi + listen ─► log "wasmvs ready" {rest: http://host:port}
//   close:  api.close() (stop accepting, finish in-flight) ─► service.close() (port-removed /
//           bridge-removed events with reason "shutdown", so ports detach) ─► store.close()
//
// The default bridge (br0, standalone) is created only when the journal has never recorded a
// change, so an operator who deleted every bridge does not get br0 back on the next start.
// The dataplane is the live one (LiveDataplane: the datapath worker, its ports, NORMAL
// switching) unless `datapath: false` asks for none (NullDataplane: configuration only, no
// traffic — for machines without the privileges to open devices).
//
// OpenFlow (with the live dataplane only): every bridge gets a `punix:<stateDir>/<bridge>.mgmt`
// listener as it is added, and the default bridge also `ptcp:PORT:HOST` when `openflow` is set
// (src/ofproto/of-connections.ts). The ready line names the bound OpenFlow address
// ({"openflow": "HOST:PORT"}), so port 0 is usable by scripts and tests. It is off unless
// asked for: several daemons on one host (tests) would otherwise fight over one port.
// Each bridge's configured controllers (BridgeConfig.controllers: tcp:/ssl: dialed, ptcp:/pssl:/
// punix: listened on) open with the bridge and follow bridge-changed events, so a REST change
// moves only the targets that changed; ssl:/pssl: use the PEM files of `ssl` (daemon flags, read
// when such a target opens). `controllers` seeds the default bridge on a new state only.
//
// Invariants: if start fails half-way, everything already opened is closed before the error is
// rethrown; close() is idempotent and never rejects on a second call.
//
// Threading: main thread.

import type { Logger } from "pino";
import type { Api } from "../api/app.ts";
import { buildApi } from "../api/app.ts";
import { LiveDataplane } from "../bridge/live-dataplane.ts";
import { ConfigStore } from "../config/config-store.ts";
import { DataplaneObserver } from "../observe/dataplane-observer.ts";
import { OfConnections } from "../ofproto/of-connections.ts";
import { type DataplaneView, NullDataplane } from "../switch/dataplane-view.ts";
import { SwitchService } from "../switch/switch-service.ts";
import { parseListenAddress, restUrl } from "./rest-address.ts";
import { checkSslFiles, type SslFiles, sslLoader } from "./ssl-files.ts";

export const DEFAULT_REST = "127.0.0.1:8080";
export const DEFAULT_STATE_DIR = "./wasmvs-state";
export const DEFAULT_BRIDGE = "br0";

export interface DaemonOptions {
  /** HOST:PORT for REST; port 0 picks a free port. Default 127.0.0.1:8080. */
  rest?: string;
  /** Directory of the durable configuration. Default ./wasmvs-state. */
  stateDir?: string;
  /** Bridge created (standalone) when the state is new. Default br0. */
  defaultBridge?: string;
  logger: Logger;
  /** Overrides the dataplane (tests). Default: LiveDataplane, or NullDataplane if datapath is false. */
  dataplane?: DataplaneView;
  /** Run the datapath (default true). */
  datapath?: boolean;
  /** Give each bridge its LOCAL internal port, a TAP named after the bridge (default true). */
  internalPorts?: boolean;
  /** Sysfs root for netdev checks (tests). Default /sys. */
  sysfsRoot?: string;
  /** HOST:PORT of the default bridge's OpenFlow passive listener (port 0 = any); none if unset. */
  openflow?: string;
  /** Controller targets given to the default bridge when the state is new (`--controller`). */
  controllers?: string[];
  /** OpenFlow inactivity probe (ms; default 5000); fail-open starts after three of them. */
  inactivityProbeMs?: number;
  /** PEM files for ssl:/pssl: controller targets (`--private-key`, `--certificate`, `--ca-cert`). */
  ssl?: SslFiles;
  /** Called after the service exists and before it replays the configuration: subscribe here. */
  onService?: (service: SwitchService) => void | Promise<void>;
}

export interface Daemon {
  /** Base URL of the REST API as bound, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  readonly service: SwitchService;
  readonly api: Api;
  readonly store: ConfigStore;
  close(): Promise<void>;
}

export async function startDaemon(opts: DaemonOptions): Promise<Daemon> {
  const logger = opts.logger;
  const listen = parseListenAddress(opts.rest ?? DEFAULT_REST);
  const ofListen = opts.openflow === undefined ? undefined : parseListenAddress(opts.openflow);
  const defaultBridge = opts.defaultBridge ?? DEFAULT_BRIDGE;
  const stateDir = opts.stateDir ?? DEFAULT_STATE_DIR;
  const startedAt = Date.now();
  checkSslFiles(opts.ssl);

  const store = await ConfigStore.open(stateDir, logger.child({ module: "config-store" }));
  const fresh = store.stats().seq === 0n;
  let live: LiveDataplane | undefined;
  if (!opts.dataplane && opts.datapath !== false) {
    try {
      live = await LiveDataplane.start(logger.child({ module: "datapath" }), { internalPorts: opts.internalPorts });
    } catch (err) {
      await store.close().catch(() => {});
      throw err;
    }
  }
  const service = new SwitchService({
    store,
    logger,
    dataplane: opts.dataplane ?? live ?? new NullDataplane(),
    sysfsRoot: opts.sysfsRoot,
  });
  let api: Api | undefined;
  let openflow: OfConnections | undefined;
  const ofStarts: Promise<void>[] = [];
  if (live) {
    const dp = live;
    openflow = new OfConnections({
      runDir: stateDir,
      targets: ofListen ? { [defaultBridge]: [`ptcp:${ofListen.port}:${ofListen.host}`] } : {},
      bridgeOf: (name) => dp.ofBridge(name),
      logger: logger.child({ module: "openflow" }),
      tls: sslLoader(opts.ssl),
      probeIntervalMs: opts.inactivityProbeMs,
      onFailOpen: (bridge, on) => dp.ofproto.setFailOpen(bridge, on),
    });
    const of = openflow;
    service.on("bridge-added", (e) => {
      const started = of.addBridge(e.bridge.name, e.bridge.controllers, e.bridge.failMode);
      started.catch(() => {}); // logged by OfConnections; awaited below during start-up
      ofStarts.push(started);
    });
    service.on("bridge-removed", (e) => void of.removeBridge(e.bridge.name));
    service.on("bridge-changed", (e) => {
      if (e.old.controllers.join("\n") !== e.new.controllers.join("\n")) {
        void of.setControllers(e.new.name, e.new.controllers);
      }
      if (e.old.failMode !== e.new.failMode) void of.setFailMode(e.new.name, e.new.failMode);
    });
  }
  try {
    live?.follow(service);
    await opts.onService?.(service);
    service.start();
    if (fresh) {
      const name = defaultBridge;
      await service.createBridge({ name, failMode: "standalone" });
      if (opts.controllers?.length) await service.setControllers(name, opts.controllers);
      logger.info({ bridge: name, controllers: opts.controllers }, "new state: created the default bridge");
    }
    await live?.settled();
    await Promise.all(ofStarts);
    const dp = live;
    const of = openflow;
    const flows = dp && {
      ofBridge: (name: string) => (dp.ofproto.bridges.has(name) ? dp.ofBridge(name) : undefined),
    };
    const observe = dp ? new DataplaneObserver(dp, service, of) : undefined;
    api = await buildApi(service, logger, {
      startedAt,
      flows,
      observe,
      traceTargets: dp ? (bridge) => dp.traceTarget(bridge) : undefined,
      controllerStatus: of && ((b) => of.controllerStatus(b)),
    });
    await api.listen({ host: listen.host, port: listen.port });
  } catch (err) {
    await api?.close().catch(() => {});
    await openflow?.close().catch(() => {});
    await service.close().catch(() => {});
    await live?.stop().catch(() => {});
    await store.close().catch(() => {});
    throw err;
  }

  const bound = api.server.address();
  const port = typeof bound === "object" && bound !== null ? bound.port : listen.port;
  const url = restUrl(listen.host, port);
  const ofTarget = openflow?.targets(defaultBridge).find((t) => t.startsWith("ptcp:"));
  const ofHost = ofListen?.host.includes(":") ? `[${ofListen.host}]` : ofListen?.host;
  const ofAddress = ofTarget ? `${ofHost}:${ofTarget.split(":")[1]}` : undefined;
  logger.info(
    { rest: url, openflow: ofAddress, stateDir, bridges: service.listBridges().map((b) => b.name) },
    "wasmvs ready",
  );

  let closing: Promise<void> | undefined;
  const runningApi = api;
  const close = () => {
    closing ??= (async () => {
      logger.info("wasmvs shutting down");
      await runningApi.close();
      await openflow?.close();
      await service.close();
      await live?.stop();
      await store.close();
      logger.info("wasmvs stopped");
    })();
    return closing;
  };
  return { url, service, api: runningApi, store, close };
}
