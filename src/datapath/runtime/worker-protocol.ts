// Requests the control plane sends to the datapath worker over its control MessagePort, and
// the replies. Rare operations only (ports, stats); per-flow traffic uses the rings.

export type WorkerRequest = { id: number } & (
  | { op: "add-port"; dpPort: number; spec: unknown }
  | { op: "del-port"; dpPort: number }
  | { op: "port-stats"; dpPort: number }
  | { op: "define-port-set"; set: number; ports: number[] }
  | { op: "counters" }
  | { op: "meter-stats"; slots: number[] }
  | { op: "dump-flows" }
  | { op: "capture"; dpPort: number; dirs: number }
  | { op: "shutdown" }
);

/** One fast-path meter's counters ("meter-stats" reply, one per requested slot; null when the
 *  slot holds no meter). Counts as numbers (exact to 2^53). */
export interface DatapathMeterStats {
  packets: number;
  bytes: number;
  bands: Array<{ packets: number; bytes: number }>;
}

export type WorkerReply = { id: number } & ({ ok: true; result: unknown } | { ok: false; error: string });

export type WorkerRequestBody = WorkerRequest extends infer R
  ? R extends { id: number }
    ? Omit<R, "id">
    : never
  : never;
