// What every C anchor returns to bench/run.ts: one forwarding rate per core, measured in the same
// run as the WASM figures, or the reason it could not be measured (never a throw for "not
// installed" or "not root").

/** A measured anchor: packets forwarded per second by ONE forwarding core, both directions summed. */
export interface AnchorResult {
  /** Starts with "OVS-DPDK" or "dpdk-testpmd"; bench/run.ts matches on that prefix. */
  name: string;
  /** Median over the samples, in millions of packets per second. */
  mpps: number;
  /** 1000 / mpps: wall-clock nanoseconds the forwarding core spends per packet. */
  nsPerPacket: number;
  /** TSC cycles per packet, when the anchor reports or implies them. */
  cyclesPerPacket?: number;
  /**
   * Median fraction of the wall time the forwarding thread was on a CPU (from /proc utime+stime).
   * Below ~0.95 the machine was contended: mpps / onCpuShare is the rate per CPU-second.
   */
  onCpuShare?: number;
  /** How it was measured: versions, samples, hit split; one line. */
  detail: string;
}

export interface AnchorSkipped {
  skipped: string;
}

export type AnchorOutcome = AnchorResult | AnchorSkipped;

export interface AnchorOptions {
  /** Measured time after warm-up, split evenly into `samples` intervals. */
  seconds: number;
  /** Number of intervals whose median is reported (default 3). */
  samples?: number;
  /** Forwarding time before the first interval (default 2 s). */
  warmupSeconds?: number;
}

export const ANCHOR_DEFAULT_SAMPLES = 3;
export const ANCHOR_DEFAULT_WARMUP_SECONDS = 2;

/** Median of a non-empty list (mean of the middle two for an even count). */
export function anchorMedian(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
