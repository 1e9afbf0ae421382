// One realistic instance of every message and multipart kind the codec supports, shared by the
// round-trip tests, the ovs-ofctl/tshark cross-checks and the printer tests.
import {
  OFP_NO_BUFFER, OFPCR_ROLE_MASTER, OFPFC, OFPFF_SEND_FLOW_REM, OFPG, OFPGC, OFPGT, OFPMC, OFPMF, OFPP, OFPPR,
  OFPR, OFPRR, OFPTT_ALL, OFPET, OFPBMC, OFPMPF_REPLY_MORE, OFPVID_PRESENT,
} from "../../../openflow";
import type { OfpMessage, PortDesc, Action } from "../../../openflow";

export const port1: PortDesc = {
  portNo: 1,
  hwAddr: "52:54:00:12:34:56",
  name: "vnet-p1",
  config: 0,
  state: 4,
  curr: 0x2820,
  advertised: 0,
  supported: 0,
  peer: 0,
  currSpeed: 10_000_000,
  maxSpeed: 0,
};

/** A 64-byte Ethernet/IPv4/UDP frame from 192.0.2.1:12345 to 198.51.100.2:9 (discard). */
export const frame64 = Buffer.from(
  "5254000000025254000000010800450000320000400040114e84c0000201c6336402" +
    "30390009001e000068656c6c6f2d766e65742d6f662d636f6465632d3634",
  "hex",
);

export const someActions: Action[] = [
  { type: "set_field", field: "eth_dst", value: "52:54:00:00:00:02" },
  { type: "push_vlan", ethertype: 0x8100 },
  { type: "set_field", field: "vlan_vid", value: OFPVID_PRESENT | 10 },
  { type: "output", port: 2 },
];

export const allActions: Action[] = [
  { type: "output", port: 1 },
  { type: "output", port: OFPP.CONTROLLER },
  { type: "output", port: OFPP.CONTROLLER, maxLen: 128 },
  { type: "copy_ttl_out" },
  { type: "copy_ttl_in" },
  { type: "set_mpls_ttl", ttl: 64 },
  { type: "dec_mpls_ttl" },
  { type: "push_vlan", ethertype: 0x8100 },
  { type: "pop_vlan" },
  { type: "push_mpls", ethertype: 0x8847 },
  { type: "pop_mpls", ethertype: 0x0800 },
  { type: "set_queue", queueId: 3 },
  { type: "group", groupId: 7 },
  { type: "set_nw_ttl", ttl: 9 },
  { type: "dec_nw_ttl" },
  { type: "set_field", field: "ipv4_src", value: "203.0.113.9" },
  { type: "set_field", field: "ipv6_dst", value: "2001:db8::1" },
  { type: "set_field", field: "tunnel_id", value: 0x1122334455667788n },
  { type: "set_field", field: "reg3", value: 0xdeadbeef },
  { type: "push_pbb", ethertype: 0x88e7 },
  { type: "pop_pbb" },
  { type: "nx_resubmit_table", inPort: OFPP.IN_PORT, tableId: 4 },
  { type: "nx_resubmit_table", inPort: 5, tableId: 255 },
  { type: "nx_reg_move", nBits: 16, srcOfs: 0, dstOfs: 16, src: "reg0", dst: "reg1" },
  { type: "nx_reg_move", nBits: 48, srcOfs: 0, dstOfs: 0, src: "eth_src", dst: "eth_dst" },
  { type: "nx_reg_load", ofs: 4, nBits: 28, dst: "reg0", value: 0xdeadbeen },
  { type: "nx_reg_load", ofs: 0, nBits: 64, dst: "metadata", value: 0xffffffffffffffffn },
  { type: "experimenter", experimenter: 0x00002320, data: Buffer.from("0012000000000000", "hex") },
];

const flowMatch = {
  in_port: 1,
  eth_dst: { value: "52:54:00:00:00:01", mask: "ff:ff:ff:ff:ff:ff" },
  eth_type: 0x0800,
  ip_proto: 6,
  ipv4_src: { value: "192.0.2.0", mask: "255.255.255.0" },
  tcp_dst: 80,
};

export const samples: Record<string, OfpMessage> = {
  hello: { type: "hello", xid: 1 },
  hello_bitmap: { type: "hello", xid: 2, versions: [1, 4] },
  hello_v6: { type: "hello", xid: 3, version: 6, versions: [4, 5, 6] },
  error: { type: "error", xid: 4, errorType: OFPET.BAD_MATCH, code: OFPBMC.BAD_PREREQ, data: Buffer.from("040e00500000000a", "hex") },
  error_experimenter: { type: "error", xid: 5, errorType: OFPET.EXPERIMENTER, code: 7, experimenter: 0x00002320, data: Buffer.from("0414000800000009", "hex") },
  echo_request: { type: "echo_request", xid: 6, data: Buffer.from("ping") },
  echo_reply: { type: "echo_reply", xid: 6, data: Buffer.alloc(0) },
  experimenter: { type: "experimenter", xid: 7, experimenter: 0x00002320, expType: 20, data: Buffer.from("0000000000000000", "hex") },
  features_request: { type: "features_request", xid: 8 },
  features_reply: { type: "features_reply", xid: 8, datapathId: 0x0000525400abcdefn, nBuffers: 0, nTables: 254, auxiliaryId: 0, capabilities: 0x4f },
  get_config_request: { type: "get_config_request", xid: 9 },
  get_config_reply: { type: "get_config_reply", xid: 9, flags: 0, missSendLen: 128 },
  set_config: { type: "set_config", xid: 10, flags: 0, missSendLen: 0xffff },
  packet_in: {
    type: "packet_in", xid: 0, bufferId: OFP_NO_BUFFER, totalLen: 64, reason: OFPR.ACTION, tableId: 3,
    cookie: 0xabcdn, match: { in_port: 7, tunnel_id: 5n }, data: frame64,
  },
  flow_removed: {
    type: "flow_removed", xid: 0, cookie: 0x10n, priority: 100, reason: OFPRR.IDLE_TIMEOUT, tableId: 1,
    durationSec: 30, durationNsec: 500, idleTimeout: 10, hardTimeout: 0, packetCount: 12n, byteCount: 3400n,
    match: { in_port: 1, eth_src: "52:54:00:00:00:01" },
  },
  port_status: { type: "port_status", xid: 0, reason: OFPPR.MODIFY, desc: port1 },
  packet_out: { type: "packet_out", xid: 11, bufferId: OFP_NO_BUFFER, inPort: OFPP.CONTROLLER, actions: [{ type: "output", port: 3 }], data: frame64 },
  flow_mod: {
    type: "flow_mod", xid: 12, cookie: 0x100000001n, cookieMask: 0n, tableId: 0, command: OFPFC.ADD, idleTimeout: 60,
    hardTimeout: 0, priority: 1000, bufferId: OFP_NO_BUFFER, outPort: OFPP.ANY, outGroup: OFPG.ANY, flags: OFPFF_SEND_FLOW_REM,
    match: flowMatch,
    instructions: [
      { type: "apply_actions", actions: someActions },
      { type: "write_metadata", metadata: 0x5n, mask: 0xffn },
      { type: "goto_table", tableId: 2 },
    ],
  },
  flow_mod_all_actions: {
    type: "flow_mod", xid: 13, cookie: 0n, cookieMask: 0n, tableId: 5, command: OFPFC.MODIFY_STRICT, idleTimeout: 0,
    hardTimeout: 0, priority: 1, bufferId: OFP_NO_BUFFER, outPort: OFPP.ANY, outGroup: OFPG.ANY, flags: 0,
    match: {},
    instructions: [
      { type: "write_actions", actions: allActions },
      { type: "clear_actions" },
      { type: "meter", meterId: 1 },
      // Experimenter bodies are padded to 8 bytes: data includes that padding.
      { type: "experimenter", experimenter: 0x00002320, data: Buffer.from("0000000000000000", "hex") },
    ],
  },
  flow_mod_delete: {
    type: "flow_mod", xid: 14, cookie: 0x7n, cookieMask: 0xffn, tableId: OFPTT_ALL, command: OFPFC.DELETE, idleTimeout: 0,
    hardTimeout: 0, priority: 0, bufferId: OFP_NO_BUFFER, outPort: OFPP.ANY, outGroup: OFPG.ANY, flags: 0,
    match: {}, instructions: [],
  },
  group_mod: {
    type: "group_mod", xid: 15, command: OFPGC.ADD, groupType: OFPGT.SELECT, groupId: 1,
    buckets: [
      { weight: 1, watchPort: OFPP.ANY, watchGroup: OFPG.ANY, actions: [{ type: "output", port: 1 }] },
      { weight: 2, watchPort: OFPP.ANY, watchGroup: OFPG.ANY, actions: [{ type: "output", port: 2 }] },
    ],
  },
  port_mod: { type: "port_mod", xid: 16, portNo: 1, hwAddr: "52:54:00:12:34:56", config: 1, mask: 1, advertise: 0 },
  table_mod: { type: "table_mod", xid: 17, tableId: 1, config: 3 },
  meter_mod: {
    type: "meter_mod", xid: 18, command: OFPMC.ADD, flags: OFPMF.KBPS | OFPMF.BURST, meterId: 1,
    bands: [
      { type: "drop", rate: 1000, burstSize: 100 },
      { type: "dscp_remark", rate: 2000, burstSize: 200, precLevel: 1 },
    ],
  },
  barrier_request: { type: "barrier_request", xid: 19 },
  barrier_reply: { type: "barrier_reply", xid: 19 },
  queue_get_config_request: { type: "queue_get_config_request", xid: 20, port: OFPP.ANY },
  queue_get_config_reply: {
    type: "queue_get_config_reply", xid: 20, port: 1,
    queues: [{ queueId: 1, port: 1, properties: [{ type: "min_rate", rate: 100 }, { type: "max_rate", rate: 900 }] }],
  },
  role_request: { type: "role_request", xid: 21, role: OFPCR_ROLE_MASTER, generationId: 3n },
  role_reply: { type: "role_reply", xid: 21, role: OFPCR_ROLE_MASTER, generationId: 3n },
  get_async_request: { type: "get_async_request", xid: 22 },
  get_async_reply: { type: "get_async_reply", xid: 22, packetInMask: [3, 0], portStatusMask: [7, 7], flowRemovedMask: [15, 0] },
  set_async: { type: "set_async", xid: 23, packetInMask: [1, 0], portStatusMask: [7, 7], flowRemovedMask: [0, 0] },
  // multipart requests
  mp_desc_request: { type: "multipart_request", xid: 30, flags: 0, kind: "desc" },
  mp_flow_request: {
    type: "multipart_request", xid: 31, flags: 0, kind: "flow", tableId: OFPTT_ALL, outPort: OFPP.ANY, outGroup: OFPG.ANY,
    cookie: 0n, cookieMask: 0n, match: { in_port: 1 },
  },
  mp_aggregate_request: {
    type: "multipart_request", xid: 32, flags: 0, kind: "aggregate", tableId: 0, outPort: OFPP.ANY, outGroup: OFPG.ANY,
    cookie: 1n, cookieMask: 1n, match: {},
  },
  mp_table_request: { type: "multipart_request", xid: 33, flags: 0, kind: "table" },
  mp_port_stats_request: { type: "multipart_request", xid: 34, flags: 0, kind: "port_stats", portNo: OFPP.ANY },
  mp_queue_request: { type: "multipart_request", xid: 35, flags: 0, kind: "queue", portNo: OFPP.ANY, queueId: 0xffffffff },
  mp_group_request: { type: "multipart_request", xid: 36, flags: 0, kind: "group", groupId: OFPG.ALL },
  mp_group_desc_request: { type: "multipart_request", xid: 37, flags: 0, kind: "group_desc" },
  mp_group_features_request: { type: "multipart_request", xid: 38, flags: 0, kind: "group_features" },
  mp_meter_request: { type: "multipart_request", xid: 39, flags: 0, kind: "meter", meterId: 0xffffffff },
  mp_meter_config_request: { type: "multipart_request", xid: 40, flags: 0, kind: "meter_config", meterId: 1 },
  mp_meter_features_request: { type: "multipart_request", xid: 41, flags: 0, kind: "meter_features" },
  mp_table_features_request: { type: "multipart_request", xid: 42, flags: 0, kind: "table_features", tables: [] },
  mp_port_desc_request: { type: "multipart_request", xid: 43, flags: 0, kind: "port_desc" },
  mp_experimenter_request: { type: "multipart_request", xid: 44, flags: 0, kind: "experimenter", experimenter: 0x00002320, expType: 1, data: Buffer.from("0102", "hex") },
  // multipart replies
  mp_desc_reply: {
    type: "multipart_reply", xid: 30, flags: 0, kind: "desc", mfrDesc: "vnet", hwDesc: "virtual", swDesc: "0.1.0",
    serialNum: "none", dpDesc: "br-of-test",
  },
  mp_flow_reply: {
    type: "multipart_reply", xid: 31, flags: OFPMPF_REPLY_MORE, kind: "flow",
    flows: [
      {
        tableId: 0, durationSec: 5, durationNsec: 1000, priority: 1000, idleTimeout: 0, hardTimeout: 0, flags: 0, cookie: 0x7n,
        packetCount: 10n, byteCount: 1000n, match: flowMatch, instructions: [{ type: "apply_actions", actions: someActions }],
      },
      {
        tableId: 1, durationSec: 1, durationNsec: 0, priority: 0, idleTimeout: 0, hardTimeout: 0, flags: 0, cookie: 0n,
        packetCount: 0n, byteCount: 0n, match: {}, instructions: [{ type: "apply_actions", actions: [{ type: "output", port: OFPP.CONTROLLER }] }],
      },
    ],
  },
  mp_aggregate_reply: { type: "multipart_reply", xid: 32, flags: 0, kind: "aggregate", packetCount: 100n, byteCount: 6400n, flowCount: 3 },
  mp_table_reply: {
    type: "multipart_reply", xid: 33, flags: 0, kind: "table",
    tables: [{ tableId: 0, activeCount: 4, lookupCount: 100n, matchedCount: 90n }, { tableId: 1, activeCount: 0, lookupCount: 0n, matchedCount: 0n }],
  },
  mp_port_stats_reply: {
    type: "multipart_reply", xid: 34, flags: 0, kind: "port_stats",
    ports: [{
      portNo: 1, rxPackets: 1n, txPackets: 2n, rxBytes: 3n, txBytes: 4n, rxDropped: 5n, txDropped: 6n, rxErrors: 7n, txErrors: 8n,
      rxFrameErr: 9n, rxOverErr: 10n, rxCrcErr: 11n, collisions: 12n, durationSec: 13, durationNsec: 14,
    }],
  },
  mp_queue_reply: {
    type: "multipart_reply", xid: 35, flags: 0, kind: "queue",
    queues: [{ portNo: 1, queueId: 0, txBytes: 100n, txPackets: 2n, txErrors: 0n, durationSec: 3, durationNsec: 4 }],
  },
  mp_group_reply: {
    type: "multipart_reply", xid: 36, flags: 0, kind: "group",
    groups: [{ groupId: 1, refCount: 2, packetCount: 3n, byteCount: 4n, durationSec: 5, durationNsec: 6, buckets: [{ packetCount: 1n, byteCount: 2n }] }],
  },
  mp_group_desc_reply: {
    type: "multipart_reply", xid: 37, flags: 0, kind: "group_desc",
    groups: [{ groupType: OFPGT.ALL, groupId: 2, buckets: [{ weight: 0, watchPort: OFPP.ANY, watchGroup: OFPG.ANY, actions: [{ type: "output", port: 1 }, { type: "output", port: 2 }] }] }],
  },
  mp_group_features_reply: {
    type: "multipart_reply", xid: 38, flags: 0, kind: "group_features", types: 15, capabilities: 7,
    maxGroups: [100, 100, 100, 100], actions: [1, 1, 1, 1],
  },
  mp_meter_reply: {
    type: "multipart_reply", xid: 39, flags: 0, kind: "meter",
    meters: [{ meterId: 1, flowCount: 2, packetInCount: 3n, byteInCount: 4n, durationSec: 5, durationNsec: 6, bands: [{ packetCount: 7n, byteCount: 8n }] }],
  },
  mp_meter_config_reply: {
    type: "multipart_reply", xid: 40, flags: 0, kind: "meter_config",
    meters: [{ flags: OFPMF.KBPS, meterId: 1, bands: [{ type: "drop", rate: 1000, burstSize: 0 }] }],
  },
  mp_meter_features_reply: {
    type: "multipart_reply", xid: 41, flags: 0, kind: "meter_features", maxMeter: 100, bandTypes: 3, capabilities: 15, maxBands: 2, maxColor: 0,
  },
  mp_table_features_reply: {
    type: "multipart_reply", xid: 42, flags: 0, kind: "table_features",
    tables: [{
      tableId: 0, name: "classify", metadataMatch: 0xffffffffffffffffn, metadataWrite: 0xffffffffffffffffn, config: 3, maxEntries: 1000000,
      properties: [
        // The eight properties the spec requires, in order.
        { type: 0, ids: [1, 2, 3, 4, 5, 6] }, // instructions
        { type: 2, ids: [1, 2, 3] }, // next tables
        { type: 4, ids: [0, 22] }, // write actions: output, group
        { type: 6, ids: [0, 17, 18] }, // apply actions: output, push_vlan, pop_vlan
        { type: 8, ids: [0x80000004, 0x80000606] }, // match: in_port, eth_dst
        { type: 10, ids: [0x80000606] }, // wildcards: eth_dst
        { type: 12, ids: [0x80000606] }, // write set-field: eth_dst
        { type: 14, ids: [0x80000606, 0x80000c02] }, // apply set-field: eth_dst, vlan_vid
      ],
    }],
  },
  mp_port_desc_reply: { type: "multipart_reply", xid: 43, flags: 0, kind: "port_desc", ports: [port1, { ...port1, portNo: OFPP.LOCAL, name: "br-of" }] },
  mp_experimenter_reply: { type: "multipart_reply", xid: 44, flags: 0, kind: "experimenter", experimenter: 0x00002320, expType: 1, data: Buffer.from("0304", "hex") },
};
