// Differential test against scapy: scapy (Debian python3-scapy, run with /usr/bin/python3)
// builds random frames and dissects them itself (test/fixtures/scapy-dissect.py); every field
// scapy reports must equal the WASM parser's key field. Scapy missing is a failure, never a
// skip: this test is the parser's check against an independent dissector.

import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { decodeKey, type KeyFields } from "../../reference/parser-model.ts";
import { ParseHarness } from "./parse-harness.ts";

const PYTHON = "/usr/bin/python3";
const SCRIPT = fileURLToPath(new URL("../../fixtures/scapy-dissect.py", import.meta.url));
const FRAMES = 600;
const SEED = Number(process.env.SCAPY_SEED ?? 20251122);

interface ScapyFrame {
  hex: string;
  expect: Partial<KeyFields>;
}

function scapyFrames(): ScapyFrame[] {
  const r = spawnSync(PYTHON, [SCRIPT, String(FRAMES), String(SEED)], { encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.error || r.status !== 0) {
    throw new Error(
      `scapy differential test needs ${PYTHON} with scapy (Debian package python3-scapy): ` +
        `${r.error?.message ?? r.stderr.trim().split("\n").pop()}`,
    );
  }
  return JSON.parse(r.stdout) as ScapyFrame[];
}

let h: ParseHarness;
beforeAll(async () => {
  h = await ParseHarness.create();
});

describe("parser vs scapy", () => {
  it(`agrees with scapy's dissection of ${FRAMES} random frames (seed ${SEED})`, () => {
    const frames = scapyFrames();
    expect(frames).toHaveLength(FRAMES);
    const layers = new Set<string>();
    for (const [i, f] of frames.entries()) {
      const frame = Uint8Array.from(Buffer.from(f.hex, "hex"));
      const got = decodeKey(h.parse(frame, i).key);
      const want = { ...f.expect, inPort: i, present: [...(f.expect.present ?? [])].sort() };
      got.present.sort();
      const picked = Object.fromEntries(Object.keys(want).map((k) => [k, got[k as keyof KeyFields]]));
      expect(picked, `frame ${i}: ${f.hex}`).toEqual(want);
      for (const p of f.expect.present ?? []) layers.add(p);
    }
    expect([...layers].sort()).toEqual(
      [
        "ARP",
        "ETH",
        "ICMP4",
        "ICMP6",
        "IPV4",
        "IPV6",
        "IP_OPTIONS",
        "MPLS",
        "ND",
        "SCTP",
        "TCP",
        "UDP",
        "VLAN",
        "VLAN2",
      ].sort(),
    );
  });
});
