import { describe, expect, it } from "vitest";
import { libc } from "../../../src/sys/libc.ts";
import { netdevIndexOrZero } from "../../../src/sys/netdev-ioctl.ts";
import {
  getIntOpt,
  PACKET_VERSION,
  packetBind,
  packetSocket,
  SO_RCVBUF,
  SOL_PACKET,
  SOL_SOCKET,
  setIntOpt,
  TPACKET_V3,
} from "../../../src/sys/socket.ts";
import { tapOpen, tapSetPersist } from "../../../src/sys/tun.ts";

describe("AF_PACKET sockets and options", () => {
  it("sets and reads back socket options", () => {
    const fd = packetSocket();
    try {
      setIntOpt(fd, SOL_SOCKET, SO_RCVBUF, 65536, "SO_RCVBUF");
      expect(getIntOpt(fd, SOL_SOCKET, SO_RCVBUF, "SO_RCVBUF")).toBe(2 * 65536); // the kernel doubles it
      expect(getIntOpt(fd, SOL_PACKET, PACKET_VERSION, "PACKET_VERSION")).toBe(0);
      setIntOpt(fd, SOL_PACKET, PACKET_VERSION, TPACKET_V3, "PACKET_VERSION");
      expect(getIntOpt(fd, SOL_PACKET, PACKET_VERSION, "PACKET_VERSION")).toBe(TPACKET_V3);
      packetBind(fd, netdevIndexOrZero("lo"), "lo");
    } finally {
      libc.close(fd);
    }
  });

  it("reports a bind to a missing interface clearly", () => {
    const fd = packetSocket();
    try {
      expect(() => packetBind(fd, 999999, "nowhere")).toThrow("bind(AF_PACKET) to nowhere: No such device (ENODEV)");
    } finally {
      libc.close(fd);
    }
  });
});

describe("TAP devices", () => {
  it("creates a TAP that lives as long as its fd", () => {
    const name = `wvs${process.pid % 10000}u`;
    const h = tapOpen(name);
    try {
      expect(h.name).toBe(name);
      expect(h.created).toBe(true);
      expect(netdevIndexOrZero(name)).toBeGreaterThan(0);
      // A second open of a non-persistent, attached TAP is refused with a reason.
      expect(() => tapOpen(name)).toThrow(/TUNSETIFF\) for tap .*exists.*EBUSY/);
    } finally {
      libc.close(h.fd);
    }
    expect(netdevIndexOrZero(name)).toBe(0);
  });

  it("can make a TAP persistent and attach to it again", () => {
    const name = `wvs${process.pid % 10000}w`;
    const h = tapOpen(name);
    tapSetPersist(h.fd, true);
    libc.close(h.fd);
    try {
      expect(netdevIndexOrZero(name)).toBeGreaterThan(0);
      const again = tapOpen(name);
      expect(again.created).toBe(false);
      tapSetPersist(again.fd, false);
      libc.close(again.fd);
    } finally {
      if (netdevIndexOrZero(name) !== 0) {
        const h2 = tapOpen(name);
        tapSetPersist(h2.fd, false);
        libc.close(h2.fd);
      }
    }
    expect(netdevIndexOrZero(name)).toBe(0);
  });
});
