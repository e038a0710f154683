// What: readPcapFrames(bytes) — the frames of a capture file, for `wasmvs trace --pcap`.
//
// Design: the two formats tcpdump and tshark write: classic pcap (either byte order, µs or ns
// timestamps) and pcapng (Enhanced and Simple Packet Blocks; other blocks skipped). Only the
// captured bytes are returned; link types other than Ethernet are refused by name, since a
// trace needs an Ethernet frame.
//
// Invariants: every length is checked against the file before it is used: a truncated or
// corrupt file is an Error saying where, never a short or garbage frame.
//
// Threading: pure.

const LINKTYPE_ETHERNET = 1;

export function readPcapFrames(b: Uint8Array): Uint8Array[] {
  if (b.length < 4) throw new Error(`capture of ${b.length} bytes: too short to be pcap or pcapng`);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const magic = v.getUint32(0, false);
  if (magic === 0x0a0d0d0a) return readPcapng(b, v);
  const le = magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1;
  if (!le && magic !== 0xa1b2c3d4 && magic !== 0xa1b23c4d) {
    throw new Error(`not a pcap or pcapng file (magic 0x${magic.toString(16).padStart(8, "0")})`);
  }
  if (b.length < 24) throw new Error("pcap: truncated file header");
  const link = v.getUint32(20, le) & 0xffff;
  if (link !== LINKTYPE_ETHERNET) throw new Error(`pcap: link type ${link} is not Ethernet (1)`);
  const frames: Uint8Array[] = [];
  for (let off = 24; off < b.length; ) {
    if (off + 16 > b.length) throw new Error(`pcap: truncated record header at offset ${off}`);
    const incl = v.getUint32(off + 8, le);
    if (off + 16 + incl > b.length) throw new Error(`pcap: record at offset ${off} claims ${incl} bytes past the end`);
    frames.push(b.slice(off + 16, off + 16 + incl));
    off += 16 + incl;
  }
  return frames;
}

function readPcapng(b: Uint8Array, v: DataView): Uint8Array[] {
  if (b.length < 12) throw new Error("pcapng: truncated section header");
  const bom = v.getUint32(8, true);
  const le = bom === 0x1a2b3c4d;
  if (!le && bom !== 0x4d3c2b1a) throw new Error("pcapng: bad byte-order magic");
  const links: number[] = [];
  const frames: Uint8Array[] = [];
  for (let off = 0; off < b.length; ) {
    if (off + 12 > b.length) throw new Error(`pcapng: truncated block at offset ${off}`);
    const type = v.getUint32(off, le);
    const len = v.getUint32(off + 4, le);
    if (len < 12 || len % 4 !== 0 || off + len > b.length) {
      throw new Error(`pcapng: block at offset ${off} has a bad length ${len}`);
    }
    if (type === 1) {
      links.push(v.getUint16(off + 8, le));
    } else if (type === 6 || type === 3) {
      const iface = type === 6 ? v.getUint32(off + 8, le) : 0;
      const caplen = type === 6 ? v.getUint32(off + 20, le) : Math.min(v.getUint32(off + 8, le), len - 16);
      const data = off + (type === 6 ? 28 : 12);
      if (data + caplen > off + len) throw new Error(`pcapng: packet block at offset ${off} overruns its block`);
      if (links[iface] !== LINKTYPE_ETHERNET) {
        throw new Error(`pcapng: interface ${iface} has link type ${links[iface]}, not Ethernet (1)`);
      }
      frames.push(b.slice(data, data + caplen));
    }
    off += len;
  }
  return frames;
}
