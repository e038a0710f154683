// What: the terminal a live CLI view (`wasmvs top`, `wasmvs capture`) needs beyond CliIo:
// whether stdout is a TTY, its width, raw key presses, Ctrl-C, and restoring it on exit.
//
// Design: an interface so tests drive the views with a fake terminal; processTerminal() is
// the real one over process.stdin/stdout and SIGINT/SIGTERM. Raw mode is entered only on a
// TTY and always left by the returned undo, so a crash path that runs the undo leaves the
// shell usable.
//
// Threading: main thread.

import type { CliIo } from "./cli-context.ts";

export interface Terminal {
  readonly isTTY: boolean;
  columns(): number;
  write(text: string): void;
  /** Calls fn with each key pressed (raw mode, TTY only); returns the undo. */
  onKey(fn: (key: string) => void): () => void;
  /** Calls fn on Ctrl-C / SIGTERM; returns the undo. */
  onInterrupt(fn: () => void): () => void;
}

export const ANSI = {
  altScreenOn: "\x1b[?1049h",
  altScreenOff: "\x1b[?1049l",
  hideCursor: "\x1b[?25l",
  showCursor: "\x1b[?25h",
  home: "\x1b[H",
  clearBelow: "\x1b[J",
  clearLineRight: "\x1b[K",
} as const;

/** The process's terminal; text goes out through io (process.stdout in the real CLI). */
export function processTerminal(io: CliIo): Terminal {
  return {
    isTTY: process.stdout.isTTY === true,
    // A PTY without a window size (script(1), some CI runners) reports 0 columns.
    columns: () => process.stdout.columns || 120,
    write: (text) => io.out(text),
    onKey(fn) {
      const stdin = process.stdin;
      if (!stdin.isTTY) return () => {};
      stdin.setRawMode(true);
      stdin.resume();
      const listener = (d: Buffer) => fn(d.toString("utf8"));
      stdin.on("data", listener);
      return () => {
        stdin.off("data", listener);
        stdin.setRawMode(false);
        stdin.pause();
      };
    },
    onInterrupt(fn) {
      process.on("SIGINT", fn);
      process.on("SIGTERM", fn);
      return () => {
        process.off("SIGINT", fn);
        process.off("SIGTERM", fn);
      };
    },
  };
}
