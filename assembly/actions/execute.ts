// Action execution: runs a megaflow's action list (action-format.ts) over one packet.
//
// What: `actionsExecute(id, key, list, len)` takes packet `id` (owner APP) from its caller and,
//   by the time it returns, has put the packet and every copy of it in tx batches or the
//   upcall queue, or freed it.
// Design: records run in order over one working packet (OVS datapath semantics): each output
//   sends the packet as modified so far. A record that emits the packet (output, output set,
//   userspace, a taken sample) sends a copy (poolClone) and keeps working on the original,
//   unless nothing observable can follow it, in which case it hands over the original and
//   execution ends there. "Observable" is decided by peeking at the rest of the list
//   (`restIsPure`): only pure header rewrites (pop VLAN, set VID/PCP/eth/IP/DSCP/port and the
//   set-field records 30..44) may follow a last use, as may pop MPLS, set MPLS LSE and the TTL
//   copies; they cannot emit, count or fail, so skipping them changes nothing. Everything
//   else — output, output set, drop, push VLAN / push MPLS (can run out of headroom), dec TTL /
//   dec MPLS TTL (can expire), sample, userspace, a malformed record — is a later use and
//   forces a copy.
//   The single-output list (8 bytes) is matched before any loop: one compare, one enqueue.
//
//   list:  [set_eth_dst][output 1][set_vlan_vid][output 2][pop_vlan]
//                          │ copy                 │ original (only pure rewrites follow)
//                          ▼                      ▼
//                        tx[1]                  tx[2]
//
// Invariants (each is a named counter, never an exception):
//   - a malformed record (actionsValidate rules) stops execution; the working packet is freed
//     (action.bad_action). Records before it have run: validation is streaming, the control
//     plane validates whole lists before installing them.
//   - A_OUTPUT to a port >= MAX_PORTS is skipped (action.bad_port); a copy that cannot be
//     made because the pool is empty is skipped (action.clone_no_buffer).
//   - A_DROP frees the working packet and ends execution (action.drop, and per reason).
//   - a list that ends while the packet is still held frees it; if nothing was emitted at
//     all it counts as action.drop (an empty list is a drop).
//   - A_METER whose band says DROP frees the working packet and ends execution (meter.drop,
//     not action.drop); outputs made before it stand. An undefined meter passes the packet.
//   - push VLAN / push MPLS without headroom drops (action.no_headroom); dec TTL or dec MPLS
//     TTL at <= 1 hands the packet to userspace (UPCALL_TTL with the record's userdata,
//     action.ttl_expired); both end execution.
// Threading: one WASM instance is one datapath thread; the key is read-only.

import { Counter, count } from "../counters/counters";
import { poolClone, poolFree } from "../buffers/pool";
import { MAX_PORTS, txEnqueue } from "../datapath/tx-batches";
import { UPCALL_ACTION, UPCALL_SAMPLE, UPCALL_TTL, upcallPush } from "../datapath/upcall-queue";
import {
  A_DEC_TTL,
  A_DROP,
  A_METER,
  A_OUTPUT,
  A_OUTPUT_SET,
  A_POP_VLAN,
  A_PUSH_VLAN,
  A_SAMPLE,
  A_SET_DSCP,
  A_SET_ETH_DST,
  A_SET_ETH_SRC,
  A_SET_IPV4_DST,
  A_SET_IPV4_SRC,
  A_SET_IPV6_DST,
  A_SET_IPV6_SRC,
  A_SET_TP_DST,
  A_SET_TP_SRC,
  A_SET_VLAN_PCP,
  A_SET_VLAN_VID,
  A_USERSPACE,
  A_COPY_TTL_IN,
  A_COPY_TTL_OUT,
  A_DEC_MPLS_TTL,
  A_POP_MPLS,
  A_PUSH_MPLS,
  A_SET_MPLS_LSE,
  A_SET_ARP_OP,
  A_SET_ARP_SHA,
  A_SET_ARP_SPA,
  A_SET_ARP_THA,
  A_SET_ARP_TPA,
  A_SET_ECN,
  A_SET_ICMP4_CODE,
  A_SET_ICMP4_TYPE,
  A_SET_ICMP6_CODE,
  A_SET_ICMP6_TYPE,
  A_SET_IPV6_LABEL,
  A_SET_ND_SLL,
  A_SET_ND_TARGET,
  A_SET_ND_TLL,
  A_SET_TTL,
  SET_EXCLUDE_IN,
  actionPayloadSize,
} from "./action-format";
import { VLAN_NO_HEADROOM, vlanPop, vlanPush, vlanSetPcp, vlanSetVid } from "./vlan-ops";
import { TTL_EXPIRED, decTtl, setDscp, setEthAddr, setIpv4Addr, setIpv6Addr, setTpPort } from "./set-field";
import { portSetCount, portSetPort } from "./port-sets";
import { samplerHit } from "./sampler";
import { K_IN_PORT, P_ICMP4, P_ICMP6 } from "../key/flow-key";
import { setEcn, setFlowLabel, setTtl } from "./set-field-ip";
import { ARP_SHA_OFF, ARP_SPA_OFF, ARP_THA_OFF, ARP_TPA_OFF, setArpBytes, setArpOp } from "./set-field-arp";
import { ND_OPT_SLL, ND_OPT_TLL, setIcmpByte, setNdLladdr, setNdTarget } from "./set-field-icmp";
import { METER_DROPPED, meterRun } from "../meters/meter-run";
import {
  MPLS_NO_HEADROOM,
  MPLS_TTL_EXPIRED,
  mplsCopyTtlIn,
  mplsCopyTtlOut,
  mplsDecTtl,
  mplsPop,
  mplsPush,
  mplsSetLse,
} from "./mpls-ops";

/** Record types that only rewrite headers: they never emit, count or end execution (a u64:
 *  record types go past 31). */
@inline const PURE_TYPES: u64 =
  (<u64>1 << A_POP_VLAN) |
  (<u64>1 << A_SET_VLAN_VID) |
  (<u64>1 << A_SET_VLAN_PCP) |
  (<u64>1 << A_SET_ETH_SRC) |
  (<u64>1 << A_SET_ETH_DST) |
  (<u64>1 << A_SET_IPV4_SRC) |
  (<u64>1 << A_SET_IPV4_DST) |
  (<u64>1 << A_SET_IPV6_SRC) |
  (<u64>1 << A_SET_IPV6_DST) |
  (<u64>1 << A_SET_DSCP) |
  (<u64>1 << A_SET_TP_SRC) |
  (<u64>1 << A_SET_TP_DST) |
  (<u64>1 << A_POP_MPLS) |
  (<u64>1 << A_SET_MPLS_LSE) |
  (<u64>1 << A_COPY_TTL_OUT) |
  (<u64>1 << A_COPY_TTL_IN) |
  // Set-field records 30..44.
  (<u64>1 << A_SET_ECN) |
  (<u64>1 << A_SET_TTL) |
  (<u64>1 << A_SET_ARP_OP) |
  (<u64>1 << A_SET_ARP_SPA) |
  (<u64>1 << A_SET_ARP_TPA) |
  (<u64>1 << A_SET_ARP_SHA) |
  (<u64>1 << A_SET_ARP_THA) |
  (<u64>1 << A_SET_ICMP4_TYPE) |
  (<u64>1 << A_SET_ICMP4_CODE) |
  (<u64>1 << A_SET_ICMP6_TYPE) |
  (<u64>1 << A_SET_ICMP6_CODE) |
  (<u64>1 << A_SET_IPV6_LABEL) |
  (<u64>1 << A_SET_ND_TARGET) |
  (<u64>1 << A_SET_ND_SLL) |
  (<u64>1 << A_SET_ND_TLL);

/** The single-output record header as one u32: type A_OUTPUT, len 8. */
@inline const OUTPUT_HDR: u32 = <u32>A_OUTPUT | (8 << 16);

/** Drop reasons counted one by one (larger reasons share the last slot). */
@inline export const DROP_REASON_SLOTS: u32 = 64;
const dropReasons = new StaticArray<u64>(DROP_REASON_SLOTS);

export function actionsDropReasonCount(reason: u32): u64 {
  return unchecked(dropReasons[reason < DROP_REASON_SLOTS ? reason : DROP_REASON_SLOTS - 1]);
}

/** True when every record in [from, len) is a well-formed pure header rewrite. */
function restIsPure(list: usize, from: u32, len: u32): bool {
  let off = from;
  while (off < len) {
    if (len - off < 4) return false;
    const type = <u32>load<u16>(list + off);
    const rlen = <u32>load<u16>(list + off, 2);
    if (type >= 64 || ((<u64>1 << type) & PURE_TYPES) == 0) return false;
    if ((rlen & 3) != 0 || rlen < 4 + <u32>actionPayloadSize(<u16>type) || rlen > len - off) {
      return false;
    }
    off += rlen;
  }
  return true;
}

/** Runs the action list [list, list+len) over packet `id`, which the caller hands over: when
 *  this returns the packet (and any clones) are in tx batches, the upcall queue, or free.
 *  `key` is the packet's ingress flow key (read-only). */
export function actionsExecute(id: u32, key: usize, list: usize, len: u32): void {
  // The common case: exactly one output, to a valid port.
  if (len == 8 && load<u32>(list) == OUTPUT_HDR) {
    const port = load<u32>(list, 4);
    if (port < MAX_PORTS) {
      txEnqueue(port, id);
      return;
    }
  }
  executeList(id, key, list, len);
}

function executeList(id: u32, key: usize, list: usize, len: u32): void {
  let emitted = false;
  let off: u32 = 0;
  while (off < len) {
    if (len - off < 4) break; // malformed: handled below the loop
    const r = list + off;
    const type = load<u16>(r);
    const rlen = <u32>load<u16>(r, 2);
    const need = actionPayloadSize(type);
    if (need < 0 || (rlen & 3) != 0 || rlen < 4 + <u32>need || rlen > len - off) break;
    const next = off + rlen;
    const p = r + 4; // payload
    switch (type) {
      case A_OUTPUT: {
        const port = load<u32>(p);
        if (port >= MAX_PORTS) {
          count(Counter.ACTION_BAD_PORT);
          break;
        }
        if (restIsPure(list, next, len)) {
          txEnqueue(port, id);
          return;
        }
        const c = poolClone(id);
        if (c < 0) {
          count(Counter.ACTION_CLONE_NO_BUFFER);
          break;
        }
        txEnqueue(port, <u32>c);
        emitted = true;
        break;
      }
      case A_OUTPUT_SET: {
        const set = <u32>load<u16>(p);
        const exclude = (load<u16>(p, 2) & SET_EXCLUDE_IN) != 0;
        const inPort = load<u32>(key + K_IN_PORT);
        const n = portSetCount(set);
        // The last port that will receive the packet: it may get the original.
        let lastIdx: i32 = <i32>n - 1;
        if (exclude && lastIdx >= 0 && portSetPort(set, <u32>lastIdx) == inPort) lastIdx--;
        if (lastIdx < 0) break;
        const handOver = restIsPure(list, next, len);
        for (let i: i32 = 0; i < lastIdx; i++) {
          const port = portSetPort(set, <u32>i);
          if (exclude && port == inPort) continue;
          const c = poolClone(id);
          if (c < 0) {
            count(Counter.ACTION_CLONE_NO_BUFFER);
            continue;
          }
          txEnqueue(port, <u32>c);
          emitted = true;
        }
        const last = portSetPort(set, <u32>lastIdx);
        if (handOver) {
          txEnqueue(last, id);
          return;
        }
        const c = poolClone(id);
        if (c < 0) {
          count(Counter.ACTION_CLONE_NO_BUFFER);
          break;
        }
        txEnqueue(last, <u32>c);
        emitted = true;
        break;
      }
      case A_DROP: {
        const reason = load<u32>(p);
        unchecked((dropReasons[reason < DROP_REASON_SLOTS ? reason : DROP_REASON_SLOTS - 1] += 1));
        count(Counter.ACTION_DROP);
        poolFree(id);
        return;
      }
      case A_PUSH_VLAN: {
        if (vlanPush(id, load<u16>(p), load<u16>(p, 2)) == VLAN_NO_HEADROOM) {
          count(Counter.ACTION_NO_HEADROOM);
          poolFree(id);
          return;
        }
        break;
      }
      case A_POP_VLAN:
        vlanPop(id);
        break;
      case A_SET_VLAN_VID:
        vlanSetVid(id, load<u16>(p));
        break;
      case A_SET_VLAN_PCP:
        vlanSetPcp(id, load<u8>(p));
        break;
      case A_SET_ETH_SRC:
        setEthAddr(id, 6, p);
        break;
      case A_SET_ETH_DST:
        setEthAddr(id, 0, p);
        break;
      case A_SET_IPV4_SRC:
        setIpv4Addr(id, key, 12, p);
        break;
      case A_SET_IPV4_DST:
        setIpv4Addr(id, key, 16, p);
        break;
      case A_SET_IPV6_SRC:
        setIpv6Addr(id, key, 8, p);
        break;
      case A_SET_IPV6_DST:
        setIpv6Addr(id, key, 24, p);
        break;
      case A_SET_DSCP:
        setDscp(id, key, load<u8>(p));
        break;
      case A_DEC_TTL: {
        if (decTtl(id, key) == TTL_EXPIRED) {
          count(Counter.ACTION_TTL_EXPIRED);
          upcallPush(id, UPCALL_TTL, load<u32>(p), key);
          return;
        }
        break;
      }
      case A_PUSH_MPLS: {
        if (mplsPush(id, load<u16>(p)) == MPLS_NO_HEADROOM) {
          count(Counter.ACTION_NO_HEADROOM);
          poolFree(id);
          return;
        }
        break;
      }
      case A_POP_MPLS:
        mplsPop(id, load<u16>(p));
        break;
      case A_SET_MPLS_LSE:
        mplsSetLse(id, load<u32>(p), load<u32>(p, 4));
        break;
      case A_DEC_MPLS_TTL: {
        if (mplsDecTtl(id) == MPLS_TTL_EXPIRED) {
          count(Counter.ACTION_TTL_EXPIRED);
          upcallPush(id, UPCALL_TTL, load<u32>(p), key);
          return;
        }
        break;
      }
      case A_COPY_TTL_OUT:
        mplsCopyTtlOut(id);
        break;
      case A_COPY_TTL_IN:
        mplsCopyTtlIn(id);
        break;
      case A_SET_TP_SRC:
        setTpPort(id, key, 0, load<u16>(p));
        break;
      case A_SET_TP_DST:
        setTpPort(id, key, 2, load<u16>(p));
        break;
      case A_SAMPLE: {
        const sampler = load<u32>(p);
        if (!samplerHit(sampler, load<u32>(p, 4))) break;
        if (restIsPure(list, next, len)) {
          upcallPush(id, UPCALL_SAMPLE, sampler, key);
          return;
        }
        const c = poolClone(id);
        if (c < 0) {
          count(Counter.ACTION_CLONE_NO_BUFFER);
          break;
        }
        upcallPush(<u32>c, UPCALL_SAMPLE, sampler, key);
        emitted = true;
        break;
      }
      case A_USERSPACE: {
        const userdata = load<u32>(p);
        if (restIsPure(list, next, len)) {
          upcallPush(id, UPCALL_ACTION, userdata, key);
          return;
        }
        const c = poolClone(id);
        if (c < 0) {
          count(Counter.ACTION_CLONE_NO_BUFFER);
          break;
        }
        upcallPush(<u32>c, UPCALL_ACTION, userdata, key);
        emitted = true;
        break;
      }
      case A_METER: {
        if (meterRun(load<u32>(p), id, key) == METER_DROPPED) {
          poolFree(id);
          return;
        }
        break;
      }
      // Set-field records 30..44.
      case A_SET_ECN:
        setEcn(id, key, load<u8>(p));
        break;
      case A_SET_TTL:
        setTtl(id, key, load<u8>(p));
        break;
      case A_SET_ARP_OP:
        setArpOp(id, key, load<u16>(p));
        break;
      case A_SET_ARP_SPA:
        setArpBytes(id, key, ARP_SPA_OFF, 4, p);
        break;
      case A_SET_ARP_TPA:
        setArpBytes(id, key, ARP_TPA_OFF, 4, p);
        break;
      case A_SET_ARP_SHA:
        setArpBytes(id, key, ARP_SHA_OFF, 6, p);
        break;
      case A_SET_ARP_THA:
        setArpBytes(id, key, ARP_THA_OFF, 6, p);
        break;
      case A_SET_ICMP4_TYPE:
        setIcmpByte(id, key, P_ICMP4, 0, load<u8>(p));
        break;
      case A_SET_ICMP4_CODE:
        setIcmpByte(id, key, P_ICMP4, 1, load<u8>(p));
        break;
      case A_SET_ICMP6_TYPE:
        setIcmpByte(id, key, P_ICMP6, 0, load<u8>(p));
        break;
      case A_SET_ICMP6_CODE:
        setIcmpByte(id, key, P_ICMP6, 1, load<u8>(p));
        break;
      case A_SET_IPV6_LABEL:
        setFlowLabel(id, key, load<u32>(p));
        break;
      case A_SET_ND_TARGET:
        setNdTarget(id, key, p);
        break;
      case A_SET_ND_SLL:
        setNdLladdr(id, key, ND_OPT_SLL, p);
        break;
      case A_SET_ND_TLL:
        setNdLladdr(id, key, ND_OPT_TLL, p);
        break;
      default:
        break; // unreachable: actionPayloadSize rejected unknown types
    }
    off = next;
  }
  poolFree(id);
  if (off < len) {
    count(Counter.ACTION_BAD_ACTION);
  } else if (!emitted) {
    count(Counter.ACTION_DROP);
  }
}
