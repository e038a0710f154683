// What: runs a started daemon until SIGINT or SIGTERM, then shuts it down and exits.
//
// Design: the first signal starts daemon.close() and exits 0 when it finishes (1 if shutdown
// failed); a second signal while shutting down exits 1 at once, for an operator who insists.
//
// Threading: main thread; installs process-wide signal handlers (only the CLI calls this).

import type { Logger } from "pino";
import type { Daemon } from "./daemon.ts";

export function exitOnSignals(daemon: Daemon, logger: Logger): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, "second signal during shutdown: exiting now");
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, "signal received");
    daemon.close().then(
      () => {
        logger.flush();
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, "shutdown failed");
        logger.flush();
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}
