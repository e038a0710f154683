"""A raw-socket peer for the port integration tests (Python standard library only).

  frame-peer.py send  IFACE HEX...            send each frame as is
  frame-peer.py sniff IFACE SRCMAC N SECS     print up to N frames from SRCMAC, one hex line
                                              each, after printing "ready" once bound
  frame-peer.py udp-send ADDR PORT N          send N UDP datagrams "dgram <i>" (the stack
                                              leaves the checksum to the veth: "partial")
  frame-peer.py udp-recv ADDR PORT N SECS     print each datagram the stack accepts (its
                                              checksum verified) after printing "ready"

Received frames get their 802.1Q/802.1ad tag put back from PACKET_AUXDATA, as libpcap does,
so a tag the kernel stripped on receive is checked byte for byte.
"""
import socket
import struct
import sys
import time

ETH_P_ALL = 3
SOL_PACKET = 263
PACKET_AUXDATA = 8
TP_STATUS_VLAN_VALID = 0x10
TP_STATUS_VLAN_TPID_VALID = 0x40


def send(iface, frames):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    s.bind((iface, 0))
    for f in frames:
        s.send(bytes.fromhex(f))


def sniff(iface, srcmac, n, secs):
    src = bytes.fromhex(srcmac.replace(":", ""))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, ETH_P_ALL))
    s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    s.settimeout(0.05)
    print("ready", flush=True)
    got = 0
    end = time.time() + secs
    while got < n and time.time() < end:
        try:
            data, anc, _flags, addr = s.recvmsg(65536, socket.CMSG_SPACE(64))
        except socket.timeout:
            continue
        if addr[2] == socket.PACKET_OUTGOING:
            continue
        for level, typ, cdata in anc:
            if level == SOL_PACKET and typ == PACKET_AUXDATA and len(cdata) >= 20:
                status, _l, _s, _m, _n, tci, tpid = struct.unpack("IIIHHHH", cdata[:20])
                if status & TP_STATUS_VLAN_VALID:
                    if not status & TP_STATUS_VLAN_TPID_VALID:
                        tpid = 0x8100
                    data = data[:12] + struct.pack("!HH", tpid, tci) + data[12:]
        if data[6:12] != src:
            continue
        print(data.hex(), flush=True)
        got += 1


def udp_send(addr, port, n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for i in range(n):
        s.sendto(b"dgram %d" % i, (addr, port))


def udp_recv(addr, port, n, secs):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, port))
    s.settimeout(0.05)
    print("ready", flush=True)
    got = 0
    end = time.time() + secs
    while got < n and time.time() < end:
        try:
            data = s.recv(2048)
        except socket.timeout:
            continue
        print(data.decode(), flush=True)
        got += 1


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "send":
        send(sys.argv[2], sys.argv[3:])
    elif cmd == "sniff":
        sniff(sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]))
    elif cmd == "udp-send":
        udp_send(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        udp_recv(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]))
