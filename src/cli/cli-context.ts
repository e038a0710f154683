// What: what every CLI verb shares — the output sink (CliIo), the context a verb handler gets
// (REST client, JSON-or-table printing), the exit codes, and argument parsers.
//
// Design: `action(io, handler)` adapts a handler to commander's action signature, reading the
// global --server/--json through optsWithGlobals(), so verbs never touch commander internals.
//
// Threading: main thread.

import { type Command, InvalidArgumentError } from "commander";
import { type RestClient, restClient } from "./rest-client.ts";

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

/** Bad command-line input found after parsing (exit code 2). */
export class UsageError extends Error {
  override name = "UsageError";
}

export interface CliContext {
  io: CliIo;
  client: RestClient;
  /** The daemon's base URL (--server), for clients that stream (capture). */
  server: string;
  /** Prints `value` as JSON with --json, else the human rendering. */
  print(value: unknown, human: () => string): void;
}

export type VerbHandler = (ctx: CliContext, args: string[], opts: Record<string, unknown>) => Promise<void>;

export const EXIT_OK = 0;
export const EXIT_DAEMON_ERROR = 1;
export const EXIT_USAGE = 2;

/** Wraps a verb handler as a commander action. */
export function action(io: CliIo, handler: VerbHandler): (...a: unknown[]) => Promise<void> {
  return async (...a: unknown[]) => {
    const cmd = a[a.length - 1] as Command;
    const globals = cmd.optsWithGlobals() as { server: string; json?: boolean };
    const ctx: CliContext = {
      io,
      client: restClient(globals.server),
      server: globals.server,
      print: (value, human) => io.out(globals.json ? `${JSON.stringify(value, null, 2)}\n` : human()),
    };
    await handler(ctx, a.slice(0, -2) as string[], cmd.opts());
  };
}

/** A commander argument/option parser for an integer (range checks are the daemon's job). */
export function integer(what: string): (value: string) => number {
  return (value) => {
    if (!/^-?[0-9]+$/.test(value.trim())) throw new InvalidArgumentError(`${what} must be an integer, got "${value}"`);
    return Number(value);
  };
}

/** Parses "10,20,30" (or "" for none) into VLAN ids. */
export function integerList(what: string): (value: string) => number[] {
  return (value) => (value.trim() === "" ? [] : value.split(",").map((v) => integer(what)(v.trim())));
}
