// Spawning the real daemon (`node --import tsx src/cli/main.ts start --rest 127.0.0.1:0 ...`)
// for tests: waits for the "wasmvs ready" log line and reads the bound REST address from it.
// Every process started here is tracked so afterAll can kill the stragglers.

import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const MAIN = "src/cli/main.ts";

export interface DaemonProcess {
  child: ChildProcess;
  url: string;
  /** Every stdout line so far (pino JSON). */
  lines: string[];
  /** Resolves with the exit code (or the signal name) when the process ends. */
  exited: Promise<number | string>;
}

const running = new Set<ChildProcess>();

export async function spawnDaemon(stateDir: string, extra: string[] = []): Promise<DaemonProcess> {
  const child = spawn(
    process.execPath,
    // No OpenFlow TCP listener unless a test asks (`extra` may pass --openflow, which wins):
    // parallel test daemons would all want the default 6653.
    [
      "--import",
      "tsx",
      MAIN,
      "start",
      "--rest",
      "127.0.0.1:0",
      "--openflow",
      "none",
      "--state-dir",
      stateDir,
      ...extra,
    ],
    { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] },
  );
  running.add(child);
  const lines: string[] = [];
  let stderr = "";
  const exited = new Promise<number | string>((resolve) =>
    child.on("exit", (code, signal) => {
      running.delete(child);
      resolve(code ?? signal ?? -1);
    }),
  );
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    let buffered = "";
    child.stdout?.on("data", (d: Buffer) => {
      buffered += d.toString();
      let nl = buffered.indexOf("\n");
      while (nl >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        lines.push(line);
        try {
          const rec = JSON.parse(line) as { msg?: string; rest?: string };
          if (rec.msg === "wasmvs ready" && rec.rest) resolve(rec.rest);
        } catch {
          // not a log line
        }
        nl = buffered.indexOf("\n");
      }
    });
    void exited.then((code) =>
      reject(new Error(`daemon exited (${code}) before ready:\n${lines.join("\n")}\n${stderr}`)),
    );
    setTimeout(() => reject(new Error(`daemon not ready after 30 s:\n${lines.join("\n")}\n${stderr}`)), 30_000).unref();
  });
  return { child, url, lines, exited };
}

/** SIGKILLs every daemon these helpers started that is still running. */
export function killAllDaemons(): void {
  for (const child of running) child.kill("SIGKILL");
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI as a process: `node --import tsx src/cli/main.ts ARGS`. */
export function runCliProcess(args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], {
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}
