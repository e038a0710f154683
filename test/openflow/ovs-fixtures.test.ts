// The codec against Open vSwitch's own bytes: every OpenFlow 1.3 message of a real
// `ovs-ofctl -O OpenFlow13` session with a real ovs-vswitchd, captured on lo with dumpcap and cut
// into messages by test/fixtures/openflow/capture-ovs.ts (ovs/session.jsonl: which command's
// connection, which side sent it, the OFPT type, the bytes), is decoded and re-encoded by
// openflow/message.ts byte for byte — both directions: what ovs-ofctl sends a switch and what a
// switch (OVS) sends back.
//
// Open vSwitch extensions in the session are decoded as the 1.3 spec's opaque experimenter
// forms, not as what they mean to OVS (wasmvs does not implement them): they are listed in
// OVS_EXTENSIONS below with what the decoder yields, and the test asserts exactly that. Nothing
// in the session fails to decode; the list of messages that would (none) is asserted empty
// rather than skipped.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { decodeMessage, encodeMessage, type OfpMessage } from "../../openflow/message.ts";
import { OFPMP } from "../../openflow/messages/multipart.ts";

interface Captured {
  command: string;
  from: "ovs-ofctl" | "ovs-vswitchd";
  type: number;
  hex: string;
}

const SESSION = fileURLToPath(new URL("../fixtures/openflow/ovs/session.jsonl", import.meta.url));
const captured: Captured[] = readFileSync(SESSION, "utf8")
  .split("\n")
  .filter((l) => l !== "")
  .map((l) => JSON.parse(l) as Captured);
const bytesOf = (c: Captured) => Uint8Array.from(Buffer.from(c.hex, "hex"));
const NICIRA = 0x2320;

/** OVS extensions the session carries, and the opaque form the decoder gives them. */
const OVS_EXTENSIONS: Array<{ command: string; type: number; why: string; expect: (m: OfpMessage) => void }> = [
  {
    command: "monitor",
    type: 4,
    why: "NXT_SET_PACKET_IN_FORMAT (Nicira subtype 16), sent by `ovs-ofctl monitor --packet-in-format`: an OFPT_EXPERIMENTER kept as experimenter id, subtype and data",
    expect: (m) => expect(m).toMatchObject({ kind: "experimenter", experimenter: NICIRA, expType: 16 }),
  },
  {
    command: "add-flow-nicira",
    type: 14,
    why: "the Nicira `resubmit(,5)` action (NXAST_RESUBMIT_TABLE): an OFPAT_EXPERIMENTER action kept as experimenter id and opaque data",
    expect: (m) =>
      expect(m).toMatchObject({
        kind: "flow-mod",
        instructions: [{ type: "apply_actions", actions: [{ type: "experimenter", experimenter: NICIRA }] }],
      }),
  },
];

/** Messages of the session wasmvs does not decode at all, with the reason: none. */
const NOT_DECODED: Array<{ command: string; type: number; why: string }> = [];

describe("Open vSwitch's OpenFlow 1.3 bytes (ovs-ofctl ↔ ovs-vswitchd, captured with dumpcap)", () => {
  it("the session is a real one: both sides, every command, hundreds of messages", () => {
    expect(captured.length).toBeGreaterThan(300);
    expect(new Set(captured.map((c) => c.from))).toEqual(new Set(["ovs-ofctl", "ovs-vswitchd"]));
    expect(new Set(captured.map((c) => c.command)).size).toBeGreaterThan(60);
  });

  const commands = [...new Set(captured.map((c) => c.command))];
  for (const command of commands) {
    it(`${command}: every message decodes and re-encodes byte for byte`, () => {
      const mismatches: string[] = [];
      for (const c of captured.filter((x) => x.command === command)) {
        const bytes = bytesOf(c);
        let again: string;
        try {
          again = Buffer.from(encodeMessage(decodeMessage(bytes))).toString("hex");
        } catch (e) {
          mismatches.push(`${c.from} type ${c.type}: ${(e as Error).message}`);
          continue;
        }
        if (again !== c.hex) mismatches.push(`${c.from} type ${c.type}: re-encoded as ${again}\n   was ${c.hex}`);
      }
      expect(mismatches).toEqual([]);
    });
  }

  it("covers the message families the issue lists, in the direction each travels", () => {
    const kinds = new Set<string>();
    for (const c of captured) {
      const m = decodeMessage(bytesOf(c));
      const part = m.kind === "multipart-request" || m.kind === "multipart-reply" ? `/${m.body.part}` : "";
      kinds.add(`${c.from}:${m.kind}${part}`);
    }
    const want = [
      "ovs-ofctl:hello",
      "ovs-vswitchd:hello",
      "ovs-ofctl:features-request",
      "ovs-vswitchd:features-reply",
      "ovs-ofctl:get-config-request",
      "ovs-vswitchd:get-config-reply",
      "ovs-ofctl:set-config",
      "ovs-ofctl:echo-request",
      "ovs-vswitchd:echo-reply",
      "ovs-ofctl:barrier-request",
      "ovs-vswitchd:barrier-reply",
      "ovs-ofctl:flow-mod",
      "ovs-ofctl:group-mod",
      "ovs-ofctl:meter-mod",
      "ovs-ofctl:port-mod",
      "ovs-ofctl:packet-out",
      "ovs-vswitchd:packet-in",
      "ovs-vswitchd:flow-removed",
      "ovs-vswitchd:port-status",
      "ovs-vswitchd:error",
      "ovs-ofctl:queue-get-config-request",
      "ovs-vswitchd:queue-get-config-reply",
    ];
    const parts = [
      "desc",
      "flow",
      "aggregate",
      "table",
      "port-stats",
      "queue",
      "group",
      "group-desc",
      "group-features",
      "meter",
      "meter-config",
      "meter-features",
      "table-features",
      "port-desc",
    ];
    for (const p of parts) want.push(`ovs-ofctl:multipart-request/${p}`, `ovs-vswitchd:multipart-reply/${p}`);
    expect(want.filter((k) => !kinds.has(k))).toEqual([]);
    expect(Object.keys(OFPMP).length).toBe(parts.length + 1); // every part but EXPERIMENTER
  });

  for (const x of OVS_EXTENSIONS) {
    it(`OVS extension, decoded in its opaque 1.3 form: ${x.why}`, () => {
      const found = captured.filter((c) => c.command === x.command && c.type === x.type);
      expect(found.length).toBeGreaterThan(0);
      for (const c of found) x.expect(decodeMessage(bytesOf(c)));
    });
  }

  it("no message of the session is left undecoded", () => {
    const failing = captured
      .filter((c) => {
        try {
          decodeMessage(bytesOf(c));
          return false;
        } catch {
          return true;
        }
      })
      .map((c) => ({ command: c.command, type: c.type }));
    expect(failing).toEqual(NOT_DECODED.map(({ command, type }) => ({ command, type })));
  });
});
