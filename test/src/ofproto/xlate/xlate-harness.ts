// Shared test support for the translator: frame builders, keys parsed by the real fast path,
// OpenFlow rule/action shorthands, a port map, and an environment over the real RuleTables or
// over a fixed-answer table stub (whose lookups un-wildcard nothing, so a test's expected mask
// is exactly what the translator itself recorded).

import type { Action } from "../../../../openflow/actions/actions.ts";
import type { Instruction } from "../../../../openflow/instructions.ts";
import type { OxmBasic } from "../../../../openflow/match/match.ts";
import type { OxmName, OxmValue } from "../../../../openflow/match/oxm-fields.ts";
import type { FastPath } from "../../../../src/datapath/fastpath-module.ts";
import { KEY_SIZE, type KeyMask } from "../../../../src/datapath/flow-key.ts";
import { PipelineFlow } from "../../../../src/ofproto/pipeline-flow.ts";
import { RuleTables } from "../../../../src/ofproto/rule-table.ts";
import { ControllerUserdata } from "../../../../src/ofproto/xlate/controller-userdata.ts";
import { type PortInfo, StaticPortMap } from "../../../../src/ofproto/xlate/port-map.ts";
import type { XlateEnv, XlateGroup, XlateRule } from "../../../../src/ofproto/xlate/xlate-context.ts";

// --- frames -------------------------------------------------------------------------------------

export interface FrameSpec {
  dst?: string;
  src?: string;
  /** Outer first: [{vid, pcp?, tpid?}] */
  vlans?: ReadonlyArray<{ vid: number; pcp?: number; tpid?: number }>;
  /** "ipv4" (default: UDP inside), "arp" (Ethernet/IPv4 ARP: op from sport's low bit, SHA = src,
   *  SPA = ipSrc, TPA = ipDst), "other" (ethertype 0x88b5, no L3) */
  l3?: "ipv4" | "arp" | "other";
  /** An MPLS label stack (outer first; bos set on the last) between the tags and the IPv4 packet. */
  mpls?: ReadonlyArray<{ label: number; tc?: number; ttl?: number }>;
  /** 6 TCP, 17 UDP, 1 ICMP (type = sport's low byte, code = dport's low byte) */
  proto?: 1 | 6 | 17;
  ipSrc?: string;
  ipDst?: string;
  ttl?: number;
  tos?: number;
  sport?: number;
  dport?: number;
}

const mac = (s: string) => s.split(":").map((h) => Number.parseInt(h, 16));
const ip4 = (s: string) => s.split(".").map(Number);

export function frame(f: FrameSpec = {}): Uint8Array {
  const out: number[] = [...mac(f.dst ?? "02:00:00:00:00:02"), ...mac(f.src ?? "02:00:00:00:00:01")];
  for (const t of f.vlans ?? []) {
    const tpid = t.tpid ?? 0x8100;
    const tci = ((t.pcp ?? 0) << 13) | t.vid;
    out.push(tpid >> 8, tpid & 0xff, tci >> 8, tci & 0xff);
  }
  if ((f.l3 ?? "ipv4") === "other") {
    out.push(0x88, 0xb5);
    for (let i = 0; i < 46; i++) out.push(i);
    return Uint8Array.from(out);
  }
  if (f.l3 === "arp") {
    out.push(0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, ((f.sport ?? 1000) & 1) + 1);
    out.push(...mac(f.src ?? "02:00:00:00:00:01"), ...ip4(f.ipSrc ?? "10.0.0.1"));
    out.push(0, 0, 0, 0, 0, 0, ...ip4(f.ipDst ?? "10.0.0.2"));
    for (let i = 0; i < 18; i++) out.push(0);
    return Uint8Array.from(out);
  }
  if (f.mpls && f.mpls.length > 0) {
    out.push(0x88, 0x47);
    f.mpls.forEach((e, i) => {
      const lse =
        ((e.label << 12) | ((e.tc ?? 0) << 9) | (i === (f.mpls?.length ?? 0) - 1 ? 0x100 : 0) | (e.ttl ?? 64)) >>> 0;
      out.push(lse >>> 24, (lse >>> 16) & 0xff, (lse >>> 8) & 0xff, lse & 0xff);
    });
  } else out.push(0x08, 0x00);
  const proto = f.proto ?? 17;
  const l4len = proto === 6 ? 20 : 8;
  const payload = 18;
  const ip = [0x45, f.tos ?? 0, 0, 20 + l4len + payload, 0, 1, 0, 0, f.ttl ?? 64, proto, 0, 0];
  ip.push(...ip4(f.ipSrc ?? "10.0.0.1"), ...ip4(f.ipDst ?? "10.0.0.2"));
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += (ip[i] << 8) | ip[i + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  ip[10] = (~sum >> 8) & 0xff;
  ip[11] = ~sum & 0xff;
  out.push(...ip);
  const sp = f.sport ?? 1000;
  const dp = f.dport ?? 2000;
  if (proto === 1) out.push(sp & 0xff, dp & 0xff, 0, 0, 0, 7, 0, 1);
  else if (proto === 6)
    out.push(sp >> 8, sp & 0xff, dp >> 8, dp & 0xff, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x10, 0xff, 0xff, 0, 0, 0, 0);
  else out.push(sp >> 8, sp & 0xff, dp >> 8, dp & 0xff, 0, l4len + payload, 0, 0);
  for (let i = 0; i < payload; i++) out.push(0xa0 + i);
  return Uint8Array.from(out);
}

/** The flow key the fast path's parser produces for `frame` received on datapath port `dpPort`. */
export function parseKey(fp: FastPath, bytes: Uint8Array, dpPort: number): Uint8Array {
  const id = fp.bufferAlloc();
  if (id < 0) throw new Error("buffer pool exhausted");
  const at = fp.bufferData(id);
  new Uint8Array(fp.memory.buffer, at, bytes.length).set(bytes);
  const key = fp.classifyScratch();
  fp.parseAt(at, bytes.length, dpPort, key);
  const out = new Uint8Array(fp.memory.buffer, key, KEY_SIZE).slice();
  fp.bufferFree(id);
  return out;
}

// --- OpenFlow shorthands ----------------------------------------------------------------------------

export const m = (name: OxmName, value: OxmValue, mask?: OxmValue): OxmBasic =>
  mask === undefined ? { name, value } : { name, value, mask };
export const out = (port: number, maxLen = 0): Action => ({ type: "output", port, maxLen });
export const grp = (groupId: number): Action => ({ type: "group", groupId });
export const setf = (name: OxmName, value: OxmValue): Action => ({ type: "set_field", field: { name, value } });
export const pushVlan = (ethertype = 0x8100): Action => ({ type: "push_vlan", ethertype });
export const popVlan: Action = { type: "pop_vlan" };
export const pushMpls = (ethertype = 0x8847): Action => ({ type: "push_mpls", ethertype });
export const popMpls = (ethertype = 0x0800): Action => ({ type: "pop_mpls", ethertype });
export const apply = (...actions: Action[]): Instruction => ({ type: "apply_actions", actions });
export const write = (...actions: Action[]): Instruction => ({ type: "write_actions", actions });
export const goto = (tableId: number): Instruction => ({ type: "goto_table", tableId });
export const meta = (metadata: bigint, mask: bigint): Instruction => ({ type: "write_metadata", metadata, mask });
export const macBytes = (s: string) => Uint8Array.from(mac(s));

// --- environment ----------------------------------------------------------------------------------

/** OpenFlow port n ↔ datapath port n + 10, so tests catch a missing translation. */
export const DP = (ofPort: number) => ofPort + 10;

export function ports(n: number, extra: Partial<Record<number, Partial<PortInfo>>> = {}): StaticPortMap {
  const map = new StaticPortMap();
  for (let p = 1; p <= n; p++) map.add({ ofPort: p, dpPort: DP(p), name: `p${p}`, live: true, ...extra[p] });
  return map;
}

/** A table stub: one fixed rule per table (or none), lookups record nothing in the mask. */
export class FixedTables {
  readonly rules = new Map<number, XlateRule>();
  set(tableId: number, instructions: Instruction[], priority = 10, cookie = 0n): this {
    this.rules.set(tableId, { priority, cookie, match: [], instructions });
    return this;
  }
  lookup(tableId: number, _flow: PipelineFlow, _wc: KeyMask): XlateRule | undefined {
    return this.rules.get(tableId);
  }
}

export class Groups {
  readonly map = new Map<number, XlateGroup>();
  add(
    groupId: number,
    groupType: number,
    buckets: Array<{ actions: Action[]; weight?: number; watchPort?: number }>,
  ): this {
    this.map.set(groupId, {
      groupId,
      groupType,
      buckets: buckets.map((b) => ({
        weight: b.weight ?? 0,
        watchPort: b.watchPort ?? 0xffffffff,
        watchGroup: 0xffffffff,
        actions: b.actions,
      })),
    });
    return this;
  }
  get(groupId: number): XlateGroup | undefined {
    return this.map.get(groupId);
  }
}

export function realTables(): RuleTables {
  return new RuleTables();
}

export function addRule(
  t: RuleTables,
  tableId: number,
  priority: number,
  match: OxmBasic[],
  instructions: Instruction[],
  cookie = 0n,
): void {
  t.insert({ tableId, priority, match, instructions, cookie, flags: 0, idleTimeout: 0, hardTimeout: 0 }, 0);
}

export function env(
  tables: XlateEnv["tables"],
  portMap = ports(4),
  groups = new Groups(),
): XlateEnv & { controller: ControllerUserdata } {
  return { tables, ports: portMap, groups, controller: new ControllerUserdata() };
}

/** A PipelineFlow for a frame received on OpenFlow port `ofPort`. */
export function flowOf(fp: FastPath, f: FrameSpec | Uint8Array, ofPort: number): PipelineFlow {
  const bytes = f instanceof Uint8Array ? f : frame(f);
  return PipelineFlow.fromKey(parseKey(fp, bytes, DP(ofPort)), ofPort);
}
