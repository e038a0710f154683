"""Traffic for the meter integration test (Python standard library only, raw sockets).

  meter-peer.py send IFACE SRCMAC DSTMAC N SIZE DSCP   send N IPv4/UDP frames of SIZE bytes with
                                                       DSCP as fast as the socket takes them;
                                                       prints the seconds it took
  meter-peer.py recv IFACE SRCMAC SECS IDLE            print "ready" once bound, then count the
                                                       frames from SRCMAC until SECS passed, or
                                                       IDLE seconds passed with none after the
                                                       first; prints one JSON line: count,
                                                       bytes, DSCP histogram, bad IPv4 checksums
"""
import json
import socket
import struct
import sys
import time

ETH_P_ALL = 3
SO_RCVBUFFORCE = 33


def mac(s):
    return bytes.fromhex(s.replace(":", ""))


def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s > 0xFFFF:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def frame(src, dst, size, dscp, seq):
    payload_len = size - 14 - 20 - 8
    payload = struct.pack("!I", seq) + bytes(max(0, payload_len - 4))
    udp = struct.pack("!HHHH", 4000, 5000, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, dscp << 2, 20 + len(udp), seq & 0xFFFF, 0, 64, 17, 0,
                     bytes([10, 200, 0, 1]), bytes([10, 200, 0, 2]))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return mac(dst) + mac(src) + b"\x08\x00" + ip + udp


def send(iface, src, dst, n, size, dscp):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    s.bind((iface, 0))
    frames = [frame(src, dst, size, dscp, i) for i in range(n)]
    t0 = time.monotonic()
    for f in frames:
        while True:
            try:
                s.send(f)
                break
            except BlockingIOError:
                time.sleep(0.0001)
    print("%.6f" % (time.monotonic() - t0), flush=True)


def recv(iface, src, secs, idle):
    want = mac(src)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20)
    s.bind((iface, ETH_P_ALL))
    s.settimeout(0.02)
    print("ready", flush=True)
    count = 0
    nbytes = 0
    dscp = {}
    bad = 0
    end = time.monotonic() + secs
    last = None
    while time.monotonic() < end:
        if last is not None and time.monotonic() - last > idle:
            break
        try:
            data, addr = s.recvfrom(65536)
        except socket.timeout:
            continue
        if addr[2] == socket.PACKET_OUTGOING or data[6:12] != want or data[12:14] != b"\x08\x00":
            continue
        last = time.monotonic()
        count += 1
        nbytes += len(data)
        d = data[15] >> 2
        dscp[d] = dscp.get(d, 0) + 1
        if csum(data[14:34]) != 0:
            bad += 1
    print(json.dumps({"count": count, "bytes": nbytes, "dscp": dscp, "badChecksums": bad}), flush=True)


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "send":
        send(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7]))
    else:
        recv(sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5]))
