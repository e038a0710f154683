// Kill at random moments during a burst of concurrent REST writes: every write the daemon
// acknowledged with a 2xx is there after the restart, and nothing else changed.
//
// Design:
//
//   LANES lanes run side by side, each with its own state dir kept for all its trials (so the
//   journal grows past the store's 1000-record compaction threshold, again and again, and
//   every restart replays a snapshot plus a long tail). Per lane:
//
//     spawn daemon (--no-datapath) ─► create shared bridges sh0, sh1
//     trial × N:  actors write concurrently ─► once WARMUP_ACKS writes are acknowledged (a fresh
//                 daemon answers its first writes slowly), SIGKILL after U(0, KILL_MAX_MS) ms
//                 ─► spawn on the same dir ─► read GET /v1/bridges (+ each bridge's ports)
//                 ─► judge every object ─► the restarted daemon serves the next trial
//
//   The actors (write-model.ts) each own one object — a whole bridge kN with its ports and
//   static MACs, a port qN/lo wandering between the shared bridges, or a shared bridge's
//   settings — and write it one request at a time, so each object's writes are totally
//   ordered and at most one of them is in flight at the kill. Twelve actors keep up to twelve
//   requests in flight, all read-modify-writes of a handful of stored bridges.
//
// The check, per object o, after the restart:
//   A(o) = o's state after its last acknowledged (2xx) write — or its state at the start of
//          the trial if none was acknowledged in this trial;
//   F(o) = o's state after its in-flight write (sent, no answer when the daemon died), if any;
//   observed(o) must equal A(o) or F(o), deep-equal (VLAN mode, tag, trunks, ofport, admin
//   state, options, static MACs, bridge settings). A write refused at connect (ECONNREFUSED)
//   never reached the daemon, so for it only A(o) is allowed. Then the whole GET /v1/bridges
//   must equal the state rebuilt from the judged objects (no extra bridge or port, the
//   untouched br0 unchanged, order by name / ofport) and each GET .../ports must equal its
//   bridge's ports. The judged state is the starting state of the next trial.
//   Every 2xx body is also compared with the oracle's prediction, so A(o) is what the daemon
//   itself said it did.
//
// The daemon is started exactly as users start it (`node --import tsx src/cli/main.ts start`,
// through spawnDaemon), about 1.7 s of CPU per start; four lanes run side by side.
//
// Prints one summary line: trials, duration, acknowledged writes checked, in-flight writes
// that landed / did not / could not be told apart, compactions and torn tails seen.
// WASMVS_KILL_TRIALS and WASMVS_KILL_SEED override the trial count and the seed.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { type DaemonProcess, killAllDaemons, spawnDaemon } from "../daemon/daemon-process.ts";
import { rest, restOk } from "./rest.ts";

type Launcher = (stateDir: string, extra?: string[]) => Promise<DaemonProcess>;

import {
  type Actor,
  BridgeActor,
  type BridgeView,
  type Planned,
  PortActor,
  type PortView,
  prng,
  type Rand,
  SettingsActor,
  settingsOf,
} from "./write-model.ts";

const TRIALS = Number(process.env.WASMVS_KILL_TRIALS ?? 200);
const LANES = 4;
const KILL_MAX_MS = 600;
/** Acknowledged writes before the kill timer starts: a fresh daemon answers its first writes slowly. */
const WARMUP_ACKS = 24;
const SEED = Number(process.env.WASMVS_KILL_SEED ?? Math.floor(Math.random() * 2 ** 31));
const FLAGS = ["--no-datapath"];
const SHARED = ["sh0", "sh1"];
const DEFAULT_BRIDGE = "br0";

const root = mkdtempSync(join(tmpdir(), "wasmvs-kill-writes-"));
let keepRoot = false;

afterAll(() => {
  killAllDaemons();
  if (keepRoot) console.log(`kill-during-writes: state dirs kept for inspection in ${root}`);
  else rmSync(root, { recursive: true, force: true });
});

interface Totals {
  trials: number;
  acked: number;
  landed: number;
  notLanded: number;
  sameEitherWay: number;
  refused: number;
  compactions: number;
  tornTails: number;
  unfinishedCompactions: number;
  maxReplayed: number;
  restartMs: number[];
  problems: string[];
}

const totals: Totals = {
  trials: 0,
  acked: 0,
  landed: 0,
  notLanded: 0,
  sameEitherWay: 0,
  refused: 0,
  compactions: 0,
  tornTails: 0,
  unfinishedCompactions: 0,
  maxReplayed: 0,
  restartMs: [],
  problems: [],
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function logMessages(d: DaemonProcess): Array<{ msg?: string; records?: number }> {
  const out: Array<{ msg?: string; records?: number }> = [];
  for (const line of d.lines) {
    try {
      out.push(JSON.parse(line));
    } catch {
      // not a log line
    }
  }
  return out;
}

function errorCode(err: unknown): string | undefined {
  let e: unknown = err;
  while (e instanceof Error) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === "string") return code;
    e = e.cause;
  }
  return undefined;
}

interface InFlight {
  planned: Planned<unknown>;
  refused: boolean;
}

class Lane {
  private readonly r: Rand;
  private readonly dir: string;
  private daemon!: DaemonProcess;
  private br0!: BridgeView;
  private readonly bridgeActors = ["k0", "k1", "k2"].map((n) => new BridgeActor(n));
  private readonly portActors = ["lo", "q0", "q1", "q2", "q3", "q4", "q5"].map(
    (n, i) => new PortActor(n, SHARED, 100 + 10 * i),
  );
  private settingsActors: SettingsActor[] = [];
  compactionsSeen = 0;
  /** Restarts that replayed fewer records than the one before: a compaction happened in between. */
  replayDrops = 0;
  private lastReplayed = 0;

  constructor(
    private readonly id: number,
    seed: number,
    private readonly launch: Launcher,
  ) {
    this.r = prng(seed);
    this.dir = join(root, `lane${id}`);
  }

  private get actors(): Actor<unknown>[] {
    return [...this.bridgeActors, ...this.portActors, ...this.settingsActors] as Actor<unknown>[];
  }

  async setUp(): Promise<void> {
    this.daemon = await this.launch(this.dir, FLAGS);
    for (const name of SHARED) await restOk(this.daemon.url, "POST", "/bridges", { name });
    const bridges = (await restOk(this.daemon.url, "GET", "/bridges")).json as BridgeView[];
    const find = (n: string) => {
      const b = bridges.find((x) => x.name === n);
      if (b === undefined) throw new Error(`lane ${this.id}: bridge ${n} missing after set-up`);
      return b;
    };
    this.br0 = find(DEFAULT_BRIDGE);
    this.settingsActors = SHARED.map((n) => new SettingsActor(n, settingsOf(find(n))));
  }

  async trial(t: number): Promise<void> {
    const tag = `lane ${this.id} trial ${t}`;
    const problem = (s: string) => totals.problems.push(`${tag}: ${s}`);
    const inFlight = new Map<Actor<unknown>, InFlight>();
    const url = this.daemon.url;
    let killed = false;
    let acks = 0;
    let warmed = () => {};
    const warm = new Promise<void>((resolve) => {
      warmed = resolve;
    });

    const run = async (a: Actor<unknown>) => {
      while (!killed) {
        const planned = a.plan(this.r);
        const flight: InFlight = { planned, refused: false };
        inFlight.set(a, flight);
        let reply: Awaited<ReturnType<typeof rest>>;
        try {
          reply = await rest(url, planned.method, planned.path, planned.body);
        } catch (err) {
          if (!killed) problem(`${planned.method} ${planned.path} failed before the kill: ${String(err)}`);
          flight.refused = errorCode(err) === "ECONNREFUSED";
          return;
        }
        inFlight.delete(a);
        if (reply.status !== planned.status) {
          problem(
            `${a.key}: ${planned.what} ${planned.method} ${planned.path} ${JSON.stringify(planned.body)} -> ` +
              `${reply.status} ${JSON.stringify(reply.json)} (expected ${planned.status})`,
          );
          return;
        }
        const bad = planned.checkBody(reply.json);
        if (bad !== undefined) problem(`${a.key}: ${planned.what} ${planned.method} ${planned.path}: ${bad}`);
        a.state = planned.after;
        totals.acked++;
        if (++acks === WARMUP_ACKS) warmed();
      }
    };

    const burst = Promise.all(this.actors.map(run));
    await Promise.race([warm, sleep(10_000)]);
    await sleep(this.r() * KILL_MAX_MS);
    killed = true;
    this.daemon.child.kill("SIGKILL");
    const how = await this.daemon.exited;
    await burst;
    if (how !== "SIGKILL") problem(`daemon ended with ${how}, not by SIGKILL`);
    const compactions = logMessages(this.daemon).filter((m) => m.msg === "config store: journal compacted").length;
    this.compactionsSeen += compactions;
    totals.compactions += compactions;

    const restartAt = Date.now();
    try {
      this.daemon = await this.launch(this.dir, FLAGS);
      totals.restartMs.push(Date.now() - restartAt);
    } catch (err) {
      keepRoot = true;
      throw new Error(`${tag}: the daemon did not come back on ${this.dir}: ${(err as Error).message}`);
    }
    for (const m of logMessages(this.daemon)) {
      if (m.msg?.startsWith("config journal: truncating torn tail")) totals.tornTails++;
      if (m.msg === "config store: removed an unfinished compaction file") totals.unfinishedCompactions++;
      if (m.msg === "config store: journal replayed") {
        const records = m.records ?? 0;
        totals.maxReplayed = Math.max(totals.maxReplayed, records);
        if (records < this.lastReplayed) this.replayDrops++;
        this.lastReplayed = records;
      }
    }
    await this.check(problem, inFlight);
    totals.trials++;
  }

  private async check(problem: (s: string) => void, inFlight: Map<Actor<unknown>, InFlight>): Promise<void> {
    const url = this.daemon.url;
    const before = totals.problems.length;
    const bridges = (await restOk(url, "GET", "/bridges")).json as BridgeView[];
    const byName = new Map(bridges.map((b) => [b.name, b]));
    for (const b of bridges) {
      const ports = (await restOk(url, "GET", `/bridges/${b.name}/ports`)).json as PortView[];
      if (!isDeepStrictEqual(ports, b.ports)) {
        problem(`GET /bridges/${b.name}/ports ${JSON.stringify(ports)} != ports in GET /bridges`);
      }
    }

    const judge = (a: Actor<unknown>, observed: unknown) => {
      const flight = inFlight.get(a);
      const isAcked = isDeepStrictEqual(observed, a.state);
      const isFlight = flight !== undefined && isDeepStrictEqual(observed, flight.planned.after);
      if (flight !== undefined) {
        if (flight.refused) totals.refused++;
        if (isAcked && isFlight) totals.sameEitherWay++;
        else if (isFlight) totals.landed++;
        else if (isAcked) totals.notLanded++;
        if (isFlight && !isAcked && flight.refused) {
          problem(`${a.key}: a write refused at connect (never sent) is in the restarted state`);
        }
      }
      if (!isAcked && !isFlight) {
        const f = flight?.planned;
        problem(
          `${a.key} after restart is ${JSON.stringify(observed)}; acknowledged state ${JSON.stringify(a.state)}` +
            (f === undefined
              ? "; nothing was in flight"
              : `; in flight: ${f.what} ${f.method} ${f.path} ${JSON.stringify(f.body)} → ${JSON.stringify(f.after)}`),
        );
      }
      a.state = observed; // the judged state starts the next trial
    };

    for (const a of this.bridgeActors) judge(a, byName.get(a.name) ?? null);
    for (const a of this.settingsActors) {
      const b = byName.get(a.bridge);
      if (b === undefined) problem(`shared bridge ${a.bridge} is gone after restart`);
      else judge(a, settingsOf(b));
    }
    for (const a of this.portActors) {
      const homes = bridges.filter((b) => b.ports.some((p) => p.name === a.name));
      if (homes.length > 1) problem(`port ${a.name} is on several bridges: ${homes.map((b) => b.name).join(", ")}`);
      const home = homes[0];
      judge(a, home === undefined ? null : { bridge: home.name, port: home.ports.find((p) => p.name === a.name) });
    }

    // The whole configuration: exactly the judged objects, nothing else.
    const expected: BridgeView[] = [this.br0];
    for (const s of this.settingsActors) {
      expected.push({
        name: s.bridge,
        ...s.state,
        datapathId: "0000000000000000",
        controllers: [],
        ports: this.portActors
          .filter((p) => p.state?.bridge === s.bridge)
          .map((p) => p.state?.port as PortView)
          .sort((x, y) => x.ofport - y.ofport),
        staticMacs: [],
      });
    }
    for (const a of this.bridgeActors) if (a.state !== null) expected.push(a.state);
    expected.sort((x, y) => x.name.localeCompare(y.name));
    if (totals.problems.length === before && !isDeepStrictEqual(bridges, expected)) {
      problem(`GET /bridges after restart ${JSON.stringify(bridges)} != judged state ${JSON.stringify(expected)}`);
    }
    if (totals.problems.length > before) keepRoot = true;
  }

  async tearDown(): Promise<void> {
    this.daemon.child.kill("SIGKILL");
    await this.daemon.exited;
  }
}

describe("SIGKILL during a burst of REST writes", () => {
  it(`keeps every acknowledged write across ${TRIALS} kills at random moments`, { timeout: 900_000 }, async () => {
    const launch: Launcher = spawnDaemon;
    const how = "node --import tsx";
    const started = Date.now();
    const lanes = Array.from({ length: LANES }, (_, i) => new Lane(i, SEED + i * 7919, launch));
    const perLane = (i: number) => Math.floor(TRIALS / LANES) + (i < TRIALS % LANES ? 1 : 0);
    await Promise.all(
      lanes.map(async (lane, i) => {
        try {
          await lane.setUp();
          for (let t = 0; t < perLane(i); t++) await lane.trial(t);
          await lane.tearDown();
        } catch (err) {
          keepRoot = true;
          totals.problems.push(`lane ${i} stopped: ${(err as Error).message}`);
        }
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    const inFlight = totals.landed + totals.notLanded + totals.sameEitherWay;
    console.log(
      `kill-during-writes: ${totals.trials} trials in ${LANES} lanes, ${seconds.toFixed(1)} s ` +
        `(daemon from ${how}, seed ${SEED}); ` +
        `acknowledged writes checked: ${totals.acked}; in flight at the kill: ${inFlight} ` +
        `(${totals.landed} landed, ${totals.notLanded} did not, ${totals.sameEitherWay} same either way; ` +
        `${totals.refused} refused at connect); compactions: ${totals.compactions} ` +
        `(per lane ${lanes.map((l) => l.compactionsSeen).join("/")}); torn tails truncated: ${totals.tornTails}; ` +
        `unfinished compaction files removed: ${totals.unfinishedCompactions}; ` +
        `most records replayed: ${totals.maxReplayed}; ` +
        `restart to ready: mean ${(totals.restartMs.reduce((x, y) => x + y, 0) / totals.restartMs.length).toFixed(0)} ms; ` +
        `problems: ${totals.problems.length}`,
    );
    expect(totals.problems.slice(0, 20)).toEqual([]);
    expect(totals.trials).toBe(TRIALS);
    // The bursts were real: on average several acknowledged writes per trial.
    expect(totals.acked).toBeGreaterThan(TRIALS * 5);
    // At the default size every lane's journal passes the 1000-record threshold (about 60
    // acknowledged writes per trial, 50 trials per lane), so restarts replay compacted journals.
    if (TRIALS >= 200) {
      for (const lane of lanes) expect(lane.compactionsSeen + lane.replayDrops).toBeGreaterThan(0);
    }
  });
});
