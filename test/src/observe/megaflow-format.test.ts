import { describe, expect, it } from "vitest";
import { ActionList } from "../../../src/datapath/datapath-actions.ts";
import { KEY, KEY_SIZE, KeyMask, PRESENT } from "../../../src/datapath/flow-key.ts";
import {
  formatAge,
  formatMegaflow,
  formatMegaflowMatch,
  formatTcpFlags,
  formatUsed,
} from "../../../src/observe/megaflow-format.ts";

const mac = (s: string) => Uint8Array.from(s.split(":"), (h) => Number.parseInt(h, 16));

/** An IPv4 TCP key from in_port 2: 02:..:01 → 02:..:02, 10.200.1.1:1234 → 10.200.1.2:80. */
function tcpKey(opts: { vlan?: number } = {}): Uint8Array {
  const k = new Uint8Array(KEY_SIZE);
  const v = new DataView(k.buffer);
  v.setUint32(KEY.IN_PORT, 2, true);
  v.setUint32(KEY.PRESENT, PRESENT.ETH | PRESENT.IPV4 | PRESENT.TCP | (opts.vlan ? PRESENT.VLAN : 0), true);
  k.set(mac("02:00:00:00:00:02"), KEY.ETH_DST);
  k.set(mac("02:00:00:00:00:01"), KEY.ETH_SRC);
  v.setUint16(KEY.ETH_TYPE, 0x0800);
  if (opts.vlan) {
    v.setUint16(KEY.VLAN_TCI, (3 << 13) | opts.vlan);
    v.setUint16(KEY.VLAN_TPID, 0x8100);
  }
  k[KEY.IP_PROTO] = 6;
  k[KEY.IP_TTL] = 64;
  k.set([10, 200, 1, 1], KEY.NW_SRC);
  k.set([10, 200, 1, 2], KEY.NW_DST);
  v.setUint16(KEY.TP_SRC, 1234);
  v.setUint16(KEY.TP_DST, 80);
  return k;
}

describe("dpctl megaflow text", () => {
  it("prints only the matched fields, full masks as values and partial masks as value/mask", () => {
    const mask = new KeyMask().inPort().ethSrc().ethDst().field(KEY.ETH_TYPE, 2).presentBits(PRESENT.IPV4);
    mask.bytes.set([255, 255, 255, 0], KEY.NW_DST);
    mask.bytes[KEY.IP_PROTO] = 0xff;
    mask.field(KEY.TP_DST, 2);
    expect(formatMegaflowMatch(tcpKey(), mask.bytes)).toBe(
      "recirc_id(0),in_port(2),eth(src=02:00:00:00:00:01,dst=02:00:00:00:00:02),eth_type(0x0800)," +
        "ipv4(dst=10.200.1.0/255.255.255.0,proto=6),tcp(dst=80)",
    );
  });

  it("leaves out wildcarded groups: a NORMAL L2 megaflow is in_port and eth only", () => {
    const mask = new KeyMask().inPort().ethSrc().ethDst();
    expect(formatMegaflowMatch(tcpKey(), mask.bytes)).toBe(
      "recirc_id(0),in_port(2),eth(src=02:00:00:00:00:01,dst=02:00:00:00:00:02)",
    );
  });

  it("wraps a tagged flow's inner headers in encap() after vlan(), like OVS", () => {
    const mask = new KeyMask().inPort().vlan().field(KEY.ETH_TYPE, 2);
    mask.field(KEY.NW_SRC, 4);
    expect(formatMegaflowMatch(tcpKey({ vlan: 10 }), mask.bytes)).toBe(
      "recirc_id(0),in_port(2),eth_type(0x8100),vlan(vid=10,pcp=3),encap(eth_type(0x0800),ipv4(src=10.200.1.1))",
    );
  });

  it("prints the top MPLS entry as mpls(label,tc,ttl,bos), masked parts as value/mask", () => {
    const k = new Uint8Array(KEY_SIZE);
    const v = new DataView(k.buffer);
    v.setUint32(KEY.IN_PORT, 2, true);
    v.setUint32(KEY.PRESENT, PRESENT.ETH | PRESENT.MPLS, true);
    v.setUint16(KEY.ETH_TYPE, 0x8847);
    v.setUint32(KEY.MPLS_LSE, ((77 << 12) | (5 << 9) | 0x100 | 9) >>> 0);
    const mask = new KeyMask().inPort().field(KEY.ETH_TYPE, 2).presentBits(PRESENT.MPLS).field(KEY.MPLS_LSE, 3);
    expect(formatMegaflowMatch(k, mask.bytes)).toBe(
      "recirc_id(0),in_port(2),eth_type(0x8847),mpls(label=77,tc=5,bos=1)",
    );
    mask.bytes[KEY.MPLS_LSE + 2] = 0xfe; // the label's low bits and tc, not bos
    mask.bytes[KEY.MPLS_LSE + 3] = 0xff;
    expect(formatMegaflowMatch(k, mask.bytes)).toBe(
      "recirc_id(0),in_port(2),eth_type(0x8847),mpls(label=77,tc=5,ttl=9)",
    );
    expect(
      formatMegaflow(
        {
          handle: 1,
          key: k,
          mask: mask.bytes,
          actions: new ActionList().popMpls(0x0800).output(3).bytes(),
          packets: 0,
          bytes: 0,
          used: 0,
          installed: 0,
          emc: 0,
          classifierHits: 0,
          tcpFlags: 0,
        },
        0,
      ),
    ).toMatch(/actions:pop_mpls:0x0800,output:3$/);
  });

  it("renders the whole line: stats, used, age, TCP flags, which cache served it, EMC entries, actions", () => {
    const mask = new KeyMask().inPort().ethDst();
    const line = formatMegaflow(
      {
        handle: 7,
        key: tcpKey(),
        mask: mask.bytes,
        actions: new ActionList().popVlan().output(3).bytes(),
        packets: 3,
        classifierHits: 1,
        bytes: 294,
        used: 1000,
        installed: 500,
        tcpFlags: 0x12,
        emc: 1,
      },
      1512,
    );
    expect(line).toBe(
      "recirc_id(0),in_port(2),eth(dst=02:00:00:00:00:02), packets:3, bytes:294, used:0.512s, age:1.012s, flags:S., hits:emc=2/classifier=1, emc:1, actions:pop_vlan,output:3",
    );
  });

  it("says never for a flow that was never hit, and reads the wrapping clock", () => {
    expect(formatUsed({ packets: 0, used: 0 }, 5)).toBe("never");
    expect(formatUsed({ packets: 1, used: 0xffffff00 }, 0x100)).toBe("0.512s");
    expect(formatAge({ installed: 0xfffff000 }, 0x1000)).toBe("8.192s");
    expect(formatAge({ installed: 42 }, 42)).toBe("0.000s");
    expect(formatTcpFlags(0x11)).toBe("F.");
    expect(formatTcpFlags(0x04)).toBe("R");
  });
});
