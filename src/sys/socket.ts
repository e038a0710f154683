// Sockets for the port backends: AF_PACKET raw sockets bound to one interface, socket options.
//
// What: `packetSocket()` (AF_PACKET, SOCK_RAW, non-blocking, protocol 0 so it receives nothing
//   until bound), `packetBind(fd, ifindex)` (ETH_P_ALL on that interface), `setIntOpt`,
//   `getIntOpt`, `getOptBytes`, `setOptBytes`, and the SOL_PACKET option numbers.
// Design: option values go through small JS-owned scratch buffers passed by address. A backend
//   sets its ring and options up before binding, so no frame from another interface is ever
//   queued (a socket created with ETH_P_ALL hears every interface until bind).
//
//   struct sockaddr_ll (20 bytes)
//   0 u16 family (AF_PACKET)  2 u16 protocol (network order)  4 i32 ifindex
//   8 u16 hatype  10 u8 pkttype  11 u8 halen  12..20 addr
// Invariants: errors throw SysError naming the option; values are host-order integers.
// Threading: scratch buffers are module state of this isolate (one per thread).

import { addressOf, libc } from "./libc.ts";
import { sysCheck } from "./sys-error.ts";

export const AF_PACKET = 17;
export const SOCK_RAW = 3;
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;
export const ETH_P_ALL = 0x0003;

export const SOL_SOCKET = 1;
export const SO_SNDBUF = 7;
export const SO_RCVBUF = 8;
export const SO_RCVBUFFORCE = 33;
export const SO_SNDBUFFORCE = 32;

export const SOL_PACKET = 263;
export const PACKET_RX_RING = 5;
export const PACKET_STATISTICS = 6;
export const PACKET_AUXDATA = 8;
export const PACKET_VERSION = 10;
export const PACKET_QDISC_BYPASS = 20;
export const PACKET_IGNORE_OUTGOING = 23;
export const TPACKET_V3 = 2;

export const MSG_DONTWAIT = 0x40;
export const MSG_TRUNC = 0x20;

const SOCKADDR_LL_SIZE = 20;
const optBuf = new Uint8Array(64);
const optView = new DataView(optBuf.buffer);
const optAddr = addressOf(optBuf);
const lenBuf = new Uint32Array(1);
const lenAddr = addressOf(lenBuf);

/** A non-blocking AF_PACKET raw socket that receives nothing until packetBind. */
export function packetSocket(): number {
  return sysCheck(libc.socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), "socket(AF_PACKET)");
}

/** Binds an AF_PACKET socket to every protocol (ETH_P_ALL) on interface ifindex. */
export function packetBind(fd: number, ifindex: number, what = `ifindex ${ifindex}`): void {
  const sll = new Uint8Array(SOCKADDR_LL_SIZE);
  const v = new DataView(sll.buffer);
  v.setUint16(0, AF_PACKET, true);
  v.setUint16(2, ETH_P_ALL, false);
  v.setInt32(4, ifindex, true);
  sysCheck(libc.bind(fd, addressOf(sll), SOCKADDR_LL_SIZE), "bind(AF_PACKET)", `to ${what}`);
}

export function setIntOpt(fd: number, level: number, name: number, value: number, what: string): void {
  optView.setInt32(0, value, true);
  sysCheck(libc.setsockopt(fd, level, name, optAddr, 4), `setsockopt(${what})`);
}

export function getIntOpt(fd: number, level: number, name: number, what: string): number {
  lenBuf[0] = 4;
  sysCheck(libc.getsockopt(fd, level, name, optAddr, lenAddr), `getsockopt(${what})`);
  return optView.getInt32(0, true);
}

/** Sets an option whose value is a struct, given as bytes. */
export function setOptBytes(fd: number, level: number, name: number, value: Uint8Array, what: string): void {
  sysCheck(libc.setsockopt(fd, level, name, addressOf(value), value.byteLength), `setsockopt(${what})`);
}

/** Reads an option whose value is a struct of up to 64 bytes; returns a copy of its bytes. */
export function getOptBytes(fd: number, level: number, name: number, size: number, what: string): Uint8Array {
  if (size > optBuf.length) throw new Error(`getsockopt(${what}): ${size} bytes is more than the scratch holds`);
  lenBuf[0] = size;
  sysCheck(libc.getsockopt(fd, level, name, optAddr, lenAddr), `getsockopt(${what})`);
  return optBuf.slice(0, lenBuf[0]);
}
