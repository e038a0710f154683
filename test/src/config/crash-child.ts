// Child process of the crash test: `node --import tsx crash-child.ts <dir> <start> <window> <compactAfterRecords>`.
// Opens the store in <dir>, prints "ready", then makes calls start, start+1, ... forever with up
// to <window> in flight, printing "ack <i>" as each resolves, until the parent SIGKILLs it.
// stdout is a pipe, which Node writes synchronously on Linux: a printed ack has left the process.

import { pino } from "pino";
import { ConfigStore } from "../../../src/config/config-store.ts";
import { runCrashOp } from "./crash-ops.ts";

const [dir, startArg, windowArg, compactArg] = process.argv.slice(2);
const store = await ConfigStore.open(dir, pino({ level: "warn" }, process.stderr), {
  compactAfterRecords: Number(compactArg),
});
process.stdout.write("ready\n");

let next = Number(startArg);
const window = Number(windowArg);
function issue(): void {
  const i = next++;
  runCrashOp(store, i).then(
    () => {
      process.stdout.write(`ack ${i}\n`);
      issue();
    },
    (err: Error) => {
      process.stderr.write(`call ${i} failed: ${err.stack}\n`);
      process.exit(2);
    },
  );
}
for (let k = 0; k < window; k++) issue();
