// The deterministic stream of store calls the crash test makes: call i is a function of i
// alone, so the parent can rebuild the configuration after any prefix of calls without being
// told what the killed child did. Every delete names a bridge that exists at that point.

import type { ConfigStore } from "../../../src/config/config-store.ts";
import type { BridgeConfig, ConfigSnapshot } from "../../../src/config/model.ts";

export type CrashOp = { put: BridgeConfig } | { del: string };

function crashBridge(name: string, i: number): BridgeConfig {
  return {
    name,
    failMode: i % 2 === 0 ? "standalone" : "secure",
    ports: [
      {
        name: `p${i}`,
        type: "system",
        ofport: i,
        vlanMode: "access",
        tag: (i % 4094) + 1,
        trunks: [],
        adminDown: false,
        options: { op: String(i) },
      },
    ],
    controllers: [],
    macAgingSeconds: i,
    macTableSize: 0,
    datapathId: BigInt(i) << 32n,
    staticMacs: [],
  };
}

/** Call i: replace one of three long-lived bridges, or create a bridge and delete it next call. */
export function crashOp(i: number): CrashOp {
  if (i % 4 === 2) return { put: crashBridge(`new${i}`, i) };
  if (i % 4 === 3) return { del: `new${i - 1}` };
  return { put: crashBridge(`fixed${i % 3}`, i) };
}

export function runCrashOp(store: ConfigStore, i: number): Promise<void> {
  const op = crashOp(i);
  return "put" in op ? store.putBridge(op.put) : store.deleteBridge(op.del);
}

/** The configuration after calls 0..n-1. */
export function crashModel(n: number): ConfigSnapshot {
  const bridges = new Map<string, BridgeConfig>();
  for (let i = 0; i < n; i++) {
    const op = crashOp(i);
    if ("put" in op) bridges.set(op.put.name, op.put);
    else bridges.delete(op.del);
  }
  return { bridges: [...bridges.values()] };
}
