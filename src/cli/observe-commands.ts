// What: the observation verbs of the CLI — `dpctl`, `stats`, `top`, `capture` — added to the
// program in one call, so program.ts registers them with one line.
//
// Threading: main thread.

import type { Command } from "commander";
import { addCaptureCommand } from "./capture-command.ts";
import type { CliIo } from "./cli-context.ts";
import { addDpctlCommands } from "./dpctl-command.ts";
import { addStatsCommand } from "./stats-command.ts";
import { addTopCommand } from "./top-command.ts";

export function addObserveCommands(program: Command, io: CliIo): void {
  addDpctlCommands(program, io);
  addStatsCommand(program, io);
  addTopCommand(program, io);
  addCaptureCommand(program, io);
}
