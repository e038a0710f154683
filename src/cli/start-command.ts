// What: `wasmvs start` — runs the daemon in the foreground with the embedded defaults
// (bridge br0 in standalone mode on a new state, REST on 127.0.0.1:8080, state in
// ./wasmvs-state/), each overridable by a flag. Logs are pino JSON lines on stdout; the
// readiness line is {"msg":"wasmvs ready","rest":"http://HOST:PORT"} (the bound port, so
// --rest 127.0.0.1:0 is usable by scripts and tests).
//
// `--openflow HOST:PORT` (default 127.0.0.1:6653, as ARCHITECTURE promises; `none` turns it
// off) opens the default bridge's OpenFlow passive listener (ptcp:PORT:HOST;
// port 0 = any free port, named as {"openflow":"HOST:PORT"} in the readiness line); every
// bridge always has its punix socket <state-dir>/<bridge>.mgmt.
//
// `--controller TARGET` (repeatable) seeds the default bridge's controllers when the state is
// new, like --bridge; afterwards the persisted list rules (`wasmvs controller set`).
// `--private-key`, `--certificate`, `--ca-cert` name the PEM files ssl:/pssl: controllers use
// (all three or none; ovs-vswitchd's flags). `--inactivity-probe MS` is the OpenFlow echo
// probe interval; a standalone bridge whose controllers are all gone fails open into NORMAL
// after three of them (Open vSwitch's rule).
//
// Design: the daemon modules are imported lazily so client verbs do not load fastify.
//
// Threading: main thread; installs SIGINT/SIGTERM handlers once the daemon is up.

import { type Command, Option } from "commander";
import { pino } from "pino";
import { type CliIo, UsageError } from "./cli-context.ts";

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace"];

export function addStartCommand(program: Command, _io: CliIo): void {
  program
    .command("start")
    .description("run the switch daemon in the foreground")
    .option("--rest <host:port>", "REST listen address (port 0 = any free port)", "127.0.0.1:8080")
    .option("--state-dir <dir>", "directory of the durable configuration", "./wasmvs-state")
    .option(
      "--openflow <host:port|none>",
      'OpenFlow passive listener of the default bridge (port 0 = any free port; "none" = no TCP listener)',
      "127.0.0.1:6653",
    )
    .option("--bridge <name>", "bridge created (standalone) when the state is new", "br0")
    .option(
      "--controller <target>",
      "controller of the default bridge when the state is new (repeatable; e.g. tcp:127.0.0.1:6633)",
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option(
      "--inactivity-probe <ms>",
      "OpenFlow echo probe interval; a standalone bridge fails open after 3 of them without a controller",
      "5000",
    )
    .option("--private-key <file>", "PEM private key for ssl:/pssl: controllers")
    .option("--certificate <file>", "PEM certificate for ssl:/pssl: controllers")
    .option("--ca-cert <file>", "PEM CA certificate that controllers' certificates must chain to")
    .addOption(new Option("--log-level <level>", "log level").choices(LOG_LEVELS).default("info"))
    .option("--no-datapath", "configuration and REST only: attach no ports, forward nothing")
    .option("--no-internal-ports", "do not give bridges their LOCAL internal port (a TAP named after the bridge)")
    .action(
      async (opts: {
        rest: string;
        stateDir: string;
        bridge: string;
        logLevel: string;
        datapath: boolean;
        internalPorts: boolean;
        openflow?: string;
        controller: string[];
        inactivityProbe: string;
        privateKey?: string;
        certificate?: string;
        caCert?: string;
      }) => {
        const { parseListenAddress } = await import("../daemon/rest-address.ts");
        try {
          parseListenAddress(opts.rest);
        } catch (err) {
          throw new UsageError((err as Error).message);
        }
        const openflow = opts.openflow === "none" ? undefined : opts.openflow;
        try {
          if (openflow !== undefined) parseListenAddress(openflow);
        } catch {
          throw new UsageError(
            `--openflow "${opts.openflow}" is not HOST:PORT (e.g. 127.0.0.1:6653; port 0 picks a free one)`,
          );
        }
        const ssl = { privateKey: opts.privateKey, certificate: opts.certificate, caCert: opts.caCert };
        const { checkSslFiles } = await import("../daemon/ssl-files.ts");
        const { checkControllerTargets } = await import("../switch/controller-rules.ts");
        try {
          checkSslFiles(ssl);
          checkControllerTargets(opts.controller);
        } catch (err) {
          throw new UsageError((err as Error).message);
        }
        const probe = Number(opts.inactivityProbe);
        if (!/^\d+$/.test(opts.inactivityProbe) || probe < 100 || probe > 3_600_000) {
          throw new UsageError(`--inactivity-probe "${opts.inactivityProbe}" must be 100..3600000 ms`);
        }
        const { startDaemon } = await import("../daemon/daemon.ts");
        const { exitOnSignals } = await import("../daemon/signals.ts");
        const logger = pino({ level: opts.logLevel, base: { pid: process.pid, name: "wasmvs" } });
        try {
          const daemon = await startDaemon({
            rest: opts.rest,
            stateDir: opts.stateDir,
            defaultBridge: opts.bridge,
            datapath: opts.datapath,
            internalPorts: opts.internalPorts,
            openflow,
            controllers: opts.controller,
            inactivityProbeMs: probe,
            ssl,
            logger,
          });
          exitOnSignals(daemon, logger);
        } catch (err) {
          logger.fatal({ err }, "wasmvs failed to start");
          logger.flush();
          throw err;
        }
      },
    );
}
