// Port-backend exports: TPACKET_V3 rings in this memory, recvmmsg/sendmmsg batches, VLAN tag
// restore. See tpacket-ring.ts and mmsg-batch.ts for layouts; src/ports/ drives these.
//
// Ownership: portsRingReceive and portsMmsgRxFinish hand new APP buffers to the caller (ids
// written to the array given, normally dpRxIds()); portsMmsgTxPrepare only reads ids;
// portsVlanInsert works on a buffer the caller holds. Ring and batch handles are plain numbers.

export {
  ringCreate as portsRingCreate,
  ringDestroy as portsRingDestroy,
  ringBase as portsRingBase,
  ringSize as portsRingSize,
  ringReceive as portsRingReceive,
  ringStat as portsRingStat,
} from "./tpacket-ring";
export {
  mmsgCreate as portsMmsgCreate,
  mmsgDestroy as portsMmsgDestroy,
  mmsgHeaders as portsMmsgHeaders,
  mmsgIovecs as portsMmsgIovecs,
  mmsgIds as portsMmsgIds,
  mmsgStat as portsMmsgStat,
  mmsgRxPrepare as portsMmsgRxPrepare,
  mmsgRxFinish as portsMmsgRxFinish,
  mmsgTxPrepare as portsMmsgTxPrepare,
  mmsgSentBytes as portsMmsgSentBytes,
} from "./mmsg-batch";
export { vlanInsertInPlace as portsVlanInsert } from "./vlan-restore";
