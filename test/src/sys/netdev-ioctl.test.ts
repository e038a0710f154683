import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  IFF_LOOPBACK,
  IFF_UP,
  netdevFlags,
  netdevHwAddr,
  netdevIndex,
  netdevIndexOrZero,
  netdevMtu,
} from "../../../src/sys/netdev-ioctl.ts";

describe("netdev ioctls", () => {
  it("reads the loopback device as the kernel reports it in sysfs", () => {
    const ifindex = Number(readFileSync("/sys/class/net/lo/ifindex", "utf8"));
    const mtu = Number(readFileSync("/sys/class/net/lo/mtu", "utf8"));
    expect(netdevIndex("lo")).toBe(ifindex);
    expect(netdevIndexOrZero("lo")).toBe(ifindex);
    expect(netdevMtu("lo")).toBe(mtu);
    const flags = netdevFlags("lo");
    expect(flags & IFF_LOOPBACK).toBe(IFF_LOOPBACK);
    expect(flags & IFF_UP).toBe(IFF_UP);
    expect(netdevHwAddr("lo")).toBe(readFileSync("/sys/class/net/lo/address", "utf8").trim());
  });

  it("says which device is missing", () => {
    expect(netdevIndexOrZero("wvsnosuchdev")).toBe(0);
    expect(() => netdevIndex("wvsnosuchdev")).toThrow("ioctl(SIOCGIFINDEX) on wvsnosuchdev: No such device (ENODEV)");
    expect(() => netdevMtu("wvsnosuchdev")).toThrow(/ENODEV/);
  });

  it("rejects names the kernel cannot hold before calling it", () => {
    expect(() => netdevIndex("a-name-of-16-byt")).toThrow(/1 to 15 bytes/);
    expect(() => netdevIndex("")).toThrow(/1 to 15 bytes/);
  });
});
