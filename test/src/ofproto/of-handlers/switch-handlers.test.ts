// SET_CONFIG / GET_CONFIG against a stub bridge: the frag flags are the switch's (one bridge,
// two connections see the same mode), miss_send_len each connection's own (a SLAVE sets only
// its miss_send_len, as Open vSwitch); FRAG_DROP reaches the bridge; FRAG_REASM, the reserved
// value 3 and undefined bits are SWITCH_CONFIG_FAILED/BAD_FLAGS and change nothing; a bridge
// that cannot drop fragments refuses FRAG_DROP.

import { describe, expect, it } from "vitest";
import type { OfChannel } from "../../../../openflow/channel/channel.ts";
import type { Outgoing, Reply } from "../../../../openflow/channel/dispatch.ts";
import { OFPET, SWITCH_CONFIG_FAILED } from "../../../../openflow/errors.ts";
import { OFPC_FRAG } from "../../../../openflow/messages/switch-config.ts";
import {
  newConnectionState,
  type OfBridge,
  type OfConnectionState,
} from "../../../../src/ofproto/of-handlers/handler-context.ts";
import { switchHandlers } from "../../../../src/ofproto/of-handlers/switch-handlers.ts";
import { RuleTables } from "../../../../src/ofproto/rule-table.ts";

function setup(withFrag = true, slaves: OfChannel[] = []) {
  let mode: number = OFPC_FRAG.NORMAL;
  const sets: number[] = [];
  const bridge: OfBridge = {
    name: "br",
    datapathId: () => 1n,
    ports: () => [],
    tables: () => new RuleTables(),
    now: () => 0,
    flowMod: () => ({ added: [], replaced: [], modified: [], removed: [] }),
    packetOut: async () => {},
    fence: async () => {},
    ...(withFrag
      ? {
          fragMode: () => mode,
          setFragMode: (m: number) => {
            sets.push(m);
            mode = m;
          },
        }
      : {}),
  };
  const states = new Map<OfChannel, OfConnectionState>();
  const stateOf = (ch: OfChannel) => {
    let s = states.get(ch);
    if (!s) {
      s = newConnectionState();
      states.set(ch, s);
    }
    return s;
  };
  const h = switchHandlers(bridge, stateOf, (ch) => slaves.includes(ch));
  const setConfig = (ch: OfChannel, flags: number, missSendLen = 128) =>
    h["set-config"]?.({ kind: "set-config", xid: 1, flags, missSendLen }, {} as Reply, ch);
  const getConfig = (ch: OfChannel) => {
    const sent: Outgoing[] = [];
    const reply = Object.assign((m: Outgoing) => sent.push(m), { error: () => {}, xid: 1, raw: new Uint8Array(8) });
    h["get-config-request"]?.({ kind: "get-config-request", xid: 1 }, reply as Reply, ch);
    return sent[0];
  };
  return { setConfig, getConfig, sets };
}

const badFlags = { errType: OFPET.SWITCH_CONFIG_FAILED, errCode: SWITCH_CONFIG_FAILED.BAD_FLAGS };

describe("SET_CONFIG / GET_CONFIG", () => {
  it("FRAG_DROP is the switch's mode, seen by every connection; miss_send_len stays per connection", () => {
    const { setConfig, getConfig, sets } = setup();
    const a = {} as OfChannel;
    const b = {} as OfChannel;
    setConfig(a, OFPC_FRAG.DROP, 300);
    expect(sets).toEqual([OFPC_FRAG.DROP]);
    expect(getConfig(a)).toEqual({ kind: "get-config-reply", flags: OFPC_FRAG.DROP, missSendLen: 300 });
    expect(getConfig(b)).toEqual({ kind: "get-config-reply", flags: OFPC_FRAG.DROP, missSendLen: 128 });
    setConfig(b, OFPC_FRAG.NORMAL, 0xffff);
    expect(getConfig(a)).toMatchObject({ flags: OFPC_FRAG.NORMAL, missSendLen: 300 });
  });

  it("FRAG_REASM, the reserved mode 3 and undefined bits are BAD_FLAGS and change nothing", () => {
    const { setConfig, getConfig, sets } = setup();
    const a = {} as OfChannel;
    for (const flags of [OFPC_FRAG.REASM, 3, 0x4, 0x8000 | OFPC_FRAG.DROP]) {
      expect(() => setConfig(a, flags, 500)).toThrow(expect.objectContaining(badFlags));
    }
    expect(sets).toEqual([]);
    expect(getConfig(a)).toMatchObject({ flags: OFPC_FRAG.NORMAL, missSendLen: 128 });
  });

  it("a SLAVE's SET_CONFIG sets its miss_send_len, not the switch's frag mode (as Open vSwitch)", () => {
    const slave = {} as OfChannel;
    const { setConfig, getConfig, sets } = setup(true, [slave]);
    setConfig(slave, OFPC_FRAG.DROP, 200);
    expect(sets).toEqual([]);
    expect(getConfig(slave)).toEqual({ kind: "get-config-reply", flags: OFPC_FRAG.NORMAL, missSendLen: 200 });
    expect(() => setConfig(slave, OFPC_FRAG.REASM)).toThrow(expect.objectContaining(badFlags));
  });

  it("a bridge that cannot drop fragments refuses FRAG_DROP and reports NORMAL", () => {
    const { setConfig, getConfig } = setup(false);
    const a = {} as OfChannel;
    expect(() => setConfig(a, OFPC_FRAG.DROP)).toThrow(expect.objectContaining(badFlags));
    setConfig(a, OFPC_FRAG.NORMAL, 64);
    expect(getConfig(a)).toMatchObject({ flags: OFPC_FRAG.NORMAL, missSendLen: 64 });
  });
});
