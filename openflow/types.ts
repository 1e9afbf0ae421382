// The typed OpenFlow 1.3 message model: what `decode` returns and `encode` takes.
//
// Conventions (the contract every user of the codec relies on):
// - Every message is a plain object with a `type` discriminator (the spec's OFPT_ name in
//   snake_case, without the prefix) and an `xid`.
// - 64-bit quantities (datapath id, cookies, metadata, tunnel ids, counters) are `bigint`;
//   everything of 32 bits or fewer is `number`.
// - MAC addresses are lower-case "aa:bb:cc:dd:ee:ff" strings, IPv4 "192.0.2.1", IPv6 in RFC 5952
//   form. Raw frames and opaque bodies are `Uint8Array` (a Node Buffer is one).
// - Ports are numbers; the reserved ones are named in `spec.ts` (`OFPP.CONTROLLER`, ...).
// - A match is a plain object keyed by OXM field name (the spec's OFPXMT_OFB_ name in snake_case:
//   `in_port`, `eth_dst`, `vlan_vid`, `tunnel_id`, ...; Nicira registers `reg0`..`reg15` and
//   `tun_ipv4_src/dst`, `pkt_mark`, `conj_id`, `ct_state`, `ct_zone`, `ct_mark`). A masked field is
//   `{ value, mask }`. Keys keep wire order (JS objects keep insertion order), so decode then
//   encode gives the same bytes; put prerequisites first (eth_type before ip_proto before tcp_dst)
//   when building one, as switches require (matchPrerequisiteProblems checks it).
// - `vlan_vid` carries the spec's raw value: OFPVID_PRESENT (0x1000) | vid for a tagged frame.

export type MacAddress = string;
export type Ipv4Address = string;
export type Ipv6Address = string;
export type Bytes = Uint8Array;

export interface Masked<T> {
  value: T;
  mask: T;
}
export type MaybeMasked<T> = T | Masked<T>;

/** OXM basic fields and the Nicira registers vnet uses, by name. */
export interface MatchFields {
  in_port: number;
  in_phy_port: number;
  metadata: MaybeMasked<bigint>;
  eth_dst: MaybeMasked<MacAddress>;
  eth_src: MaybeMasked<MacAddress>;
  eth_type: number;
  vlan_vid: MaybeMasked<number>;
  vlan_pcp: number;
  ip_dscp: number;
  ip_ecn: number;
  ip_proto: number;
  ipv4_src: MaybeMasked<Ipv4Address>;
  ipv4_dst: MaybeMasked<Ipv4Address>;
  tcp_src: number;
  tcp_dst: number;
  udp_src: number;
  udp_dst: number;
  sctp_src: number;
  sctp_dst: number;
  icmpv4_type: number;
  icmpv4_code: number;
  arp_op: number;
  arp_spa: MaybeMasked<Ipv4Address>;
  arp_tpa: MaybeMasked<Ipv4Address>;
  arp_sha: MaybeMasked<MacAddress>;
  arp_tha: MaybeMasked<MacAddress>;
  ipv6_src: MaybeMasked<Ipv6Address>;
  ipv6_dst: MaybeMasked<Ipv6Address>;
  ipv6_flabel: MaybeMasked<number>;
  icmpv6_type: number;
  icmpv6_code: number;
  ipv6_nd_target: Ipv6Address;
  ipv6_nd_sll: MacAddress;
  ipv6_nd_tll: MacAddress;
  mpls_label: number;
  mpls_tc: number;
  mpls_bos: number;
  pbb_isid: MaybeMasked<number>;
  tunnel_id: MaybeMasked<bigint>;
  ipv6_exthdr: MaybeMasked<number>;
  reg0: MaybeMasked<number>;
  reg1: MaybeMasked<number>;
  reg2: MaybeMasked<number>;
  reg3: MaybeMasked<number>;
  reg4: MaybeMasked<number>;
  reg5: MaybeMasked<number>;
  reg6: MaybeMasked<number>;
  reg7: MaybeMasked<number>;
  reg8: MaybeMasked<number>;
  reg9: MaybeMasked<number>;
  reg10: MaybeMasked<number>;
  reg11: MaybeMasked<number>;
  reg12: MaybeMasked<number>;
  reg13: MaybeMasked<number>;
  reg14: MaybeMasked<number>;
  reg15: MaybeMasked<number>;
  // Other Nicira (NXM_1) fields that Open vSwitch pipelines use.
  tun_ipv4_src: MaybeMasked<Ipv4Address>;
  tun_ipv4_dst: MaybeMasked<Ipv4Address>;
  pkt_mark: MaybeMasked<number>;
  conj_id: number;
  ct_state: MaybeMasked<number>;
  ct_zone: number;
  ct_mark: MaybeMasked<number>;
}
export type MatchFieldName = keyof MatchFields;

/** A match: named fields, plus experimenter OXM TLVs the codec does not know, kept as raw bytes. */
export type Match = Partial<MatchFields> & { experimenter?: Bytes[] };

/** One field with an unmasked value, as SET_FIELD carries it. */
export type FieldValue = {
  [K in MatchFieldName]: { field: K; value: Exclude<MatchFields[K], Masked<unknown>> };
}[MatchFieldName];

export type Action =
  /** maxLen defaults to OFPCML_NO_BUFFER (0xffff) for the CONTROLLER port and 0 otherwise; decode
   *  leaves it out when it has that default. */
  | { type: "output"; port: number; maxLen?: number }
  | { type: "copy_ttl_out" }
  | { type: "copy_ttl_in" }
  | { type: "set_mpls_ttl"; ttl: number }
  | { type: "dec_mpls_ttl" }
  | { type: "push_vlan"; ethertype: number }
  | { type: "pop_vlan" }
  | { type: "push_mpls"; ethertype: number }
  | { type: "pop_mpls"; ethertype: number }
  | { type: "set_queue"; queueId: number }
  | { type: "group"; groupId: number }
  | { type: "set_nw_ttl"; ttl: number }
  | { type: "dec_nw_ttl" }
  | ({ type: "set_field" } & FieldValue)
  /** A SET_FIELD of a field the codec does not know (e.g. an experimenter OXM): the whole OXM TLV. */
  | { type: "set_field_raw"; oxm: Bytes }
  | { type: "push_pbb"; ethertype: number }
  | { type: "pop_pbb" }
  // Nicira extensions that OVS controllers rely on.
  /** inPort OFPP.IN_PORT means "the packet's own in_port"; tableId 255 means "this table". */
  | { type: "nx_resubmit_table"; inPort: number; tableId: number }
  | { type: "nx_reg_move"; nBits: number; srcOfs: number; dstOfs: number; src: MatchFieldName; dst: MatchFieldName }
  /** Loads `value` into bits ofs..ofs+nBits-1 of `dst` (ovs-ofctl "load:"). */
  | { type: "nx_reg_load"; ofs: number; nBits: number; dst: MatchFieldName; value: bigint }
  // Any other experimenter action, passed through as bytes (the body after experimenter id).
  | { type: "experimenter"; experimenter: number; data: Bytes };

export type Instruction =
  | { type: "goto_table"; tableId: number }
  | { type: "write_metadata"; metadata: bigint; mask: bigint }
  | { type: "write_actions"; actions: Action[] }
  | { type: "apply_actions"; actions: Action[] }
  | { type: "clear_actions" }
  | { type: "meter"; meterId: number }
  | { type: "experimenter"; experimenter: number; data: Bytes };

export interface PortDesc {
  portNo: number;
  hwAddr: MacAddress;
  name: string;
  config: number;
  state: number;
  curr: number;
  advertised: number;
  supported: number;
  peer: number;
  currSpeed: number;
  maxSpeed: number;
}

export interface FlowStats {
  tableId: number;
  durationSec: number;
  durationNsec: number;
  priority: number;
  idleTimeout: number;
  hardTimeout: number;
  flags: number;
  cookie: bigint;
  packetCount: bigint;
  byteCount: bigint;
  match: Match;
  instructions: Instruction[];
}

export interface Bucket {
  weight: number;
  watchPort: number;
  watchGroup: number;
  actions: Action[];
}

interface Header {
  /** Transaction id; the codec does not invent one. */
  xid: number;
}

export interface Hello extends Header {
  type: "hello";
  /** Header version when it is not 4 (OpenFlow 1.3): a peer announcing another highest version. */
  version?: number;
  /** Versions announced in a version-bitmap element, e.g. [4] for OpenFlow 1.3 only. */
  versions?: number[];
}
export interface ErrorMsg extends Header {
  type: "error";
  errorType: number;
  code: number;
  /** The start of the offending request, or the experimenter body. */
  data: Bytes;
  experimenter?: number;
}
export interface EchoRequest extends Header {
  type: "echo_request";
  data: Bytes;
}
export interface EchoReply extends Header {
  type: "echo_reply";
  data: Bytes;
}
export interface FeaturesRequest extends Header {
  type: "features_request";
}
export interface FeaturesReply extends Header {
  type: "features_reply";
  datapathId: bigint;
  nBuffers: number;
  nTables: number;
  auxiliaryId: number;
  capabilities: number;
}
export interface SetConfig extends Header {
  type: "set_config";
  flags: number;
  missSendLen: number;
}
export interface PacketIn extends Header {
  type: "packet_in";
  bufferId: number;
  totalLen: number;
  reason: number;
  tableId: number;
  cookie: bigint;
  match: Match;
  data: Bytes;
}
export interface FlowRemoved extends Header {
  type: "flow_removed";
  cookie: bigint;
  priority: number;
  reason: number;
  tableId: number;
  durationSec: number;
  durationNsec: number;
  idleTimeout: number;
  hardTimeout: number;
  packetCount: bigint;
  byteCount: bigint;
  match: Match;
}
export interface PortStatus extends Header {
  type: "port_status";
  reason: number;
  desc: PortDesc;
}
export interface PacketOut extends Header {
  type: "packet_out";
  bufferId: number;
  inPort: number;
  actions: Action[];
  data: Bytes;
}
export interface FlowMod extends Header {
  type: "flow_mod";
  cookie: bigint;
  cookieMask: bigint;
  tableId: number;
  command: number;
  idleTimeout: number;
  hardTimeout: number;
  priority: number;
  bufferId: number;
  outPort: number;
  outGroup: number;
  flags: number;
  match: Match;
  instructions: Instruction[];
}
export interface GroupMod extends Header {
  type: "group_mod";
  command: number;
  groupType: number;
  groupId: number;
  buckets: Bucket[];
}
export interface BarrierRequest extends Header {
  type: "barrier_request";
}
export interface BarrierReply extends Header {
  type: "barrier_reply";
}
export interface RoleRequest extends Header {
  type: "role_request";
  role: number;
  generationId: bigint;
}
export interface RoleReply extends Header {
  type: "role_reply";
  role: number;
  generationId: bigint;
}

export interface Experimenter extends Header {
  type: "experimenter";
  experimenter: number;
  expType: number;
  data: Bytes;
}
export interface GetConfigRequest extends Header {
  type: "get_config_request";
}
export interface GetConfigReply extends Header {
  type: "get_config_reply";
  flags: number;
  missSendLen: number;
}
export interface PortMod extends Header {
  type: "port_mod";
  portNo: number;
  hwAddr: MacAddress;
  config: number;
  mask: number;
  advertise: number;
}
export interface TableMod extends Header {
  type: "table_mod";
  tableId: number;
  config: number;
}

export type MeterBand =
  | { type: "drop"; rate: number; burstSize: number }
  | { type: "dscp_remark"; rate: number; burstSize: number; precLevel: number }
  /** data: the band's bytes after its 16-byte fixed part (experimenter-defined). */
  | { type: "experimenter"; rate: number; burstSize: number; experimenter: number; data: Bytes };

export interface MeterMod extends Header {
  type: "meter_mod";
  command: number;
  flags: number;
  meterId: number;
  bands: MeterBand[];
}

export type QueueProperty =
  | { type: "min_rate"; rate: number }
  | { type: "max_rate"; rate: number }
  | { type: "experimenter"; experimenter: number; data: Bytes };
export interface PacketQueue {
  queueId: number;
  port: number;
  properties: QueueProperty[];
}
export interface QueueGetConfigRequest extends Header {
  type: "queue_get_config_request";
  port: number;
}
export interface QueueGetConfigReply extends Header {
  type: "queue_get_config_reply";
  port: number;
  queues: PacketQueue[];
}

/** Asynchronous-message masks: index 0 for the master/equal role, 1 for the slave role. */
export interface AsyncConfig {
  packetInMask: [number, number];
  portStatusMask: [number, number];
  flowRemovedMask: [number, number];
}
export interface GetAsyncRequest extends Header {
  type: "get_async_request";
}
export interface GetAsyncReply extends Header, AsyncConfig {
  type: "get_async_reply";
}
export interface SetAsync extends Header, AsyncConfig {
  type: "set_async";
}

export interface TableStats {
  tableId: number;
  activeCount: number;
  lookupCount: bigint;
  matchedCount: bigint;
}
export interface PortStats {
  portNo: number;
  rxPackets: bigint;
  txPackets: bigint;
  rxBytes: bigint;
  txBytes: bigint;
  rxDropped: bigint;
  txDropped: bigint;
  rxErrors: bigint;
  txErrors: bigint;
  rxFrameErr: bigint;
  rxOverErr: bigint;
  rxCrcErr: bigint;
  collisions: bigint;
  durationSec: number;
  durationNsec: number;
}
export interface QueueStats {
  portNo: number;
  queueId: number;
  txBytes: bigint;
  txPackets: bigint;
  txErrors: bigint;
  durationSec: number;
  durationNsec: number;
}
export interface GroupStats {
  groupId: number;
  refCount: number;
  packetCount: bigint;
  byteCount: bigint;
  durationSec: number;
  durationNsec: number;
  buckets: { packetCount: bigint; byteCount: bigint }[];
}
export interface GroupDesc {
  groupType: number;
  groupId: number;
  buckets: Bucket[];
}
export interface MeterStats {
  meterId: number;
  flowCount: number;
  packetInCount: bigint;
  byteInCount: bigint;
  durationSec: number;
  durationNsec: number;
  bands: { packetCount: bigint; byteCount: bigint }[];
}
export interface MeterConfig {
  flags: number;
  meterId: number;
  bands: MeterBand[];
}

/**
 * A table-features property. Lists of instruction, action and OXM ids are numbers (instruction or
 * action types, 32-bit OXM headers); a list holding an experimenter id, and the experimenter
 * properties, are kept as their raw body bytes (`data`).
 */
export type TableFeatureProp =
  | { type: number; ids: number[] }
  | { type: number; data: Bytes };
export interface TableFeatures {
  tableId: number;
  name: string;
  metadataMatch: bigint;
  metadataWrite: bigint;
  config: number;
  maxEntries: number;
  properties: TableFeatureProp[];
}

/** Multipart request bodies, by kind. */
export type MultipartRequestBody =
  | { kind: "desc" }
  | { kind: "port_desc" }
  | {
      kind: "flow";
      tableId: number;
      outPort: number;
      outGroup: number;
      cookie: bigint;
      cookieMask: bigint;
      match: Match;
    }
  | {
      kind: "aggregate";
      tableId: number;
      outPort: number;
      outGroup: number;
      cookie: bigint;
      cookieMask: bigint;
      match: Match;
    }
  | { kind: "table" }
  | { kind: "port_stats"; portNo: number }
  | { kind: "queue"; portNo: number; queueId: number }
  | { kind: "group"; groupId: number }
  | { kind: "group_desc" }
  | { kind: "group_features" }
  | { kind: "meter"; meterId: number }
  | { kind: "meter_config"; meterId: number }
  | { kind: "meter_features" }
  | { kind: "table_features"; tables: TableFeatures[] }
  | { kind: "experimenter"; experimenter: number; expType: number; data: Bytes };

/** Multipart reply bodies, by kind. */
export type MultipartReplyBody =
  | { kind: "desc"; mfrDesc: string; hwDesc: string; swDesc: string; serialNum: string; dpDesc: string }
  | { kind: "port_desc"; ports: PortDesc[] }
  | { kind: "flow"; flows: FlowStats[] }
  | { kind: "aggregate"; packetCount: bigint; byteCount: bigint; flowCount: number }
  | { kind: "table"; tables: TableStats[] }
  | { kind: "port_stats"; ports: PortStats[] }
  | { kind: "queue"; queues: QueueStats[] }
  | { kind: "group"; groups: GroupStats[] }
  | { kind: "group_desc"; groups: GroupDesc[] }
  | {
      kind: "group_features";
      types: number;
      capabilities: number;
      /** Per group type (all, select, indirect, fast failover). */
      maxGroups: [number, number, number, number];
      actions: [number, number, number, number];
    }
  | { kind: "meter"; meters: MeterStats[] }
  | { kind: "meter_config"; meters: MeterConfig[] }
  | { kind: "meter_features"; maxMeter: number; bandTypes: number; capabilities: number; maxBands: number; maxColor: number }
  | { kind: "table_features"; tables: TableFeatures[] }
  | { kind: "experimenter"; experimenter: number; expType: number; data: Bytes };

export type MultipartRequest = Header & { type: "multipart_request"; flags: number } & MultipartRequestBody;
export type MultipartReply = Header & { type: "multipart_reply"; flags: number } & MultipartReplyBody;
export type MultipartKind = MultipartRequestBody["kind"];

/** Every OpenFlow 1.3 message the codec encodes and decodes. */
export type OfpMessage =
  | Hello
  | ErrorMsg
  | EchoRequest
  | EchoReply
  | Experimenter
  | FeaturesRequest
  | FeaturesReply
  | GetConfigRequest
  | GetConfigReply
  | SetConfig
  | PacketIn
  | FlowRemoved
  | PortStatus
  | PacketOut
  | FlowMod
  | GroupMod
  | PortMod
  | TableMod
  | MultipartRequest
  | MultipartReply
  | BarrierRequest
  | BarrierReply
  | QueueGetConfigRequest
  | QueueGetConfigReply
  | RoleRequest
  | RoleReply
  | GetAsyncRequest
  | GetAsyncReply
  | SetAsync
  | MeterMod;

export type OfpMessageType = OfpMessage["type"];
/** The message of a given type: MessageOf<"flow_mod"> is FlowMod. */
export type MessageOf<T extends OfpMessageType> = Extract<OfpMessage, { type: T }>;
