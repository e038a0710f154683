// What: the `wasmvs` commander program — `wasmvs start` (the daemon) and the REST-client nouns
// `bridge`, `port`, `fdb`, `controller`, `flow`, `trace` — and runCli(argv, io), which runs it and
// returns the exit code.
//
// Design: one Command tree; global --server and --json live on the root and reach every verb
// through optsWithGlobals(). Each noun is its own module (bridge-command.ts, port-command.ts,
// fdb-command.ts, flow-command.ts) that adds verbs whose actions go through `action()` (cli-context.ts), which
// supplies the REST client and output; runCli turns failures into exit codes:
//
//   0  success (and --help / --version)
//   1  the daemon refused the request or could not be reached: its message, verbatim, on stderr
//   2  bad command-line arguments (commander's parse errors, UsageError): a message on stderr
//
// Output goes through CliIo so tests can run the program in-process.
//
// Threading: main thread.

import { Command, CommanderError } from "commander";
import { WASMVS_VERSION } from "../api/health.ts";
import { addBridgeCommands } from "./bridge-command.ts";
import { type CliIo, EXIT_DAEMON_ERROR, EXIT_OK, EXIT_USAGE, UsageError } from "./cli-context.ts";
import { addControllerCommands } from "./controller-command.ts";
import { addFdbCommands } from "./fdb-command.ts";
import { addFlowCommands } from "./flow-command.ts";
import { addObserveCommands } from "./observe-commands.ts";
import { addPortCommands } from "./port-command.ts";
import { DaemonError, DEFAULT_SERVER } from "./rest-client.ts";
import { addStartCommand } from "./start-command.ts";
import { addTraceCommand } from "./trace-command.ts";

export function buildProgram(io: CliIo): Command {
  const program = new Command("wasmvs")
    .description("wasmvs — a software virtual switch (daemon and REST client)")
    .version(WASMVS_VERSION)
    .option("--server <url>", "REST address of the wasmvs daemon", DEFAULT_SERVER)
    .option("--json", "print results as JSON for scripts")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError("(run with --help for usage)");
  addStartCommand(program, io);
  addBridgeCommands(program, io);
  addPortCommands(program, io);
  addFdbCommands(program, io);
  addControllerCommands(program, io);
  addFlowCommands(program, io);
  addTraceCommand(program, io);
  addObserveCommands(program, io);
  return program;
}

/** Runs the program on `argv` (without node and script); resolves to the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: "user" });
    return EXIT_OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version") return EXIT_OK;
      return EXIT_USAGE; // commander already printed what is wrong
    }
    if (err instanceof UsageError) {
      io.err(`error: ${err.message}\n`);
      return EXIT_USAGE;
    }
    if (err instanceof DaemonError) {
      io.err(`${err.message}\n`);
      return EXIT_DAEMON_ERROR;
    }
    io.err(`${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_DAEMON_ERROR;
  }
}
