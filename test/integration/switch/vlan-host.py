"""A host on an 802.1Q VLAN, played with a raw socket (Python standard library only).

  vlan-host.py ping IFACE VID MAC IP DSTIP COUNT WAIT

Resolves DSTIP with ARP and sends COUNT ICMP echo requests from MAC/IP, every frame tagged
with VID (0: untagged), then prints one JSON line:
  {"arp": true|false, "sent": N, "received": K, "vids": [VID or null for each frame received]}
where "vids" lists the 802.1Q VID of every ARP reply and echo reply that came back (null when
it arrived untagged) — the tag as it was on the wire, put back from PACKET_AUXDATA when the
kernel stripped it. ARP requests for IP are answered (with the same tag) so the peer can
refresh its neighbour entry.

Why: the test machines' kernels have no 8021q module, so a namespace cannot have a VLAN
subinterface; this script is the VLAN host instead.
"""
import json
import os
import socket
import struct
import sys
import time

ETH_P_ALL = 3
SOL_PACKET = 263
PACKET_AUXDATA = 8
TP_STATUS_VLAN_VALID = 0x10
TP_STATUS_VLAN_TPID_VALID = 0x40
BROADCAST = b"\xff" * 6


def mac_bytes(s):
    return bytes.fromhex(s.replace(":", ""))


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def ether(dst, src, vid, ethertype, payload):
    tag = struct.pack("!HH", 0x8100, vid) if vid else b""
    frame = dst + src + tag + struct.pack("!H", ethertype) + payload
    return frame + b"\0" * max(0, 60 - len(frame))


def arp(op, sha, spa, tha, tpa):
    return struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + sha + spa + tha + tpa


def icmp_echo(src_ip, dst_ip, ident, seq):
    body = struct.pack("!HH", ident, seq) + b"wasmvs-vlan-host" * 2
    icmp = struct.pack("!BBH", 8, 0, 0) + body
    icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), seq, 0, 64, 1, 0, src_ip, dst_ip)
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + icmp


class Host:
    def __init__(self, iface, vid, mac, ip):
        self.vid = vid
        self.mac = mac_bytes(mac)
        self.ip = socket.inet_aton(ip)
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.s.bind((iface, ETH_P_ALL))
        self.s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
        self.vids = []

    def send(self, frame):
        self.s.send(frame)

    def recv(self, deadline):
        """The next frame for our MAC (or broadcast) as (vid or None, ethertype, payload)."""
        while True:
            left = deadline - time.time()
            if left <= 0:
                return None
            self.s.settimeout(left)
            try:
                data, anc, _flags, addr = self.s.recvmsg(65536, socket.CMSG_SPACE(64))
            except socket.timeout:
                return None
            if addr[2] == socket.PACKET_OUTGOING:
                continue
            for level, typ, cdata in anc:
                if level == SOL_PACKET and typ == PACKET_AUXDATA and len(cdata) >= 20:
                    status, _l, _s, _m, _n, tci, tpid = struct.unpack("IIIHHHH", cdata[:20])
                    if status & TP_STATUS_VLAN_VALID:
                        if not status & TP_STATUS_VLAN_TPID_VALID:
                            tpid = 0x8100
                        data = data[:12] + struct.pack("!HH", tpid, tci) + data[12:]
            if data[0:6] not in (self.mac, BROADCAST):
                continue
            vid = None
            rest = data[12:]
            if rest[0:2] == b"\x81\x00":
                vid = struct.unpack("!H", rest[2:4])[0] & 0xFFF
                rest = rest[4:]
            ethertype = struct.unpack("!H", rest[0:2])[0]
            payload = rest[2:]
            if ethertype == 0x0806 and payload[6:8] == b"\x00\x01" and payload[24:28] == self.ip:
                # Someone asks for us: answer, tagged like our own frames.
                sha = payload[8:14]
                self.send(ether(sha, self.mac, self.vid, 0x0806, arp(2, self.mac, self.ip, sha, payload[14:18])))
                continue
            return vid, ethertype, payload, data[6:12]

    def resolve(self, dst_ip, wait):
        for _ in range(3):
            self.send(ether(BROADCAST, self.mac, self.vid, 0x0806, arp(1, self.mac, self.ip, b"\0" * 6, dst_ip)))
            deadline = time.time() + wait
            while True:
                got = self.recv(deadline)
                if got is None:
                    break
                vid, ethertype, payload, src = got
                if ethertype == 0x0806 and payload[6:8] == b"\x00\x02" and payload[14:18] == dst_ip:
                    self.vids.append(vid)
                    return payload[8:14]
        return None

    def ping(self, dst_ip, count, wait):
        result = {"arp": False, "sent": 0, "received": 0, "vids": self.vids}
        dst_mac = self.resolve(dst_ip, wait)
        if dst_mac is None:
            return result
        result["arp"] = True
        ident = os.getpid() & 0xFFFF
        for seq in range(1, count + 1):
            self.send(ether(dst_mac, self.mac, self.vid, 0x0800, icmp_echo(self.ip, dst_ip, ident, seq)))
            result["sent"] += 1
            deadline = time.time() + wait
            while True:
                got = self.recv(deadline)
                if got is None:
                    break
                vid, ethertype, payload, _src = got
                if ethertype != 0x0800 or payload[9] != 1 or payload[12:16] != dst_ip:
                    continue
                icmp = payload[(payload[0] & 0xF) * 4:]
                if icmp[0] == 0 and struct.unpack("!HH", icmp[4:8]) == (ident, seq):
                    self.vids.append(vid)
                    result["received"] += 1
                    break
        return result


if __name__ == "__main__":
    _cmd, iface, vid, mac, ip, dst, count, wait = sys.argv[1:9]
    host = Host(iface, int(vid), mac, ip)
    print(json.dumps(host.ping(socket.inet_aton(dst), int(count), float(wait))), flush=True)
