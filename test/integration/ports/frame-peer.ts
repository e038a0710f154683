// Test-side traffic: frames sent and sniffed inside a namespace by frame-peer.py, and frames
// pulled out of a backend into plain byte arrays.

import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { FastPath } from "../../../src/datapath/fastpath-module.ts";
import type { PortBackend } from "../../../src/ports/port-backend.ts";
import { POLLIN, PollSet } from "../../../src/sys/poll.ts";
import { PYTHON } from "../../support/netns.ts";

const PEER = fileURLToPath(new URL("./frame-peer.py", import.meta.url));

export const MARK_SRC = "02:77:76:73:00:01";

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString("hex");
}

/** An Ethernet frame from MARK_SRC (or src) with optional tags, padded to 60 bytes. */
export function frame(opts: { dst?: string; src?: string; tags?: [number, number][]; type?: number; fill?: number }) {
  const mac = (s: string) => Buffer.from(s.replaceAll(":", ""), "hex");
  const parts: Buffer[] = [mac(opts.dst ?? "02:77:76:73:00:02"), mac(opts.src ?? MARK_SRC)];
  for (const [tpid, tci] of opts.tags ?? []) {
    const t = Buffer.alloc(4);
    t.writeUInt16BE(tpid, 0);
    t.writeUInt16BE(tci, 2);
    parts.push(t);
  }
  const ty = Buffer.alloc(2);
  ty.writeUInt16BE(opts.type ?? 0x88b5, 0);
  parts.push(ty);
  const body = Buffer.alloc(46, opts.fill ?? 0xab);
  for (let i = 0; i < body.length; i++) body[i] = (i * 7 + (opts.fill ?? 0)) & 0xff;
  parts.push(body);
  return new Uint8Array(Buffer.concat(parts));
}

/** Sends frames out iface inside ns (null: in our own namespace). */
export async function sendFrames(ns: string | null, iface: string, frames: Uint8Array[]): Promise<void> {
  const argv = [PYTHON, PEER, "send", iface, ...frames.map(hex)];
  await run(ns ? ["ip", "netns", "exec", ns, ...argv] : argv);
}

/** Sends n UDP datagrams from inside ns to addr:port through its stack. */
export async function udpSend(ns: string, addr: string, port: number, n: number): Promise<void> {
  await run(["ip", "netns", "exec", ns, PYTHON, PEER, "udp-send", addr, String(port), String(n)]);
}

function run(argv: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    p.stdout.on("data", (d) => {
      out += d;
    });
    p.stderr.on("data", (d) => {
      err += d;
    });
    p.on("error", reject);
    p.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`${argv.join(" ")}: exit ${code}: ${err}`))));
  });
}

/** `ready` resolves once the socket is bound; `frames` with what was seen (up to n, or fewer at
 *  the deadline). */
export type Sniffer = Listener<Uint8Array>;

/** Sniffs up to n frames from src on iface inside ns, for at most secs seconds. */
export function sniff(ns: string, iface: string, n: number, secs: number, src = MARK_SRC): Sniffer {
  return listen(ns, ["sniff", iface, src, String(n), String(secs)], (line) => new Uint8Array(Buffer.from(line, "hex")));
}

/** Receives up to n UDP datagrams on addr:port inside ns (those whose checksum is right). */
export function udpListen(ns: string, addr: string, port: number, n: number, secs: number): Listener<string> {
  return listen(ns, ["udp-recv", addr, String(port), String(n), String(secs)], (line) => line);
}

export interface Listener<T> {
  ready: Promise<void>;
  frames: Promise<T[]>;
}

function listen<T>(ns: string, args: string[], decode: (line: string) => T): Listener<T> {
  const p = spawn("ip", ["netns", "exec", ns, PYTHON, PEER, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const iface = args[1];
  let buf = "";
  let err = "";
  let onReady: () => void = () => {};
  const ready = new Promise<void>((r) => {
    onReady = r;
  });
  const frames = new Promise<T[]>((resolve, reject) => {
    const got: T[] = [];
    p.stdout.on("data", (d) => {
      buf += d;
      let i = buf.indexOf("\n");
      while (i >= 0) {
        const line = buf.slice(0, i).trim();
        buf = buf.slice(i + 1);
        if (line === "ready") onReady();
        else if (line) got.push(decode(line));
        i = buf.indexOf("\n");
      }
    });
    p.stderr.on("data", (d) => {
      err += d;
    });
    p.on("error", reject);
    p.on("close", (code) =>
      code === 0 ? resolve(got) : reject(new Error(`${args[0]} on ${iface}: exit ${code}: ${err}`)),
    );
  });
  return { ready, frames };
}

/** Polls a backend until `want` frames from MARK_SRC arrived or timeoutMs passed. Returns the
 *  frames' bytes and their buffer ids (still held by the caller), plus how many frames were
 *  received in all (others' frames are freed). */
export async function receiveFrames(
  fp: FastPath,
  port: PortBackend,
  want: number,
  timeoutMs: number,
): Promise<{ frames: Uint8Array[]; ids: number[]; total: number }> {
  const set = new PollSet();
  set.add(port.fd, POLLIN);
  const frames: Uint8Array[] = [];
  const ids: number[] = [];
  const src = Buffer.from(MARK_SRC.replaceAll(":", ""), "hex");
  let total = 0;
  const end = Date.now() + timeoutMs;
  while (frames.length < want && Date.now() < end) {
    set.wait(10);
    const n = port.receive(32);
    total += n;
    const rx = new Uint32Array(fp.memory.buffer, fp.dpRxIds(), n).slice();
    for (const id of rx) {
      const bytes = new Uint8Array(fp.memory.buffer, fp.bufferData(id), fp.bufferLength(id)).slice();
      if (Buffer.from(bytes.subarray(6, 12)).equals(src)) {
        frames.push(bytes);
        ids.push(id);
      } else {
        fp.bufferFree(id);
      }
    }
    if (n === 0) await new Promise((r) => setTimeout(r, 2));
  }
  return { frames, ids, total };
}
