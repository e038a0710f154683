// Entry of the datapath worker thread: registers tsx's loader in this thread (worker threads
// do not inherit the main thread's --import hooks on Node 20), then loads the TypeScript worker
// named by workerData.entry.
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData.entry);
