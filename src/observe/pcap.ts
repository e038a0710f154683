// Classic pcap files (libpcap format, as tcpdump -w writes them), for `wasmvs capture -w`.
//
// What: pcapFileHeader(snaplen) and pcapRecord(timeMs, data, origLen) — the bytes to write.
// Design: the original microsecond format (magic 0xa1b2c3d4), little-endian, LINKTYPE_ETHERNET
//   (1): readable by tcpdump, tshark/wireshark and scapy without options. Direction is not part
//   of classic pcap; the CLI's summaries show it, the file does not (as with tcpdump -w).
// Invariants: incl_len ≤ snaplen and incl_len ≤ orig_len in every record written here.
// Threading: pure.

export const PCAP_MAGIC_USEC = 0xa1b2c3d4;
export const LINKTYPE_ETHERNET = 1;
export const DEFAULT_SNAPLEN = 262144;

export function pcapFileHeader(snaplen = DEFAULT_SNAPLEN): Buffer {
  const b = Buffer.alloc(24);
  b.writeUInt32LE(PCAP_MAGIC_USEC, 0);
  b.writeUInt16LE(2, 4); // version 2.4
  b.writeUInt16LE(4, 6);
  b.writeInt32LE(0, 8); // thiszone
  b.writeUInt32LE(0, 12); // sigfigs
  b.writeUInt32LE(snaplen, 16);
  b.writeUInt32LE(LINKTYPE_ETHERNET, 20);
  return b;
}

export function pcapRecord(timeMs: number, data: Uint8Array, origLen = data.length, snaplen = DEFAULT_SNAPLEN): Buffer {
  const incl = Math.min(data.length, snaplen);
  const b = Buffer.alloc(16 + incl);
  const usecTotal = Math.round(timeMs * 1000);
  b.writeUInt32LE(Math.floor(usecTotal / 1e6), 0);
  b.writeUInt32LE(usecTotal % 1e6, 4);
  b.writeUInt32LE(incl, 8);
  b.writeUInt32LE(Math.max(origLen, incl), 12);
  b.set(data.subarray(0, incl), 16);
  return b;
}
