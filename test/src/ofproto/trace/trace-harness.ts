// A bridge for trace tests: an Ofproto with ports p1..p3 (datapath ports 1..3, OpenFlow ports
// 1..3) on bridge br0, a recording stand-in for the datapath runtime (what onMiss hands the
// datapath), and a TraceTarget over them that parses frames with the real fast path.

import type { FastPath } from "../../../../src/datapath/fastpath-module.ts";
import type { DatapathRuntime } from "../../../../src/datapath/runtime/datapath-runtime.ts";
import type { FlowModRequest } from "../../../../src/ofproto/flow-mod.ts";
import { policyOf, type VlanPolicy } from "../../../../src/ofproto/normal/vlan-policy.ts";
import { defaultNormalFlow, Ofproto } from "../../../../src/ofproto/ofproto.ts";
import type { TraceTarget } from "../../../../src/ofproto/trace/trace.ts";
import { parseKey } from "../xlate/xlate-harness.ts";

export interface Installed {
  handle: number;
  key: Uint8Array;
  mask: Uint8Array;
  actions: Uint8Array;
}

export class RecordingRuntime {
  installs: Installed[] = [];
  executes: Array<{ inPort: number; actions: Uint8Array }> = [];
  install(handle: number, key: Uint8Array, mask: Uint8Array, actions: Uint8Array): boolean {
    this.installs.push({ handle, key: key.slice(), mask: mask.slice(), actions: actions.slice() });
    return true;
  }
  execute(inPort: number, actions: Uint8Array): boolean {
    this.executes.push({ inPort, actions: actions.slice() });
    return true;
  }
  deleteFlow(): void {}
}

export interface TraceBridge {
  of: Ofproto;
  rt: RecordingRuntime;
  target: TraceTarget;
}

export const BRIDGE = "br0";

/** br0 with ports p1..pN (dp = ofport = i); `policies` overrides a port's VLAN policy and
 *  `numbering` a port's OpenFlow number and name. */
export function traceBridge(
  fp: FastPath,
  n = 3,
  policies: Record<number, VlanPolicy> = {},
  numbering: (i: number) => { ofPort: number; name: string } = (i) => ({ ofPort: i, name: `p${i}` }),
): TraceBridge {
  const of = new Ofproto();
  const rt = new RecordingRuntime();
  of.attach(rt as unknown as DatapathRuntime);
  const br = of.addBridge(BRIDGE, 300, 1000);
  for (let i = 1; i <= n; i++) {
    const { ofPort, name } = numbering(i);
    of.setPort(BRIDGE, { dpPort: i, name, policy: policies[i] ?? policyOf("trunk", 0, []), up: true }, ofPort);
  }
  const target: TraceTarget = {
    bridge: BRIDGE,
    ports: () =>
      [...br.ports.values()].map((p) => ({ dpPort: p.dpPort, ofPort: br.ofPorts.get(p.dpPort) ?? 0, name: p.name })),
    parseKey: async (frame, dpPort) => parseKey(fp, frame, dpPort),
    translate: (dpPort, key, generate) => of.traceTranslate(br, dpPort, key, generate),
  };
  return { of, rt, target };
}

export const flowMod = (over: Partial<FlowModRequest>): FlowModRequest => ({ ...defaultNormalFlow(), ...over });
