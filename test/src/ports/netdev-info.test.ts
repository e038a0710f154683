import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { netdevExists, netdevInfo } from "../../../src/ports/netdev-info.ts";

describe("netdev info", () => {
  it("reports loopback's index, MTU, MAC and state from the kernel", () => {
    const info = netdevInfo("lo");
    expect(info.name).toBe("lo");
    expect(info.ifindex).toBe(1);
    expect(info.mtu).toBe(65536);
    expect(info.mac).toBe("00:00:00:00:00:00");
    expect(info.adminUp).toBe(true);
    expect(info.linkUp).toBe(true);
    expect(info.operState).toBe("unknown"); // what Linux reports for lo
    expect(netdevExists("lo")).toBe(true);
    expect(netdevExists("wvsnosuchdev")).toBe(false);
  });

  it("reads operstate from the sysfs root it is given", () => {
    const root = mkdtempSync(join(tmpdir(), "wvs-sysfs-"));
    try {
      mkdirSync(join(root, "lo"));
      writeFileSync(join(root, "lo", "operstate"), "lowerlayerdown\n");
      expect(netdevInfo("lo", root).operState).toBe("lowerlayerdown");
      expect(netdevInfo("lo", join(root, "missing")).operState).toBe("unknown");
    } finally {
      rmSync(root, { recursive: true });
    }
  });

  it("throws a message naming a missing device", () => {
    expect(() => netdevInfo("wvsnosuchdev")).toThrow(/wvsnosuchdev.*ENODEV/);
  });
});
