// What: the `wasmvs` executable's entry point (`node --import tsx src/cli/main.ts ...`, or
// bin/wasmvs.js): runs the CLI program on process.argv and sets the exit code.
//
// Design: `wasmvs start` keeps running after runCli resolves (the REST server holds the event
// loop open) until a signal handler (src/daemon/signals.ts) exits; client verbs finish and exit.
//
// Threading: main thread.

import { runCli } from "./program.ts";

const code = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
});
process.exitCode = code;
