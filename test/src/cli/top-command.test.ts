import { describe, expect, it } from "vitest";
import type { RestClient } from "../../../src/cli/rest-client.ts";
import type { PortStatsJson } from "../../../src/cli/stats-command.ts";
import { ANSI, type Terminal } from "../../../src/cli/terminal.ts";
import { renderTop, runTop, si, type TopSample } from "../../../src/cli/top-command.ts";
import type { MegaflowView } from "../../../src/observe/dataplane-observer.ts";

const stats = (rxPackets: number, rxBytes: number): PortStatsJson => ({
  rxPackets,
  rxBytes,
  rxDropped: 0,
  rxErrors: 0,
  txPackets: 0,
  txBytes: 0,
  txDropped: 1,
  txErrors: 0,
  linkUp: true,
  mtu: 1500,
});
const flow = (handle: number, packets: number): MegaflowView => ({
  handle,
  bridge: "br0",
  inPort: 1,
  match: `recirc_id(0),in_port(1),eth(dst=02:00:00:00:00:0${handle})`,
  packets,
  bytes: packets * 100,
  usedSeconds: 0,
  ageSeconds: 1,
  tcpFlags: "",
  emc: 1,
  actions: "output:2",
  line: "",
});

describe("wasmvs top", () => {
  it("shows rates as differences over the interval and orders megaflows by packet rate", () => {
    const prev: TopSample = {
      at: 0,
      ports: [{ bridge: "br0", port: "p1", stats: stats(0, 0) }],
      flows: [flow(1, 0), flow(2, 0)],
    };
    const cur: TopSample = {
      at: 2000,
      ports: [{ bridge: "br0", port: "p1", stats: stats(2000, 250_000) }],
      flows: [flow(1, 10), flow(2, 400)],
    };
    const text = renderTop(cur, prev, 200);
    expect(text).toContain("rates over 2.0 s");
    expect(text).toMatch(/br0\s+p1\s+1.00k\s+1.00M\s+0\s+0\s+1\s+up/);
    const flowLines = text.split("\n").filter((l) => l.includes("recirc_id"));
    expect(flowLines[0]).toMatch(
      /^\s*200\s+160.00k\s+400\s+1\s+recirc_id\(0\),in_port\(1\),eth\(dst=02:00:00:00:00:02\) actions:output:2$/,
    );
    expect(flowLines[1]).toContain("eth(dst=02:00:00:00:00:01)");
    expect(renderTop(cur, undefined, 200)).not.toContain("rates over");
    for (const l of renderTop(cur, prev, 40).split("\n")) expect(l.length).toBeLessThanOrEqual(40);
    expect([si(999), si(1234), si(2.5)]).toEqual(["999", "1.23k", "2.5"]);
  });

  it("on a TTY draws in place and restores the terminal when q is pressed", async () => {
    const written: string[] = [];
    let keyFn: ((k: string) => void) | undefined;
    let undone = 0;
    const term: Terminal = {
      isTTY: true,
      columns: () => 100,
      write: (t) => written.push(t),
      onKey: (fn) => {
        keyFn = fn;
        return () => {
          undone++;
        };
      },
      onInterrupt: () => () => {
        undone++;
      },
    };
    let calls = 0;
    const client: RestClient = {
      async request<T>(_m: string, path: string): Promise<T> {
        calls++;
        if (path === "/bridges") return [{ name: "br0" }] as T;
        if (path === "/bridges/br0/ports") return [{ name: "p1" }] as T;
        if (path.endsWith("/stats")) return stats(calls, calls * 10) as T;
        if (calls > 8) setImmediate(() => keyFn?.("q"));
        return { flows: [] } as T;
      },
    };
    await runTop(client, term, { intervalMs: 5 });
    expect(written[0]).toBe(ANSI.altScreenOn + ANSI.hideCursor);
    expect(written.at(-1)).toBe(ANSI.showCursor + ANSI.altScreenOff);
    expect(written.slice(1, -1).every((w) => w.startsWith(ANSI.home))).toBe(true);
    expect(written.length).toBeGreaterThan(3);
    expect(undone).toBe(2);
  });
});
