// Reference model of the megaflow classifier: a plain list of (mask, masked key) entries
// searched linearly. The WASM classifier (assembly/classify/) must agree with it:
//   - insert fails with "exists" iff an entry has the same mask and masked key,
//     with "full" iff maxFlows entries are live, with "bad-actions" iff the list is invalid;
//   - a lookup returns -1 iff no entry matches, else the id of some matching entry.

export const KEY_SIZE = 112;

export interface ModelFlow {
  id: number;
  mask: Uint8Array;
  maskedKey: Uint8Array;
  actions: Uint8Array;
  /** hex of mask + masked key: equal for two entries iff they are the same megaflow. */
  identity: string;
  maskHex: string;
}

export type InsertOutcome = "ok" | "exists" | "full";

export function maskKey(key: Uint8Array, mask: Uint8Array): Uint8Array {
  const out = new Uint8Array(KEY_SIZE);
  for (let i = 0; i < KEY_SIZE; i++) out[i] = key[i] & mask[i];
  return out;
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
}

/** True when key matches (mask, maskedKey). */
export function flowMatches(flow: ModelFlow, key: Uint8Array): boolean {
  for (let i = 0; i < KEY_SIZE; i++) if ((key[i] & flow.mask[i]) !== flow.maskedKey[i]) return false;
  return true;
}

export class ClassifierModel {
  readonly flows = new Map<number, ModelFlow>();

  constructor(readonly maxFlows: number) {}

  /** What an insert of (key, mask) must do, before it is applied. */
  expectInsert(key: Uint8Array, mask: Uint8Array): InsertOutcome {
    const identity = hex(mask) + hex(maskKey(key, mask));
    for (const f of this.flows.values()) if (f.identity === identity) return "exists";
    return this.flows.size >= this.maxFlows ? "full" : "ok";
  }

  /** Records a successful insert under the id the classifier chose. */
  add(id: number, key: Uint8Array, mask: Uint8Array, actions: Uint8Array): void {
    if (this.flows.has(id)) throw new Error(`id ${id} handed out while live`);
    const maskedKey = maskKey(key, mask);
    const maskHex = hex(mask);
    this.flows.set(id, {
      id,
      mask: mask.slice(),
      maskedKey,
      actions: actions.slice(),
      identity: maskHex + hex(maskedKey),
      maskHex,
    });
  }

  remove(id: number): boolean {
    return this.flows.delete(id);
  }

  clear(): void {
    this.flows.clear();
  }

  /** Ids of every entry matching key (linear scan). */
  matching(key: Uint8Array): number[] {
    const out: number[] = [];
    for (const f of this.flows.values()) if (flowMatches(f, key)) out.push(f.id);
    return out;
  }

  /** Flows under the most common mask. */
  largestSubtable(): number {
    const n = new Map<string, number>();
    for (const f of this.flows.values()) n.set(f.maskHex, (n.get(f.maskHex) ?? 0) + 1);
    return Math.max(0, ...n.values());
  }

  distinctMasks(): number {
    const seen = new Set<string>();
    for (const f of this.flows.values()) seen.add(f.maskHex);
    return seen.size;
  }
}
