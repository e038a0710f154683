// A pcap file of byte streams that never touched a network interface (unix sockets), framed as
// TCP over IPv4 so tshark's OpenFlow dissector reads them like a capture on lo.
//
// What: `PcapRecorder(path)` writes a classic pcap (LINKTYPE_RAW: each record is an IPv4 packet);
//   `stream(serverPort)` opens one synthetic TCP connection (127.0.0.2:<client port> →
//   127.0.0.1:<serverPort>) with a three-way handshake, and returns `toServer(bytes)`,
//   `toClient(bytes)` and `close()` (FIN both ways). Bytes are recorded exactly as given, in call
//   order, cut into segments of at most 65,000 bytes with sequence and acknowledgement numbers
//   that follow them, so tshark reassembles messages that span segments.
// Design: synchronous appends (appendFileSync) in call order: the order of the file is the order
//   the bytes crossed the proxy. IPv4 header checksums are computed; TCP checksums are left 0
//   (tshark does not verify them unless asked).
// Invariants: one recorder per file; records are never rewritten.

import { appendFileSync, writeFileSync } from "node:fs";

const LINKTYPE_RAW = 101;
const MAX_SEGMENT = 65_000;
const SYN = 0x02;
const ACK = 0x10;
const PSH = 0x08;
const FIN = 0x01;

export interface RecordedStream {
  toServer(bytes: Uint8Array): void;
  toClient(bytes: Uint8Array): void;
  close(): void;
}

export class PcapRecorder {
  private nextClientPort = 40_000;

  constructor(readonly path: string) {
    const h = Buffer.alloc(24);
    h.writeUInt32LE(0xa1b2c3d4, 0);
    h.writeUInt16LE(2, 4);
    h.writeUInt16LE(4, 6);
    h.writeUInt32LE(0x40000, 16); // snaplen
    h.writeUInt32LE(LINKTYPE_RAW, 20);
    writeFileSync(path, h);
  }

  stream(serverPort: number): RecordedStream {
    const clientPort = this.nextClientPort++;
    const c = { addr: [127, 0, 0, 2], port: clientPort, seq: 1000 };
    const s = { addr: [127, 0, 0, 1], port: serverPort, seq: 5000 };
    const send = (from: typeof c, to: typeof c, flags: number, data: Uint8Array = new Uint8Array(0)) => {
      this.packet(from, to, flags, data);
      from.seq = (from.seq + data.length + (flags & (SYN | FIN) ? 1 : 0)) >>> 0;
    };
    send(c, s, SYN);
    send(s, c, SYN | ACK);
    send(c, s, ACK);
    const data = (from: typeof c, to: typeof c, bytes: Uint8Array) => {
      for (let at = 0; at < bytes.length; at += MAX_SEGMENT) {
        send(from, to, PSH | ACK, bytes.subarray(at, at + MAX_SEGMENT));
      }
    };
    let closed = false;
    return {
      toServer: (b) => data(c, s, b),
      toClient: (b) => data(s, c, b),
      close: () => {
        if (closed) return;
        closed = true;
        send(c, s, FIN | ACK);
        send(s, c, FIN | ACK);
        send(c, s, ACK);
      },
    };
  }

  private packet(
    from: { addr: number[]; port: number; seq: number },
    to: { addr: number[]; port: number; seq: number },
    flags: number,
    data: Uint8Array,
  ): void {
    const total = 20 + 20 + data.length;
    const p = Buffer.alloc(16 + total);
    const now = Date.now();
    p.writeUInt32LE(Math.floor(now / 1000), 0);
    p.writeUInt32LE((now % 1000) * 1000, 4);
    p.writeUInt32LE(total, 8);
    p.writeUInt32LE(total, 12);
    const ip = 16;
    p[ip] = 0x45;
    p.writeUInt16BE(total, ip + 2);
    p.writeUInt16BE(0x4000, ip + 6); // DF
    p[ip + 8] = 64;
    p[ip + 9] = 6; // TCP
    p.set(from.addr, ip + 12);
    p.set(to.addr, ip + 16);
    p.writeUInt16BE(ipChecksum(p.subarray(ip, ip + 20)), ip + 10);
    const tcp = ip + 20;
    p.writeUInt16BE(from.port, tcp);
    p.writeUInt16BE(to.port, tcp + 2);
    p.writeUInt32BE(from.seq, tcp + 4);
    p.writeUInt32BE(flags & ACK ? to.seq : 0, tcp + 8);
    p[tcp + 12] = 5 << 4;
    p[tcp + 13] = flags;
    p.writeUInt16BE(0xffff, tcp + 14); // window
    p.set(data, tcp + 20);
    appendFileSync(this.path, p);
  }
}

function ipChecksum(h: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < h.length; i += 2) sum += (h[i] << 8) | h[i + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}
