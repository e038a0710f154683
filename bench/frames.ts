// Synthetic test frames for benchmarks: Ethernet / IPv4 / UDP of a fixed size, one distinct
// flow per index (source address and port vary), with a correct IPv4 header checksum.

export const FRAME_LEN = 64;

/** Writes frame number i (of a family of distinct flows) into dst; returns its length. */
export function writeUdpFrame(dst: Uint8Array, i: number, len = FRAME_LEN): number {
  dst.fill(0, 0, len);
  const v = new DataView(dst.buffer, dst.byteOffset, len);
  dst.set([0x02, 0, 0, 0, 0, 0x02], 0); // eth dst
  dst.set([0x02, 0, 0, 0, 0, 0x01], 6); // eth src
  v.setUint16(12, 0x0800);
  v.setUint8(14, 0x45);
  v.setUint16(16, len - 14); // IPv4 total length
  v.setUint8(22, 64); // TTL
  v.setUint8(23, 17); // UDP
  v.setUint32(26, (10 << 24) | (i & 0xffffff)); // 10.x.y.z source: distinct per flow
  v.setUint32(30, (192 << 24) | (168 << 16) | 1); // 192.168.0.1
  let sum = 0;
  for (let o = 14; o < 34; o += 2) sum += v.getUint16(o);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  v.setUint16(24, ~sum & 0xffff);
  v.setUint16(34, 1024 + ((i >>> 24) & 0xff)); // UDP source port
  v.setUint16(36, 5001);
  v.setUint16(38, len - 34);
  return len;
}
