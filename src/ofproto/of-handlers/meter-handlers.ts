// OpenFlow handlers for meters: METER_MOD, and the METER, METER_CONFIG and METER_FEATURES
// multipart parts (OpenFlow 1.3.5 §7.3.4.4, §7.3.5.12–14).
//
// What: meterHandlers(bridge) → the "meter-mod" dispatch entry;
//   meterMultipart(bridge, body, reply) answers the three multipart parts for
//   multipart-handlers.ts.
// Design: METER_MOD goes through the bridge's meterMod (meter-mod.ts: validation, datapath,
//   meter table, and for a delete the removal of the rules that used the meter, whose
//   FLOW_REMOVED (reason DELETE) goes out through Ofproto.subscribeFlowRemoved). Refusals are OfpErrors the
//   channel answers. A bridge without meters refuses METER_MOD with METER_MOD_FAILED/
//   OUT_OF_METERS (it has room for none) and reports max_meter 0.
//   METER stats: packet/byte counts come from the datapath's meter slots (one request for all
//   meters asked), flow_count from the rule tables, duration from the meter's creation;
//   METER and METER_CONFIG for OFPM_ALL list every meter in id order, for one id that meter or
//   nothing (no error: 1.3.5 defines none for an unknown meter here). Replies over 64 KB are
//   split with OFPMPF_REPLY_MORE. METER_FEATURES tells what the fast path does: DROP and
//   DSCP_REMARK bands, KBPS|PKTPS|BURST|STATS, MAX_BANDS bands, no colours.
// Invariants: exactly one reply sequence or one error per request.
// Threading: main thread.

import type { DispatchTable, Reply } from "../../../openflow/channel/dispatch.ts";
import { OFPM_ALL } from "../../../openflow/constants.ts";
import { METER_MOD_FAILED, OFPET, OfpError } from "../../../openflow/errors.ts";
import { OFPMBT } from "../../../openflow/messages/meter-bands.ts";
import type { MultipartRequestBody } from "../../../openflow/messages/multipart.ts";
import { OFPMPF_REPLY_MORE } from "../../../openflow/messages/multipart.ts";
import type {
  MeterConfig,
  MeterFeaturesReply,
  MeterStats,
  MeterStatsRequest,
} from "../../../openflow/messages/multipart-meter.ts";
import { meterFlowCounts } from "../meter-mod.ts";
import { METER_MAX_BANDS, type Meter, OFPMF_KNOWN } from "../meter-table.ts";
import type { OfBridge } from "./handler-context.ts";

/** Largest body per reply message (16-bit length minus the multipart headers). */
const MAX_BODY = 0xffff - 16;

export function meterHandlers(bridge: OfBridge): DispatchTable {
  return {
    "meter-mod": (m) => {
      if (!bridge.meterMod) {
        throw new OfpError(OFPET.METER_MOD_FAILED, METER_MOD_FAILED.OUT_OF_METERS, "this bridge has no meters");
      }
      bridge.meterMod(m);
    },
  };
}

export function meterFeatures(bridge: OfBridge): MeterFeaturesReply {
  return {
    part: "meter-features",
    maxMeter: bridge.meters?.().maxMeters ?? 0,
    bandTypes: (1 << OFPMBT.DROP) | (1 << OFPMBT.DSCP_REMARK),
    capabilities: OFPMF_KNOWN,
    maxBands: METER_MAX_BANDS,
    maxColor: 0,
  };
}

function selected(bridge: OfBridge, meterId: number): Meter[] {
  const table = bridge.meters?.();
  if (!table) return [];
  if (meterId >>> 0 === OFPM_ALL) return table.list();
  const m = table.get(meterId);
  return m ? [m] : [];
}

export function meterConfigs(bridge: OfBridge, req: MeterStatsRequest): MeterConfig[] {
  return selected(bridge, req.meterId).map((m) => ({ flags: m.flags, meterId: m.meterId, bands: m.bands }));
}

export async function meterStats(bridge: OfBridge, req: MeterStatsRequest): Promise<MeterStats[]> {
  const meters = selected(bridge, req.meterId);
  if (meters.length === 0) return [];
  const counters = (await bridge.meterCounters?.(meters.map((m) => m.slot))) ?? [];
  const flows = meterFlowCounts(bridge.tables());
  const now = bridge.now();
  return meters.map((m, i) => {
    const c = counters[i];
    const ms = Math.max(0, now - m.created);
    return {
      meterId: m.meterId,
      flowCount: flows.get(m.meterId) ?? 0,
      packetInCount: BigInt(c?.packets ?? 0),
      byteInCount: BigInt(c?.bytes ?? 0),
      durationSec: Math.floor(ms / 1000),
      durationNsec: (ms % 1000) * 1_000_000,
      bandStats: m.bands.map((_, b) => ({
        packetBandCount: BigInt(c?.bands[b]?.packets ?? 0),
        byteBandCount: BigInt(c?.bands[b]?.bytes ?? 0),
      })),
    };
  });
}

/** Splits entries into reply bodies of at most MAX_BODY bytes. */
function split<T>(entries: T[], size: (e: T) => number): T[][] {
  const parts: T[][] = [[]];
  let used = 0;
  for (const e of entries) {
    const n = size(e);
    if (used + n > MAX_BODY && parts[parts.length - 1].length > 0) {
      parts.push([]);
      used = 0;
    }
    parts[parts.length - 1].push(e);
    used += n;
  }
  return parts;
}

/** Answers METER, METER_CONFIG and METER_FEATURES; false for any other part. */
export async function meterMultipart(bridge: OfBridge, body: MultipartRequestBody, reply: Reply): Promise<boolean> {
  if (body.part === "meter-features") {
    reply({ kind: "multipart-reply", flags: 0, body: meterFeatures(bridge) });
    return true;
  }
  if (body.part === "meter") {
    const parts = split(await meterStats(bridge, body), (s) => 40 + 16 * s.bandStats.length);
    parts.forEach((stats, i) => {
      reply({
        kind: "multipart-reply",
        flags: i < parts.length - 1 ? OFPMPF_REPLY_MORE : 0,
        body: { part: "meter", stats },
      });
    });
    return true;
  }
  if (body.part === "meter-config") {
    const parts = split(meterConfigs(bridge, body), (c) => 8 + 16 * c.bands.length);
    parts.forEach((configs, i) => {
      const flags = i < parts.length - 1 ? OFPMPF_REPLY_MORE : 0;
      reply({ kind: "multipart-reply", flags, body: { part: "meter-config", configs } });
    });
    return true;
  }
  return false;
}
