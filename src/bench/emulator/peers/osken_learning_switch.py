# The os-ken peer of the controller benchmark: a MAC-learning switch that behaves like os-ken's
# sample app simple_switch_13, written for vnet because Debian's python3-os-ken ships the
# framework without its sample apps. Behaviour kept the same, for a fair comparison:
# - on features: a priority-0 table-miss flow sending whole packets to the controller;
# - on each PACKET_IN: parse the frame with os-ken's packet library, log it at INFO (as the sample
#   does), learn the source MAC per datapath, then either install an in_port+eth_dst+eth_src flow
#   (priority 1) and send the packet out, or flood it with a PACKET_OUT.
from os_ken.base import app_manager
from os_ken.controller import ofp_event
from os_ken.controller.handler import CONFIG_DISPATCHER, MAIN_DISPATCHER, set_ev_cls
from os_ken.lib.packet import ethernet, ether_types, packet
from os_ken.ofproto import ofproto_v1_3


class LearningSwitch13(app_manager.OSKenApp):
    OFP_VERSIONS = [ofproto_v1_3.OFP_VERSION]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.ports_by_dpid = {}

    @staticmethod
    def _flow(datapath, priority, match, actions, buffer_id=None):
        proto, parser = datapath.ofproto, datapath.ofproto_parser
        instructions = [parser.OFPInstructionActions(proto.OFPIT_APPLY_ACTIONS, actions)]
        extra = {} if buffer_id is None else {"buffer_id": buffer_id}
        datapath.send_msg(parser.OFPFlowMod(datapath=datapath, priority=priority, match=match, instructions=instructions, **extra))

    @set_ev_cls(ofp_event.EventOFPSwitchFeatures, CONFIG_DISPATCHER)
    def on_features(self, ev):
        datapath = ev.msg.datapath
        proto, parser = datapath.ofproto, datapath.ofproto_parser
        to_controller = [parser.OFPActionOutput(proto.OFPP_CONTROLLER, proto.OFPCML_NO_BUFFER)]
        self._flow(datapath, 0, parser.OFPMatch(), to_controller)

    @set_ev_cls(ofp_event.EventOFPPacketIn, MAIN_DISPATCHER)
    def on_packet_in(self, ev):
        msg = ev.msg
        datapath = msg.datapath
        proto, parser = datapath.ofproto, datapath.ofproto_parser
        in_port = msg.match["in_port"]
        eth = packet.Packet(msg.data).get_protocols(ethernet.ethernet)[0]
        if eth.ethertype == ether_types.ETH_TYPE_LLDP:
            return
        dpid = format(datapath.id, "d").zfill(16)
        ports = self.ports_by_dpid.setdefault(dpid, {})
        self.logger.info("packet in %s %s %s %s", dpid, eth.src, eth.dst, in_port)
        ports[eth.src] = in_port
        out_port = ports.get(eth.dst, proto.OFPP_FLOOD)
        actions = [parser.OFPActionOutput(out_port)]
        if out_port != proto.OFPP_FLOOD:
            match = parser.OFPMatch(in_port=in_port, eth_dst=eth.dst, eth_src=eth.src)
            if msg.buffer_id != proto.OFP_NO_BUFFER:
                self._flow(datapath, 1, match, actions, msg.buffer_id)
                return
            self._flow(datapath, 1, match, actions)
        data = msg.data if msg.buffer_id == proto.OFP_NO_BUFFER else None
        datapath.send_msg(
            parser.OFPPacketOut(datapath=datapath, buffer_id=msg.buffer_id, in_port=in_port, actions=actions, data=data)
        )
