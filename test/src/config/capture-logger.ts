// A pino logger whose output the test can read: every line pino writes is parsed and kept.

import { Writable } from "node:stream";
import { type Logger, pino } from "pino";

export interface CapturedLogger {
  logger: Logger;
  lines: Array<{ level: number; msg: string; [key: string]: unknown }>;
}

export function captureLogger(): CapturedLogger {
  const lines: CapturedLogger["lines"] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString("utf8").split("\n")) if (line !== "") lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: "debug" }, stream), lines };
}

/** pino's numeric level for warn. */
export const PINO_WARN = 40;
