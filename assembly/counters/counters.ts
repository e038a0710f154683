// Fast-path counters: every drop, error and notable event has a named u64 counter.
//
// What: one table, one section per stage (pool, parse, emc, megaflow, batch, actions, meters, tx,
//   upcall, virtio). Errors on the fast path are counted here, never thrown.
// Design: `Counter` numbers the slots; COUNTER_NAMES names them in the same order, so the
//   control plane reads them by name through `counterName(i)` / `counterValue(i)` and the
//   REST API and CLI never hard-code a slot. Add a counter by adding a member to the enum and
//   a name at the same position (a unit test checks the two line up and names are unique).
// Threading: one WASM instance is one datapath thread; counters are plain globals.

export enum Counter {
  // pool
  POOL_EXHAUSTED,
  POOL_DOUBLE_FREE,
  POOL_BAD_ID,
  // parse
  PARSE_PACKETS,
  PARSE_TRUNC_ETH,
  PARSE_TRUNC_VLAN,
  PARSE_VLAN_TOO_DEEP,
  PARSE_TRUNC_ARP,
  PARSE_BAD_ARP_FORMAT,
  PARSE_TRUNC_IPV4,
  PARSE_BAD_IPV4_VERSION,
  PARSE_BAD_IPV4_IHL,
  PARSE_BAD_IPV4_LEN,
  PARSE_TRUNC_IPV6,
  PARSE_BAD_IPV6_VERSION,
  PARSE_TRUNC_IPV6_EXT,
  PARSE_TRUNC_L4,
  PARSE_BAD_TCP_OFFSET,
  PARSE_TRUNC_ND,
  PARSE_BAD_ND_OPTION,
  PARSE_FRAGMENTS,
  PARSE_TRUNC_MPLS,
  // exact-match cache
  EMC_HIT,
  EMC_MISS,
  EMC_INSERT,
  // megaflow classifier
  MEGAFLOW_HIT,
  MEGAFLOW_MISS,
  MEGAFLOW_SUBTABLES_SEARCHED,
  MEGAFLOW_INSERT,
  MEGAFLOW_INSERT_EXISTS,
  MEGAFLOW_INSERT_FULL,
  MEGAFLOW_INSERT_BAD_ACTIONS,
  MEGAFLOW_REMOVE,
  MEGAFLOW_EXPIRED,
  MEGAFLOW_RERANK,
  // batch / upcall boundary
  BATCH_PACKETS,
  BATCH_BAD_BUFFER,
  UPCALL_MISS,
  UPCALL_ACTION,
  UPCALL_QUEUE_FULL,
  // action execution
  ACTION_DROP,
  ACTION_BAD_ACTION,
  ACTION_BAD_PORT,
  ACTION_CLONE_NO_BUFFER,
  ACTION_NO_HEADROOM,
  ACTION_TTL_EXPIRED,
  ACTION_SAMPLE_POOL,
  ACTION_SAMPLE_TAKEN,
  // meters (assembly/meters/)
  METER_DROP,
  METER_REMARK,
  METER_UNKNOWN,
  // transmit batching
  TX_PACKETS,
  TX_QUEUE_FULL,
  // virtio rings
  VIRTIO_BAD_DESCRIPTOR,
  VIRTIO_BAD_ADDRESS,
  VIRTIO_CHAIN_LOOP,
  VIRTIO_BAD_AVAIL_IDX,
  VIRTIO_BAD_QUEUE,
  VIRTIO_QUEUE_NOT_READY,
  VIRTIO_NO_RX_BUFFER,
  VIRTIO_RX_TOO_SMALL,
  VIRTIO_RX_PACKETS,
  VIRTIO_TX_PACKETS,
  VIRTIO_TX_EMPTY,
  VIRTIO_TX_TOO_BIG,
  // ports
  PORTS_RING_RX,
  PORTS_RING_BLOCKS,
  PORTS_RING_NO_BUFFER,
  PORTS_RING_TOO_BIG,
  PORTS_RING_TRUNCATED,
  PORTS_RING_BAD_FRAME,
  PORTS_MMSG_RX,
  PORTS_MMSG_TRUNCATED,
  PORTS_VLAN_RESTORED,
  PORTS_VLAN_NO_ROOM,
  PORTS_CSUM_COMPLETED,
  PORTS_CSUM_UNSUPPORTED,
  // port capture
  CAPTURE_FRAMES,
  CAPTURE_DROPPED,
  COUNT,
}

const COUNTER_NAMES: StaticArray<string> = [
  "pool.exhausted",
  "pool.double_free",
  "pool.bad_id",
  "parse.packets",
  "parse.truncated_eth",
  "parse.truncated_vlan",
  "parse.vlan_too_deep",
  "parse.truncated_arp",
  "parse.bad_arp_format",
  "parse.truncated_ipv4",
  "parse.bad_ipv4_version",
  "parse.bad_ipv4_ihl",
  "parse.bad_ipv4_total_length",
  "parse.truncated_ipv6",
  "parse.bad_ipv6_version",
  "parse.truncated_ipv6_ext",
  "parse.truncated_l4",
  "parse.bad_tcp_offset",
  "parse.truncated_nd",
  "parse.bad_nd_option",
  "parse.fragments",
  "parse.truncated_mpls",
  "emc.hit",
  "emc.miss",
  "emc.insert",
  "megaflow.hit",
  "megaflow.miss",
  "megaflow.subtables_searched",
  "megaflow.insert",
  "megaflow.insert_exists",
  "megaflow.insert_full",
  "megaflow.insert_bad_actions",
  "megaflow.remove",
  "megaflow.expired",
  "megaflow.rerank",
  "batch.packets",
  "batch.bad_buffer",
  "upcall.miss",
  "upcall.action",
  "upcall.queue_full",
  "action.drop",
  "action.bad_action",
  "action.bad_port",
  "action.clone_no_buffer",
  "action.no_headroom",
  "action.ttl_expired",
  "action.sample_pool",
  "action.sample_taken",
  "meter.drop",
  "meter.remark",
  "meter.unknown",
  "tx.packets",
  "tx.queue_full",
  "virtio.bad_descriptor",
  "virtio.bad_address",
  "virtio.chain_loop",
  "virtio.bad_avail_idx",
  "virtio.bad_queue",
  "virtio.queue_not_ready",
  "virtio.no_rx_buffer",
  "virtio.rx_too_small",
  "virtio.rx_packets",
  "virtio.tx_packets",
  "virtio.tx_empty",
  "virtio.tx_too_big",
  "ports.ring_rx",
  "ports.ring_blocks",
  "ports.ring_no_buffer",
  "ports.ring_too_big",
  "ports.ring_truncated",
  "ports.ring_bad_frame",
  "ports.mmsg_rx",
  "ports.mmsg_truncated",
  "ports.vlan_restored",
  "ports.vlan_no_room",
  "ports.csum_completed",
  "ports.csum_unsupported",
  "capture.frames",
  "capture.dropped",
];

// Raw static memory, not a managed StaticArray: touching a managed global makes every caller
// push a shadow-stack frame for the GC, which the hot path cannot afford.
const counterValues: usize = memory.data(<i32>Counter.COUNT * 8, 16);

/** Adds n to counter c. */
@inline export function count(c: Counter, n: u64 = 1): void {
  const p = counterValues + (<usize>c << 3);
  store<u64>(p, load<u64>(p) + n);
}

export function counterGet(c: i32): u64 {
  return c >= 0 && c < Counter.COUNT ? load<u64>(counterValues + (<usize>c << 3)) : 0;
}

export function counterNamesLength(): i32 {
  return COUNTER_NAMES.length;
}

export function counterNameOf(c: i32): string {
  return c >= 0 && c < COUNTER_NAMES.length ? unchecked(COUNTER_NAMES[c]) : "";
}

export function countersReset(): void {
  memory.fill(counterValues, 0, <usize>Counter.COUNT * 8);
}
