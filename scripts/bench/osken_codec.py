#!/usr/bin/python3
"""os-ken's OpenFlow 1.3 codec on the messages vnet's codec benchmark uses (src/bench/codec.ts).

Prints one JSON object: messages per second for each case on one core; flow_mod_build_encode
includes building the message objects, flow_mod_encode serializes one built message again. Usage: osken_codec.py [SECONDS_PER_CASE]. Needs Debian's python3-os-ken.
"""
import json
import sys
import time

from os_ken.ofproto import ofproto_parser, ofproto_v1_3 as ofp, ofproto_v1_3_parser as parser


class Datapath:
    """What os-ken's parser and serializer need from a switch connection."""

    ofproto = ofp
    ofproto_parser = parser
    id = 1


DP = Datapath()
FRAME = bytes(range(64))


def packet_in_bytes():
    m = parser.OFPPacketIn(DP, buffer_id=ofp.OFP_NO_BUFFER, total_len=64, reason=ofp.OFPR_NO_MATCH, table_id=0,
                           cookie=0, match=parser.OFPMatch(in_port=3), data=FRAME)
    # OFPPacketIn has no serializer: lay it out by hand, as the switch does.
    import struct
    match = m.match
    buf = bytearray()
    match.serialize(buf, 0)
    body = struct.pack("!IHBBQ", m.buffer_id, m.total_len, m.reason, m.table_id, m.cookie) + bytes(buf) + b"\0\0" + FRAME
    return struct.pack("!BBHI", ofp.OFP_VERSION, ofp.OFPT_PACKET_IN, 8 + len(body), 5) + body


def flow_reply_bytes(n=1000):
    import struct
    entries = bytearray()
    for i in range(n):
        buf = bytearray()
        parser.OFPMatch(in_port=i + 1).serialize(buf, 0)
        length = 48 + len(buf)
        entries += struct.pack("!HBxIIHHHH4xQQQ", length, 0, i, 0, 100, 0, 0, 0, i, i, i * 100) + bytes(buf)
    body = struct.pack("!HH4x", ofp.OFPMP_FLOW, 0) + bytes(entries)
    return struct.pack("!BBHI", ofp.OFP_VERSION, ofp.OFPT_MULTIPART_REPLY, 8 + len(body), 6) + body


def decode(buf):
    version, msg_type, msg_len, xid = ofproto_parser.header(buf)
    return ofproto_parser.msg(DP, version, msg_type, msg_len, xid, buf)


def build_flow_mod():
    match = parser.OFPMatch(in_port=1, eth_type=0x0800, eth_dst="52:54:00:00:00:01", ipv4_dst="192.0.2.1")
    actions = [parser.OFPActionSetField(eth_dst="52:54:00:00:00:02"), parser.OFPActionDecNwTtl(), parser.OFPActionOutput(2, 0)]
    inst = [parser.OFPInstructionActions(ofp.OFPIT_APPLY_ACTIONS, actions)]
    m = parser.OFPFlowMod(DP, cookie=0x1234, cookie_mask=0, table_id=0, command=ofp.OFPFC_ADD, idle_timeout=0,
                          hard_timeout=0, priority=100, buffer_id=ofp.OFP_NO_BUFFER, out_port=ofp.OFPP_ANY,
                          out_group=ofp.OFPG_ANY, flags=0, match=match, instructions=inst)
    m.set_xid(1)
    return m


def encode_flow_mod():
    m = build_flow_mod()
    m.serialize()
    return m.buf


PREBUILT = build_flow_mod()


def encode_prebuilt():
    PREBUILT.serialize()
    return PREBUILT.buf


def rate(fn, seconds, batch=100):
    """Calls per CPU-second: the best of 5 slices of seconds/5 of process CPU time (see codec.ts)."""
    for _ in range(max(20, batch * 2)):
        fn()
    best = 0.0
    for _ in range(5):
        n = 0
        start = time.process_time()
        while True:
            for _ in range(batch):
                fn()
            n += batch
            elapsed = time.process_time() - start
            if elapsed >= seconds / 5:
                best = max(best, n / elapsed)
                break
    return best


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
    pi = packet_in_bytes()
    reply = flow_reply_bytes()
    # Sanity: the messages decode to what they should, so the timings measure real work.
    m = decode(pi)
    assert m.match["in_port"] == 3 and len(m.data) == 64, m
    r = decode(reply)
    assert len(r.body) == 1000 and r.body[999].match["in_port"] == 1000
    assert len(encode_flow_mod()) > 0
    out = {
        "packet_in_decode": rate(lambda: decode(pi), seconds),
        "flow_mod_encode": rate(encode_prebuilt, seconds),
        "flow_mod_build_encode": rate(encode_flow_mod, seconds),
        "flow_reply_1000_decode": rate(lambda: decode(reply), seconds, 1),
        "packet_in_bytes": pi.hex(),
        "flow_reply_len": len(reply),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
