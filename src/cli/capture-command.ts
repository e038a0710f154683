// What: `wasmvs capture <bridge> <port> [-w file.pcap] [-c N] [--direction in|out|both]` — a
// port's frames as received and transmitted, to a pcap file or as tcpdump-like lines, like
// `ovs-tcpdump`.
//
// Design: a streaming client of GET …/ports/{port}/capture (src/api/capture.ts): the daemon
// mirrors the port only while this request is open and sends frames in its own framing
// (src/observe/capture-stream.ts); this process writes the pcap itself (src/observe/pcap.ts),
// so the file belongs to whoever ran the command. "capturing on …" goes to stderr once the
// mirror is on (as tcpdump's "listening on"). It stops after -c N frames, on Ctrl-C/SIGTERM, or
// when the daemon ends the stream (port removed, switch stopping); in every case the request
// is aborted, which removes the mirror, and the file is complete.
//
// Threading: main thread.

import { closeSync, openSync, writeSync } from "node:fs";
import { type Command, InvalidArgumentError, Option } from "commander";
import { CaptureStreamDecoder } from "../observe/capture-stream.ts";
import { summarizeFrame } from "../observe/frame-summary.ts";
import { pcapFileHeader, pcapRecord } from "../observe/pcap.ts";
import { action, type CliIo } from "./cli-context.ts";
import { DaemonError, seg } from "./rest-client.ts";
import { processTerminal, type Terminal } from "./terminal.ts";

export interface CaptureOptions {
  server: string;
  bridge: string;
  port: string;
  direction: "in" | "out" | "both";
  count?: number;
  file?: string;
}

/** -c: a positive whole number of frames, named in the error otherwise. */
export function frameCount(value: string): number {
  const v = value.trim();
  if (!/^[0-9]+$/.test(v) || Number(v) < 1 || !Number.isSafeInteger(Number(v))) {
    throw new InvalidArgumentError(`-c must be a positive whole number of frames, got "${value}"`);
  }
  return Number(v);
}

/** Runs one capture; resolves with the number of frames written once it has stopped. */
export async function runCapture(opts: CaptureOptions, io: CliIo, term: Terminal): Promise<number> {
  const base = opts.server.replace(/\/+$/, "");
  const query = new URLSearchParams({ direction: opts.direction });
  if (opts.count !== undefined) query.set("count", String(opts.count));
  const url = `${base}/v1/bridges/${seg(opts.bridge)}/ports/${seg(opts.port)}/capture?${query}`;
  const abort = new AbortController();
  const undoInt = term.onInterrupt(() => abort.abort());
  let fd: number | undefined;
  let frames = 0;
  try {
    let res: Response;
    try {
      res = await fetch(url, { signal: abort.signal });
    } catch (err) {
      if (abort.signal.aborted) return 0;
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new DaemonError(
        `cannot reach the wasmvs daemon at ${base}: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
        "UNREACHABLE",
        0,
      );
    }
    if (!res.ok) {
      const text = await res.text();
      let e: { error?: string; message?: string } | undefined;
      try {
        e = JSON.parse(text);
      } catch {
        e = undefined;
      }
      throw new DaemonError(e?.message ?? `HTTP ${res.status} ${res.statusText}`, e?.error ?? "HTTP", res.status);
    }
    if (opts.file !== undefined) {
      fd = openSync(opts.file, "w");
      writeSync(fd, pcapFileHeader());
    }
    const decoder = new CaptureStreamDecoder();
    const reader = res.body?.getReader();
    let endReason: string | undefined;
    let announced = false;
    try {
      while (reader && endReason === undefined && !(opts.count !== undefined && frames >= opts.count)) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const ev of decoder.push(value)) {
          if (ev.kind === "end") {
            endReason = ev.reason;
            break;
          }
          if (opts.count !== undefined && frames >= opts.count) break;
          const f = ev.frame;
          if (fd !== undefined) writeSync(fd, pcapRecord(f.timeMs, f.data, f.origLen));
          else io.out(`${summarizeFrame(f.data, f.dir, f.timeMs)}\n`);
          frames++;
        }
        if (decoder.started && !announced) {
          announced = true;
          io.err(
            `capturing on ${opts.bridge}/${opts.port}, direction ${opts.direction}${opts.file ? `, writing ${opts.file}` : ""}\n`,
          );
        }
      }
    } catch (err) {
      if (!abort.signal.aborted) throw err;
    } finally {
      abort.abort(); // the daemon sees the request go and removes the mirror
    }
    io.err(
      `${frames} frame${frames === 1 ? "" : "s"} captured${endReason && !endReason.endsWith("captured") ? ` (${endReason})` : ""}\n`,
    );
    return frames;
  } finally {
    undoInt();
    if (fd !== undefined) closeSync(fd);
  }
}

export function addCaptureCommand(program: Command, io: CliIo, term: (io: CliIo) => Terminal = processTerminal): void {
  program
    .command("capture")
    .description("mirror a port's frames to a pcap file or print them (like ovs-tcpdump)")
    .argument("<bridge>", "bridge name")
    .argument("<port>", "port name (the bridge's name for its internal port)")
    .option("-w, --write <file>", "write a pcap file (readable by tcpdump, tshark) instead of printing")
    .option("-c, --count <n>", "stop after n frames", frameCount)
    .addOption(
      new Option("--direction <dir>", "frames received (in), transmitted (out) or both")
        .choices(["in", "out", "both"])
        .default("both"),
    )
    .action(
      action(io, async (ctx, [bridge, port], opts) => {
        await runCapture(
          {
            server: ctx.server,
            bridge,
            port,
            direction: opts.direction as CaptureOptions["direction"],
            count: opts.count as number | undefined,
            file: opts.write as string | undefined,
          },
          io,
          term(io),
        );
      }),
    );
}
