// The OpenFlow state of a switch port: its config bits (what PORT_MOD sets) and its link, and
// what follows from them for forwarding (OpenFlow 1.3.5 §7.2.1, §7.3.4.3).
//
// What: PortState { config, linkUp }; portLive (OFPPS_LIVE: admin up and link up), portStateBits
//   (the ofp_port `state` field), inputBlocked (PORT_DOWN or NO_RECV: received packets are
//   dropped before the pipeline); portModConfig validates a PORT_MOD against a port and returns
//   the port's new config.
// Design: the config bits OpenFlow 1.3 defines are all supported:
//     PORT_DOWN     administratively down: nothing received or sent (the NormalPort goes down)
//     NO_RECV       received packets dropped (translation drops at in_port)
//     NO_FWD        packets forwarded to the port dropped (outputs, floods and NORMAL skip it)
//     NO_PACKET_IN  no packet-ins for packets received on the port (CONTROLLER outputs dropped)
//   PORT_MOD checks, in Open vSwitch's order: the port exists (PORT_MOD_FAILED/BAD_PORT), hw_addr
//   is the port's MAC (BAD_HW_ADDR), then mask bits beyond those four (BAD_CONFIG). Config bits
//   outside the mask are not changed and not checked. `advertise` is ignored: our ports have no
//   negotiable link features (PORT_DESC reports none), as with OVS on virtual devices.
//   PORT_DOWN from PORT_MOD is run-time state, not configuration: it is not persisted and does
//   not touch the kernel device (see live-dataplane.ts).
// Invariants: portModConfig throws before anything changes; its result has only supported bits.
// Threading: main thread.

import { OFPET, OfpError, PORT_MOD_FAILED } from "../../openflow/errors.ts";
import { OFPPC, OFPPS, type PortModMessage } from "../../openflow/messages/port.ts";

export interface PortState {
  /** OFPPC_* bits: PORT_DOWN, NO_RECV, NO_FWD, NO_PACKET_IN. */
  config: number;
  /** The device's link (carrier and up in the kernel). */
  linkUp: boolean;
}

/** Every config bit OpenFlow 1.3 defines; all of them are honoured. */
export const OFPPC_SUPPORTED = OFPPC.PORT_DOWN | OFPPC.NO_RECV | OFPPC.NO_FWD | OFPPC.NO_PACKET_IN;

/** OFPPS_LIVE: usable for forwarding and FAST_FAILOVER (admin up, link up). */
export function portLive(s: PortState): boolean {
  return (s.config & OFPPC.PORT_DOWN) === 0 && s.linkUp;
}

/** The ofp_port `state` field: LINK_DOWN and LIVE (BLOCKED never: no STP). */
export function portStateBits(s: PortState): number {
  return (s.linkUp ? 0 : OFPPS.LINK_DOWN) | (portLive(s) ? OFPPS.LIVE : 0);
}

/** Packets received on a port with this config are dropped before the pipeline. */
export function inputBlocked(config: number): boolean {
  return (config & (OFPPC.PORT_DOWN | OFPPC.NO_RECV)) !== 0;
}

/** The port a PORT_MOD names, as the check needs it. */
export interface PortModTarget {
  config: number;
  hwAddr: Uint8Array;
}

/** The port's config after `pm` (throws PORT_MOD_FAILED/* and changes nothing on refusal). */
export function portModConfig(port: PortModTarget | undefined, pm: Omit<PortModMessage, "kind" | "xid">): number {
  if (!port) {
    throw new OfpError(OFPET.PORT_MOD_FAILED, PORT_MOD_FAILED.BAD_PORT, `port ${pm.portNo >>> 0} does not exist`);
  }
  if (!sameMac(port.hwAddr, pm.hwAddr)) {
    throw new OfpError(OFPET.PORT_MOD_FAILED, PORT_MOD_FAILED.BAD_HW_ADDR, `hw_addr is not port ${pm.portNo}'s`);
  }
  const unsupported = (pm.mask & ~OFPPC_SUPPORTED) >>> 0;
  if (unsupported !== 0) {
    throw new OfpError(
      OFPET.PORT_MOD_FAILED,
      PORT_MOD_FAILED.BAD_CONFIG,
      `config bits 0x${unsupported.toString(16)} are not OpenFlow 1.3 port config bits`,
    );
  }
  return ((port.config & ~pm.mask) | (pm.config & pm.mask)) & OFPPC_SUPPORTED;
}

function sameMac(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length < 6 || b.length < 6) return false;
  for (let i = 0; i < 6; i++) if (a[i] !== b[i]) return false;
  return true;
}
