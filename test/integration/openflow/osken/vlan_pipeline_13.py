# A multi-table VLAN pipeline for OpenFlow 1.3 in the style of Faucet, run by osken-manager
# against wasmvs in test/integration/openflow/osken/vlan-pipeline.test.ts.
#
# What: access ports in VLANs (WVS_VLANS="port:vid,port:vid,..."), four tables:
#
#   0 vlan     in_port=P -> push_vlan, set vlan_vid=V, write_metadata V, goto 1
#              (anything else: dropped by the table's miss)
#   1 eth_src  learned (metadata=V, in_port=P, eth_src=M) -> goto 2
#              miss: to the controller (learn) and goto 2
#   2 eth_dst  learned (metadata=V, eth_dst=M) -> pop_vlan, output P
#              miss: goto 3
#   3 flood    metadata=V -> pop_vlan, output every port of V (the spec never sends a packet
#              back out of its in_port)
#
# The controller never forwards: a PACKET_IN from eth_src only teaches the pipeline, which has
# already sent the packet on. On connect every flow of every table is deleted first (wasmvs
# starts standalone with NORMAL in table 0).
# Output: one line per event on stdout, `WVS <event> k=v ...` (CONNECTED, LEARNED).

import os
import sys

from os_ken.base import app_manager
from os_ken.controller import ofp_event
from os_ken.controller.handler import CONFIG_DISPATCHER, MAIN_DISPATCHER, set_ev_cls
from os_ken.lib.packet import ethernet, packet
from os_ken.ofproto import ofproto_v1_3

VLAN_TABLE, ETH_SRC_TABLE, ETH_DST_TABLE, FLOOD_TABLE = 0, 1, 2, 3
METADATA_MASK = 0xfff


def report(event, **fields):
    print('WVS %s %s' % (event, ' '.join('%s=%s' % kv for kv in sorted(fields.items()))))
    sys.stdout.flush()


def parse_vlans(text):
    vlans = {}
    for item in text.split(','):
        port, vid = item.split(':')
        vlans[int(port)] = int(vid)
    return vlans


class VlanPipeline13(app_manager.OSKenApp):
    OFP_VERSIONS = [ofproto_v1_3.OFP_VERSION]

    def __init__(self, *args, **kwargs):
        super(VlanPipeline13, self).__init__(*args, **kwargs)
        self.port_vlan = parse_vlans(os.environ['WVS_VLANS'])
        self.learned = set()

    def flow(self, dp, table, priority, match, inst):
        dp.send_msg(dp.ofproto_parser.OFPFlowMod(datapath=dp, table_id=table, priority=priority,
                                                 match=match, instructions=inst))

    @set_ev_cls(ofp_event.EventOFPSwitchFeatures, CONFIG_DISPATCHER)
    def switch_features_handler(self, ev):
        dp = ev.msg.datapath
        ofp, parser = dp.ofproto, dp.ofproto_parser
        dp.send_msg(parser.OFPFlowMod(datapath=dp, table_id=ofp.OFPTT_ALL, command=ofp.OFPFC_DELETE,
                                      out_port=ofp.OFPP_ANY, out_group=ofp.OFPG_ANY,
                                      match=parser.OFPMatch()))
        dp.send_msg(parser.OFPBarrierRequest(dp))
        apply = lambda acts: parser.OFPInstructionActions(ofp.OFPIT_APPLY_ACTIONS, acts)
        for port, vid in sorted(self.port_vlan.items()):
            self.flow(dp, VLAN_TABLE, 100, parser.OFPMatch(in_port=port), [
                apply([parser.OFPActionPushVlan(0x8100),
                       parser.OFPActionSetField(vlan_vid=ofp.OFPVID_PRESENT | vid)]),
                parser.OFPInstructionWriteMetadata(vid, METADATA_MASK),
                parser.OFPInstructionGotoTable(ETH_SRC_TABLE),
            ])
        self.flow(dp, ETH_SRC_TABLE, 0, parser.OFPMatch(), [
            apply([parser.OFPActionOutput(ofp.OFPP_CONTROLLER, ofp.OFPCML_NO_BUFFER)]),
            parser.OFPInstructionGotoTable(ETH_DST_TABLE),
        ])
        self.flow(dp, ETH_DST_TABLE, 0, parser.OFPMatch(), [parser.OFPInstructionGotoTable(FLOOD_TABLE)])
        for vid in sorted(set(self.port_vlan.values())):
            members = [p for p, v in sorted(self.port_vlan.items()) if v == vid]
            self.flow(dp, FLOOD_TABLE, 100, parser.OFPMatch(metadata=(vid, METADATA_MASK)), [
                apply([parser.OFPActionPopVlan()] + [parser.OFPActionOutput(p) for p in members]),
            ])
        dp.send_msg(parser.OFPBarrierRequest(dp))
        report('CONNECTED', dpid='%016x' % dp.id, vlans=len(set(self.port_vlan.values())))

    @set_ev_cls(ofp_event.EventOFPPacketIn, MAIN_DISPATCHER)
    def packet_in_handler(self, ev):
        msg = ev.msg
        dp = msg.datapath
        ofp, parser = dp.ofproto, dp.ofproto_parser
        in_port = msg.match['in_port']
        vid = self.port_vlan.get(in_port)
        eth = packet.Packet(msg.data).get_protocols(ethernet.ethernet)[0]
        if vid is None or (vid, eth.src) in self.learned:
            return
        self.learned.add((vid, eth.src))
        self.flow(dp, ETH_SRC_TABLE, 100,
                  parser.OFPMatch(in_port=in_port, eth_src=eth.src, metadata=(vid, METADATA_MASK)),
                  [parser.OFPInstructionGotoTable(ETH_DST_TABLE)])
        self.flow(dp, ETH_DST_TABLE, 100, parser.OFPMatch(eth_dst=eth.src, metadata=(vid, METADATA_MASK)), [
            parser.OFPInstructionActions(ofp.OFPIT_APPLY_ACTIONS,
                                         [parser.OFPActionPopVlan(), parser.OFPActionOutput(in_port)]),
        ])
        report('LEARNED', vid=vid, mac=eth.src, port=in_port, table=msg.table_id, reason=msg.reason)
