# A learning switch for OpenFlow 1.3 in the style of os-ken's simple_switch_13, run by
# osken-manager against wasmvs in test/integration/openflow/osken/learning-switch.test.ts.
#
# What: on connect, a table-miss flow (priority 0, match anything) sends every packet to the
#   controller; each PACKET_IN teaches the source MAC's port; a known destination gets a flow
#   (priority 1: in_port, eth_src, eth_dst -> output) and the packet is sent with PACKET_OUT
#   (the data travels along: wasmvs keeps no buffers); an unknown one is flooded.
# Output: one line per event on stdout, `WVS <event> k=v ...`, for the test to read
#   (CONNECTED, PACKET_IN, FLOW_ADDED).

import sys

from os_ken.base import app_manager
from os_ken.controller import ofp_event
from os_ken.controller.handler import CONFIG_DISPATCHER, MAIN_DISPATCHER, set_ev_cls
from os_ken.lib.packet import ethernet, ether_types, packet
from os_ken.ofproto import ofproto_v1_3


def report(event, **fields):
    print('WVS %s %s' % (event, ' '.join('%s=%s' % kv for kv in sorted(fields.items()))))
    sys.stdout.flush()


class LearningSwitch13(app_manager.OSKenApp):
    OFP_VERSIONS = [ofproto_v1_3.OFP_VERSION]

    def __init__(self, *args, **kwargs):
        super(LearningSwitch13, self).__init__(*args, **kwargs)
        self.mac_to_port = {}

    @set_ev_cls(ofp_event.EventOFPSwitchFeatures, CONFIG_DISPATCHER)
    def switch_features_handler(self, ev):
        dp = ev.msg.datapath
        ofp, parser = dp.ofproto, dp.ofproto_parser
        # Table-miss: everything to the controller, whole packets (no buffering).
        actions = [parser.OFPActionOutput(ofp.OFPP_CONTROLLER, ofp.OFPCML_NO_BUFFER)]
        self.add_flow(dp, 0, parser.OFPMatch(), actions)
        dp.send_msg(parser.OFPBarrierRequest(dp))
        report('CONNECTED', dpid='%016x' % dp.id, tables=ev.msg.n_tables)

    def add_flow(self, dp, priority, match, actions):
        ofp, parser = dp.ofproto, dp.ofproto_parser
        inst = [parser.OFPInstructionActions(ofp.OFPIT_APPLY_ACTIONS, actions)]
        dp.send_msg(parser.OFPFlowMod(datapath=dp, priority=priority, match=match, instructions=inst))

    @set_ev_cls(ofp_event.EventOFPPacketIn, MAIN_DISPATCHER)
    def packet_in_handler(self, ev):
        msg = ev.msg
        dp = msg.datapath
        ofp, parser = dp.ofproto, dp.ofproto_parser
        in_port = msg.match['in_port']
        eth = packet.Packet(msg.data).get_protocols(ethernet.ethernet)[0]
        if eth.ethertype == ether_types.ETH_TYPE_LLDP:
            return
        dst, src = eth.dst, eth.src
        ports = self.mac_to_port.setdefault(dp.id, {})
        ports[src] = in_port
        report('PACKET_IN', in_port=in_port, src=src, dst=dst, reason=msg.reason, table=msg.table_id)
        out_port = ports.get(dst, ofp.OFPP_FLOOD)
        actions = [parser.OFPActionOutput(out_port)]
        if out_port != ofp.OFPP_FLOOD:
            match = parser.OFPMatch(in_port=in_port, eth_dst=dst, eth_src=src)
            self.add_flow(dp, 1, match, actions)
            report('FLOW_ADDED', in_port=in_port, src=src, dst=dst, out_port=out_port)
        out = parser.OFPPacketOut(datapath=dp, buffer_id=ofp.OFP_NO_BUFFER, in_port=in_port,
                                  actions=actions, data=msg.data)
        dp.send_msg(out)
