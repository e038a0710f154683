// The set-field records 30..44 against scapy: scapy (Debian python3-scapy, run with
// /usr/bin/python3) builds each frame before and after the field change with every checksum
// computed from scratch (test/fixtures/scapy-set-fields.py); the WASM executor, given the
// "before" frame and the one record, must send exactly the "after" bytes — so its incremental
// IPv4 / ICMP / ICMPv6 checksum updates are checked against an independent implementation.
// The reference model (test/reference/actions-model-set-fields.ts) must agree too. Scapy
// missing is a failure, never a skip.

import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { type Action, encodeActions, executeModel, SamplerModel } from "../../reference/actions-model.ts";
import { ActionHarness, hex } from "./harness.ts";

const PYTHON = "/usr/bin/python3";
const SCRIPT = fileURLToPath(new URL("../../fixtures/scapy-set-fields.py", import.meta.url));

interface Case {
  name: string;
  action: Record<string, unknown> & { t: string };
  before: string;
  after: string;
}

function scapyCases(): Case[] {
  const r = spawnSync(PYTHON, [SCRIPT], { encoding: "utf8" });
  if (r.error || r.status !== 0) {
    throw new Error(
      `set-field scapy test needs ${PYTHON} with scapy (Debian package python3-scapy): ` +
        `${r.error?.message ?? r.stderr.trim().split("\n").pop()}`,
    );
  }
  return JSON.parse(r.stdout) as Case[];
}

const fromHex = (s: string) => Uint8Array.from(Buffer.from(s, "hex"));
const toAction = (a: Case["action"]): Action =>
  (typeof a.addr === "string" ? { ...a, addr: fromHex(a.addr) } : a) as unknown as Action;

let h: ActionHarness;
let cases: Case[];
beforeAll(async () => {
  h = await ActionHarness.create(64);
  cases = scapyCases();
});

describe("set-field records vs scapy", () => {
  it("covers every record type 30..44 and the no-header cases", () => {
    const types = new Set(cases.map((c) => c.action.t));
    expect([...types].sort()).toEqual(
      [
        "set_arp_op",
        "set_arp_sha",
        "set_arp_spa",
        "set_arp_tha",
        "set_arp_tpa",
        "set_ecn",
        "set_icmp4_code",
        "set_icmp4_type",
        "set_icmp6_code",
        "set_icmp6_type",
        "set_ipv6_label",
        "set_nd_sll",
        "set_nd_target",
        "set_nd_tll",
        "set_ttl",
      ].sort(),
    );
    expect(cases.filter((c) => c.before === c.after).length).toBeGreaterThanOrEqual(4);
  });

  it("sends the frame scapy builds after the change, checksums included (WASM and model)", () => {
    for (const c of cases) {
      const before = fromHex(c.before);
      const list = encodeActions([toAction(c.action), { t: "output", port: 2 }]);
      const r = h.run(before, 1, list);
      expect(r.audit, c.name).toBe(0);
      expect(r.leaked, c.name).toBe(0);
      expect((r.tx.get(2) ?? []).map(hex), c.name).toEqual([c.after]);
      const { model: parsed } = h.parsedBoth(before, 1);
      const m = executeModel(before, parsed, list, { portSets: new Map(), sampler: new SamplerModel() });
      expect((m.tx.get(2) ?? []).map(hex), `model: ${c.name}`).toEqual([c.after]);
    }
  });
});
