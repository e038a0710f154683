// A real API over a real SwitchService over a real ConfigStore in a temp dir, driven with
// fastify's inject. `expectUnchanged` proves a rejected request changed nothing: the API's view,
// the store's sequence number and the journal's bytes are all identical before and after.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { expect } from "vitest";
import { type Api, buildApi } from "../../../src/api/app.ts";
import type { FlowBridges } from "../../../src/api/flows.ts";
import type { TraceTargets } from "../../../src/api/trace.ts";
import { ConfigStore, JOURNAL_FILE } from "../../../src/config/config-store.ts";
import type { DataplaneView } from "../../../src/switch/dataplane-view.ts";
import { SwitchService } from "../../../src/switch/switch-service.ts";

export interface Harness {
  dir: string;
  api: Api;
  service: SwitchService;
  store: ConfigStore;
  // biome-ignore lint/suspicious/noExplicitAny: parsed JSON, checked by the assertions
  call(method: string, url: string, payload?: unknown): Promise<{ status: number; body: any }>;
  /** Runs `fn` and asserts nothing observable or durable changed. */
  expectUnchanged(fn: () => Promise<void>): Promise<void>;
  /** Closes everything and opens a fresh store/service/API on the same directory. */
  reopen(): Promise<Harness>;
  close(): Promise<void>;
}

export const logger = pino({ level: "silent" });

export async function openHarness(
  opts: {
    dir?: string;
    sysfsRoot?: string;
    dataplane?: DataplaneView;
    flows?: FlowBridges;
    traceTargets?: TraceTargets;
  } = {},
) {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), "wasmvs-api-"));
  const store = await ConfigStore.open(dir, logger);
  const service = new SwitchService({ store, logger, sysfsRoot: opts.sysfsRoot, dataplane: opts.dataplane });
  service.start();
  const api = await buildApi(service, logger, { flows: opts.flows, traceTargets: opts.traceTargets });
  const call = async (method: string, url: string, payload?: unknown) => {
    const res = await api.inject({
      method: method as "GET",
      url,
      ...(payload === undefined
        ? {}
        : typeof payload === "string"
          ? { payload, headers: { "content-type": "application/json" } }
          : { payload: payload as object }),
    });
    return { status: res.statusCode, body: res.body === "" ? undefined : res.json() };
  };
  const observe = async () => ({
    bridges: (await call("GET", "/v1/bridges")).body,
    seq: store.stats().seq,
    journal: readFileSync(join(dir, JOURNAL_FILE)).toString("hex"),
  });
  const harness: Harness = {
    dir,
    api,
    service,
    store,
    call,
    async expectUnchanged(fn) {
      const before = await observe();
      await fn();
      expect(await observe()).toEqual(before);
    },
    async reopen() {
      await harness.close();
      return openHarness({ ...opts, dir });
    },
    async close() {
      await api.close();
      await service.close();
      await store.close();
    },
  };
  return harness;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
