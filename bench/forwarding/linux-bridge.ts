// What: the Linux bridge as a switch under test: a kernel bridge with the two host-side veth
// ends as ports (default settings: learning on, VLAN filtering off, STP off).
//
// Design: the bridge forwards inside the receive softirq of its ingress port, so "pinning the
// switch" means steering A's receive work (RPS) to the switch core; it cannot be paused, so it
// is measured at capacity while trafgen runs flat out (see main.ts).
// Invariants: the bridge is deleted by close(), and by the cleanup sweep on Ctrl-C.
// Threading: main thread.

import { anchorCleanupRegister } from "../anchors/hugepages.ts";
import type { SwitchUnderTest } from "./switch-under-test.ts";
import { SWITCH_CORE, sh, type Topology, topologySteer, trySh } from "./topology.ts";

export function linuxBridgeStart(t: Topology): SwitchUnderTest {
  const br = `${t.hostA.slice(0, -1)}k`;
  trySh("ip", ["link", "del", br]);
  sh("ip", ["link", "add", br, "type", "bridge"]);
  const unregister = anchorCleanupRegister(() => trySh("ip", ["link", "del", br]));
  try {
    for (const dev of [t.hostA, t.hostB]) sh("ip", ["link", "set", dev, "master", br]);
    sh("ip", ["link", "set", br, "up"]);
    topologySteer(t, "kernel-bridge");
  } catch (e) {
    trySh("ip", ["link", "del", br]);
    unregister();
    throw e;
  }
  const version = sh("uname", ["-r"]).trim();
  return {
    label: `Linux bridge (kernel ${version})`,
    pinning: `bridge work: RPS of ${t.hostA} -> core ${SWITCH_CORE}`,
    buffer: "n/a (not pausable)",
    close: async () => {
      for (const dev of [t.hostA, t.hostB]) trySh("ip", ["link", "set", dev, "nomaster"]);
      trySh("ip", ["link", "del", br]);
      unregister();
      topologySteer(t, "userspace");
    },
  };
}
