// OpenFlow 1.3.5 constants (openflow-spec 1.3.5, section 7 and appendix A) and the fixed sizes of
// the wire structures. Names follow the spec with the common prefix kept as the object name:
// OFPP.CONTROLLER is the spec's OFPP_CONTROLLER.

export const OFP_VERSION = 4;
export const OFP_HEADER_LEN = 8;
/** The largest message the 16-bit length field can describe. */
export const OFP_MAX_MESSAGE_LEN = 0xffff;

/** Message types (ofp_type). */
export const OFPT = {
  HELLO: 0,
  ERROR: 1,
  ECHO_REQUEST: 2,
  ECHO_REPLY: 3,
  EXPERIMENTER: 4,
  FEATURES_REQUEST: 5,
  FEATURES_REPLY: 6,
  GET_CONFIG_REQUEST: 7,
  GET_CONFIG_REPLY: 8,
  SET_CONFIG: 9,
  PACKET_IN: 10,
  FLOW_REMOVED: 11,
  PORT_STATUS: 12,
  PACKET_OUT: 13,
  FLOW_MOD: 14,
  GROUP_MOD: 15,
  PORT_MOD: 16,
  TABLE_MOD: 17,
  MULTIPART_REQUEST: 18,
  MULTIPART_REPLY: 19,
  BARRIER_REQUEST: 20,
  BARRIER_REPLY: 21,
  QUEUE_GET_CONFIG_REQUEST: 22,
  QUEUE_GET_CONFIG_REPLY: 23,
  ROLE_REQUEST: 24,
  ROLE_REPLY: 25,
  GET_ASYNC_REQUEST: 26,
  GET_ASYNC_REPLY: 27,
  SET_ASYNC: 28,
  METER_MOD: 29,
} as const;

/** Reserved port numbers (ofp_port_no). */
export const OFPP = {
  /** Largest number of a physical port. */
  MAX: 0xffffff00,
  IN_PORT: 0xfffffff8,
  TABLE: 0xfffffff9,
  NORMAL: 0xfffffffa,
  FLOOD: 0xfffffffb,
  ALL: 0xfffffffc,
  CONTROLLER: 0xfffffffd,
  LOCAL: 0xfffffffe,
  /** "Any port": a wildcard in requests, never an output. */
  ANY: 0xffffffff,
} as const;

/** Table numbers. */
export const OFPTT = { MAX: 0xfe, ALL: 0xff } as const;
export const OFPTT_MAX = OFPTT.MAX;
export const OFPTT_ALL = OFPTT.ALL;

/** Buffer id meaning "the packet is not buffered on the switch". */
export const OFP_NO_BUFFER = 0xffffffff;
/** Output max_len meaning "send the whole packet to the controller, do not buffer it". */
export const OFPCML_NO_BUFFER = 0xffff;
export const OFPCML = { MAX: 0xffe5, NO_BUFFER: 0xffff } as const;
export const OFP_DEFAULT_MISS_SEND_LEN = 128;

/** Flow-mod commands (ofp_flow_mod_command). */
export const OFPFC = { ADD: 0, MODIFY: 1, MODIFY_STRICT: 2, DELETE: 3, DELETE_STRICT: 4 } as const;

/** Flow-mod flags (ofp_flow_mod_flags). */
export const OFPFF = {
  SEND_FLOW_REM: 1 << 0,
  CHECK_OVERLAP: 1 << 1,
  RESET_COUNTS: 1 << 2,
  NO_PKT_COUNTS: 1 << 3,
  NO_BYT_COUNTS: 1 << 4,
} as const;
export const OFPFF_SEND_FLOW_REM = OFPFF.SEND_FLOW_REM;
export const OFPFF_CHECK_OVERLAP = OFPFF.CHECK_OVERLAP;
export const OFPFF_RESET_COUNTS = OFPFF.RESET_COUNTS;
export const OFPFF_NO_PKT_COUNTS = OFPFF.NO_PKT_COUNTS;
export const OFPFF_NO_BYT_COUNTS = OFPFF.NO_BYT_COUNTS;

/** Group-mod commands, group types and reserved group numbers. */
export const OFPGC = { ADD: 0, MODIFY: 1, DELETE: 2 } as const;
export const OFPGT = { ALL: 0, SELECT: 1, INDIRECT: 2, FF: 3 } as const;
export const OFPG = { MAX: 0xffffff00, ALL: 0xfffffffc, ANY: 0xffffffff } as const;

/** Meter-mod commands, flags, band types and reserved meter numbers. */
export const OFPMC = { ADD: 0, MODIFY: 1, DELETE: 2 } as const;
export const OFPMF = { KBPS: 1 << 0, PKTPS: 1 << 1, BURST: 1 << 2, STATS: 1 << 3 } as const;
export const OFPMBT = { DROP: 1, DSCP_REMARK: 2, EXPERIMENTER: 0xffff } as const;
export const OFPM = { MAX: 0xffff0000, SLOWPATH: 0xfffffffd, CONTROLLER: 0xfffffffe, ALL: 0xffffffff } as const;

/** Packet-in reasons. */
export const OFPR = { NO_MATCH: 0, ACTION: 1, INVALID_TTL: 2 } as const;
/** Flow-removed reasons. */
export const OFPRR = { IDLE_TIMEOUT: 0, HARD_TIMEOUT: 1, DELETE: 2, GROUP_DELETE: 3 } as const;
/** Port-status reasons. */
export const OFPPR = { ADD: 0, DELETE: 1, MODIFY: 2 } as const;

/** Port config and state bits. */
export const OFPPC = { PORT_DOWN: 1 << 0, NO_RECV: 1 << 2, NO_FWD: 1 << 5, NO_PACKET_IN: 1 << 6 } as const;
export const OFPPS = { LINK_DOWN: 1 << 0, BLOCKED: 1 << 1, LIVE: 1 << 2 } as const;
/** Port features (speeds, medium, autoneg, pause). */
export const OFPPF = {
  "10MB_HD": 1 << 0,
  "10MB_FD": 1 << 1,
  "100MB_HD": 1 << 2,
  "100MB_FD": 1 << 3,
  "1GB_HD": 1 << 4,
  "1GB_FD": 1 << 5,
  "10GB_FD": 1 << 6,
  "40GB_FD": 1 << 7,
  "100GB_FD": 1 << 8,
  "1TB_FD": 1 << 9,
  OTHER: 1 << 10,
  COPPER: 1 << 11,
  FIBER: 1 << 12,
  AUTONEG: 1 << 13,
  PAUSE: 1 << 14,
  PAUSE_ASYM: 1 << 15,
} as const;

/** Switch capabilities (features reply). */
export const OFPC = {
  FLOW_STATS: 1 << 0,
  TABLE_STATS: 1 << 1,
  PORT_STATS: 1 << 2,
  GROUP_STATS: 1 << 3,
  IP_REASM: 1 << 5,
  QUEUE_STATS: 1 << 6,
  PORT_BLOCKED: 1 << 8,
} as const;

/** Switch config flags (set_config / get_config_reply). */
export const OFPC_FRAG = { NORMAL: 0, DROP: 1, REASM: 2, MASK: 3 } as const;

/** Controller roles. */
export const OFPCR_ROLE_NOCHANGE = 0;
export const OFPCR_ROLE_EQUAL = 1;
export const OFPCR_ROLE_MASTER = 2;
export const OFPCR_ROLE_SLAVE = 3;
export const OFPCR_ROLE = { NOCHANGE: 0, EQUAL: 1, MASTER: 2, SLAVE: 3 } as const;

/** Multipart types and flags. */
export const OFPMP = {
  DESC: 0,
  FLOW: 1,
  AGGREGATE: 2,
  TABLE: 3,
  PORT_STATS: 4,
  QUEUE: 5,
  GROUP: 6,
  GROUP_DESC: 7,
  GROUP_FEATURES: 8,
  METER: 9,
  METER_CONFIG: 10,
  METER_FEATURES: 11,
  TABLE_FEATURES: 12,
  PORT_DESC: 13,
  EXPERIMENTER: 0xffff,
} as const;
export const OFPMPF_REQ_MORE = 1;
export const OFPMPF_REPLY_MORE = 1;

/** Hello element types. */
export const OFPHET = { VERSIONBITMAP: 1 } as const;

/** Action types. */
export const OFPAT = {
  OUTPUT: 0,
  COPY_TTL_OUT: 11,
  COPY_TTL_IN: 12,
  SET_MPLS_TTL: 15,
  DEC_MPLS_TTL: 16,
  PUSH_VLAN: 17,
  POP_VLAN: 18,
  PUSH_MPLS: 19,
  POP_MPLS: 20,
  SET_QUEUE: 21,
  GROUP: 22,
  SET_NW_TTL: 23,
  DEC_NW_TTL: 24,
  SET_FIELD: 25,
  PUSH_PBB: 26,
  POP_PBB: 27,
  EXPERIMENTER: 0xffff,
} as const;

/** Instruction types. */
export const OFPIT = {
  GOTO_TABLE: 1,
  WRITE_METADATA: 2,
  WRITE_ACTIONS: 3,
  APPLY_ACTIONS: 4,
  CLEAR_ACTIONS: 5,
  METER: 6,
  EXPERIMENTER: 0xffff,
} as const;

/** Match types: OpenFlow 1.3 only uses OXM. */
export const OFPMT = { STANDARD: 0, OXM: 1 } as const;

/** OXM classes. */
export const OFPXMC = {
  NXM_0: 0x0000,
  NXM_1: 0x0001,
  OPENFLOW_BASIC: 0x8000,
  PACKET_REGS: 0x8001,
  EXPERIMENTER: 0xffff,
} as const;

/** VLAN id bits in the OXM vlan_vid field. */
export const OFPVID = { PRESENT: 0x1000, NONE: 0x0000 } as const;
export const OFPVID_PRESENT = OFPVID.PRESENT;
export const OFPVID_NONE = OFPVID.NONE;

/** IPv6 extension-header pseudo-field bits. */
export const OFPIEH = {
  NONEXT: 1 << 0,
  ESP: 1 << 1,
  AUTH: 1 << 2,
  DEST: 1 << 3,
  FRAG: 1 << 4,
  ROUTER: 1 << 5,
  HOP: 1 << 6,
  UNREP: 1 << 7,
  UNSEQ: 1 << 8,
} as const;

/** Table-features property types. */
export const OFPTFPT = {
  INSTRUCTIONS: 0,
  INSTRUCTIONS_MISS: 1,
  NEXT_TABLES: 2,
  NEXT_TABLES_MISS: 3,
  WRITE_ACTIONS: 4,
  WRITE_ACTIONS_MISS: 5,
  APPLY_ACTIONS: 6,
  APPLY_ACTIONS_MISS: 7,
  MATCH: 8,
  WILDCARDS: 10,
  WRITE_SETFIELD: 12,
  WRITE_SETFIELD_MISS: 13,
  APPLY_SETFIELD: 14,
  APPLY_SETFIELD_MISS: 15,
  EXPERIMENTER: 0xfffe,
  EXPERIMENTER_MISS: 0xffff,
} as const;

/** Queue properties. */
export const OFPQT = { MIN_RATE: 1, MAX_RATE: 2, EXPERIMENTER: 0xffff } as const;
export const OFPQ_ALL = 0xffffffff;

/** Error types (ofp_error_type). */
export const OFPET = {
  HELLO_FAILED: 0,
  BAD_REQUEST: 1,
  BAD_ACTION: 2,
  BAD_INSTRUCTION: 3,
  BAD_MATCH: 4,
  FLOW_MOD_FAILED: 5,
  GROUP_MOD_FAILED: 6,
  PORT_MOD_FAILED: 7,
  TABLE_MOD_FAILED: 8,
  QUEUE_OP_FAILED: 9,
  SWITCH_CONFIG_FAILED: 10,
  ROLE_REQUEST_FAILED: 11,
  METER_MOD_FAILED: 12,
  TABLE_FEATURES_FAILED: 13,
  EXPERIMENTER: 0xffff,
} as const;

/** Error codes, by error type. */
export const OFPHFC = { INCOMPATIBLE: 0, EPERM: 1 } as const;
export const OFPBRC = {
  BAD_VERSION: 0,
  BAD_TYPE: 1,
  BAD_MULTIPART: 2,
  BAD_EXPERIMENTER: 3,
  BAD_EXP_TYPE: 4,
  EPERM: 5,
  BAD_LEN: 6,
  BUFFER_EMPTY: 7,
  BUFFER_UNKNOWN: 8,
  BAD_TABLE_ID: 9,
  IS_SLAVE: 10,
  BAD_PORT: 11,
  BAD_PACKET: 12,
  MULTIPART_BUFFER_OVERFLOW: 13,
} as const;
export const OFPBAC = {
  BAD_TYPE: 0,
  BAD_LEN: 1,
  BAD_EXPERIMENTER: 2,
  BAD_EXP_TYPE: 3,
  BAD_OUT_PORT: 4,
  BAD_ARGUMENT: 5,
  EPERM: 6,
  TOO_MANY: 7,
  BAD_QUEUE: 8,
  BAD_OUT_GROUP: 9,
  MATCH_INCONSISTENT: 10,
  UNSUPPORTED_ORDER: 11,
  BAD_TAG: 12,
  BAD_SET_TYPE: 13,
  BAD_SET_LEN: 14,
  BAD_SET_ARGUMENT: 15,
} as const;
export const OFPBIC = {
  UNKNOWN_INST: 0,
  UNSUP_INST: 1,
  BAD_TABLE_ID: 2,
  UNSUP_METADATA: 3,
  UNSUP_METADATA_MASK: 4,
  BAD_EXPERIMENTER: 5,
  BAD_EXP_TYPE: 6,
  BAD_LEN: 7,
  EPERM: 8,
} as const;
export const OFPBMC = {
  BAD_TYPE: 0,
  BAD_LEN: 1,
  BAD_TAG: 2,
  BAD_DL_ADDR_MASK: 3,
  BAD_NW_ADDR_MASK: 4,
  BAD_WILDCARDS: 5,
  BAD_FIELD: 6,
  BAD_VALUE: 7,
  BAD_MASK: 8,
  BAD_PREREQ: 9,
  DUP_FIELD: 10,
  EPERM: 11,
} as const;
export const OFPFMFC = {
  UNKNOWN: 0,
  TABLE_FULL: 1,
  BAD_TABLE_ID: 2,
  OVERLAP: 3,
  EPERM: 4,
  BAD_TIMEOUT: 5,
  BAD_COMMAND: 6,
  BAD_FLAGS: 7,
} as const;
export const OFPGMFC = {
  GROUP_EXISTS: 0,
  INVALID_GROUP: 1,
  WEIGHT_UNSUPPORTED: 2,
  OUT_OF_GROUPS: 3,
  OUT_OF_BUCKETS: 4,
  CHAINING_UNSUPPORTED: 5,
  WATCH_UNSUPPORTED: 6,
  LOOP: 7,
  UNKNOWN_GROUP: 8,
  CHAINED_GROUP: 9,
  BAD_TYPE: 10,
  BAD_COMMAND: 11,
  BAD_BUCKET: 12,
  BAD_WATCH: 13,
  EPERM: 14,
} as const;
export const OFPPMFC = { BAD_PORT: 0, BAD_HW_ADDR: 1, BAD_CONFIG: 2, BAD_ADVERTISE: 3, EPERM: 4 } as const;
export const OFPTMFC = { BAD_TABLE: 0, BAD_CONFIG: 1, EPERM: 2 } as const;
export const OFPQOFC = { BAD_PORT: 0, BAD_QUEUE: 1, EPERM: 2 } as const;
export const OFPSCFC = { BAD_FLAGS: 0, BAD_LEN: 1, EPERM: 2 } as const;
export const OFPRRFC = { STALE: 0, UNSUP: 1, BAD_ROLE: 2 } as const;
export const OFPMMFC = {
  UNKNOWN: 0,
  METER_EXISTS: 1,
  INVALID_METER: 2,
  UNKNOWN_METER: 3,
  BAD_COMMAND: 4,
  BAD_FLAGS: 5,
  BAD_RATE: 6,
  BAD_BURST: 7,
  BAD_BAND: 8,
  BAD_BAND_VALUE: 9,
  OUT_OF_METERS: 10,
  OUT_OF_BANDS: 11,
} as const;
export const OFPTFFC = { BAD_TABLE: 0, BAD_METADATA: 1, BAD_TYPE: 2, BAD_LEN: 3, BAD_ARGUMENT: 4, EPERM: 5 } as const;

/** Error code tables by error type, for printing ("OFPET_BAD_MATCH / OFPBMC_BAD_PREREQ"). */
export const ERROR_CODE_NAMES: Readonly<Record<number, { type: string; codes: Readonly<Record<string, number>> }>> = {
  [OFPET.HELLO_FAILED]: { type: "HELLO_FAILED", codes: OFPHFC },
  [OFPET.BAD_REQUEST]: { type: "BAD_REQUEST", codes: OFPBRC },
  [OFPET.BAD_ACTION]: { type: "BAD_ACTION", codes: OFPBAC },
  [OFPET.BAD_INSTRUCTION]: { type: "BAD_INSTRUCTION", codes: OFPBIC },
  [OFPET.BAD_MATCH]: { type: "BAD_MATCH", codes: OFPBMC },
  [OFPET.FLOW_MOD_FAILED]: { type: "FLOW_MOD_FAILED", codes: OFPFMFC },
  [OFPET.GROUP_MOD_FAILED]: { type: "GROUP_MOD_FAILED", codes: OFPGMFC },
  [OFPET.PORT_MOD_FAILED]: { type: "PORT_MOD_FAILED", codes: OFPPMFC },
  [OFPET.TABLE_MOD_FAILED]: { type: "TABLE_MOD_FAILED", codes: OFPTMFC },
  [OFPET.QUEUE_OP_FAILED]: { type: "QUEUE_OP_FAILED", codes: OFPQOFC },
  [OFPET.SWITCH_CONFIG_FAILED]: { type: "SWITCH_CONFIG_FAILED", codes: OFPSCFC },
  [OFPET.ROLE_REQUEST_FAILED]: { type: "ROLE_REQUEST_FAILED", codes: OFPRRFC },
  [OFPET.METER_MOD_FAILED]: { type: "METER_MOD_FAILED", codes: OFPMMFC },
  [OFPET.TABLE_FEATURES_FAILED]: { type: "TABLE_FEATURES_FAILED", codes: OFPTFFC },
};

/** Names of an error type and code, e.g. { type: "BAD_MATCH", code: "BAD_PREREQ" }. */
export function errorNames(errorType: number, code: number): { type: string; code: string } {
  const entry = ERROR_CODE_NAMES[errorType];
  if (!entry) return { type: errorType === OFPET.EXPERIMENTER ? "EXPERIMENTER" : `${errorType}`, code: `${code}` };
  for (const name in entry.codes) if (entry.codes[name] === code) return { type: entry.type, code: name };
  return { type: entry.type, code: `${code}` };
}

/** Experimenter ids. */
export const NX_EXPERIMENTER_ID = 0x00002320;
export const ONF_EXPERIMENTER_ID = 0x4f4e4600;
/** Nicira action subtypes the codec types. */
export const NXAST = { RESUBMIT: 1, REG_MOVE: 6, REG_LOAD: 7, RESUBMIT_TABLE: 14 } as const;

/**
 * Fixed sizes of the wire structures (sizeof in openflow.h), including the 8-byte header where
 * the structure is a message. Checked against the sum of their fields below, when this module
 * loads, so a typo in either fails at once instead of producing bad bytes.
 */
export const SIZES = {
  header: 8,
  hello_elem_header: 4,
  switch_features: 32,
  switch_config: 12,
  port: 64,
  port_status: 80,
  packet_in: 32, // with an empty 8-byte match; 2 bytes of padding and the frame follow
  packet_out: 24,
  flow_mod: 56, // with an empty 8-byte match
  flow_removed: 56, // with an empty 8-byte match
  match_header: 4,
  oxm_header: 4,
  group_mod: 16,
  bucket: 16,
  port_mod: 40,
  table_mod: 16,
  meter_mod: 16,
  meter_band: 16,
  multipart_header: 16,
  desc: 1056,
  flow_stats_request: 40, // with an empty 8-byte match
  flow_stats: 56, // with an empty 8-byte match
  aggregate_stats_reply: 24,
  table_stats: 24,
  port_stats_request: 8,
  port_stats: 112,
  queue_stats_request: 8,
  queue_stats: 40,
  group_stats_request: 8,
  group_stats: 40,
  bucket_counter: 16,
  group_desc: 8,
  group_features: 40,
  meter_multipart_request: 8,
  meter_stats: 40,
  meter_band_stats: 16,
  meter_config: 8,
  meter_features: 16,
  table_features: 64,
  table_feature_prop_header: 4,
  experimenter_multipart_header: 8,
  experimenter_header: 16,
  error_msg: 12,
  error_experimenter_msg: 16,
  queue_get_config_request: 16,
  queue_get_config_reply: 16,
  packet_queue: 16,
  queue_prop_header: 8,
  queue_prop_rate: 16,
  role_request: 24,
  async_config: 32,
  action_header: 8,
  action_output: 16,
  action_generic: 8,
  action_set_field_header: 4,
  action_experimenter_header: 8,
  nx_action_resubmit: 16,
  nx_action_reg_move: 24,
  nx_action_reg_load: 24,
  instruction_goto_table: 8,
  instruction_write_metadata: 24,
  instruction_actions: 8,
  instruction_meter: 8,
  instruction_experimenter_header: 8,
} as const;

// Field-by-field sums of the structures above (u8=1 ... u64=8, pads spelled out).
const FIELD_SUMS: Partial<Record<keyof typeof SIZES, number>> = {
  switch_features: 8 + 8 + 4 + 1 + 1 + 2 + 4 + 4,
  switch_config: 8 + 2 + 2,
  port: 4 + 4 + 6 + 2 + 16 + 4 * 8,
  port_status: 8 + 1 + 7 + 64,
  packet_in: 8 + 4 + 2 + 1 + 1 + 8 + 8,
  packet_out: 8 + 4 + 4 + 2 + 6,
  flow_mod: 8 + 8 + 8 + 1 + 1 + 2 + 2 + 2 + 4 + 4 + 4 + 2 + 2 + 8,
  flow_removed: 8 + 8 + 2 + 1 + 1 + 4 + 4 + 2 + 2 + 8 + 8 + 8,
  group_mod: 8 + 2 + 1 + 1 + 4,
  bucket: 2 + 2 + 4 + 4 + 4,
  port_mod: 8 + 4 + 4 + 6 + 2 + 4 + 4 + 4 + 4,
  table_mod: 8 + 1 + 3 + 4,
  meter_mod: 8 + 2 + 2 + 4,
  meter_band: 2 + 2 + 4 + 4 + 4,
  multipart_header: 8 + 2 + 2 + 4,
  desc: 256 + 256 + 256 + 32 + 256,
  flow_stats_request: 1 + 3 + 4 + 4 + 4 + 8 + 8 + 8,
  flow_stats: 2 + 1 + 1 + 4 + 4 + 2 + 2 + 2 + 2 + 4 + 8 + 8 + 8 + 8,
  aggregate_stats_reply: 8 + 8 + 4 + 4,
  table_stats: 1 + 3 + 4 + 8 + 8,
  port_stats: 4 + 4 + 12 * 8 + 4 + 4,
  queue_stats: 4 + 4 + 8 + 8 + 8 + 4 + 4,
  group_stats: 2 + 2 + 4 + 4 + 4 + 8 + 8 + 4 + 4,
  group_desc: 2 + 1 + 1 + 4,
  group_features: 4 + 4 + 16 + 16,
  meter_stats: 4 + 2 + 6 + 4 + 8 + 8 + 4 + 4,
  meter_features: 4 + 4 + 4 + 1 + 1 + 2,
  table_features: 2 + 1 + 5 + 32 + 8 + 8 + 4 + 4,
  error_msg: 8 + 2 + 2,
  error_experimenter_msg: 8 + 2 + 2 + 4,
  queue_get_config_request: 8 + 4 + 4,
  packet_queue: 4 + 4 + 2 + 6,
  queue_prop_rate: 8 + 2 + 6,
  role_request: 8 + 4 + 4 + 8,
  async_config: 8 + 8 + 8 + 8,
  action_output: 2 + 2 + 4 + 2 + 6,
  nx_action_resubmit: 2 + 2 + 4 + 2 + 2 + 1 + 3,
  nx_action_reg_move: 2 + 2 + 4 + 2 + 2 + 2 + 2 + 4 + 4,
  nx_action_reg_load: 2 + 2 + 4 + 2 + 2 + 4 + 8,
  instruction_write_metadata: 2 + 2 + 4 + 8 + 8,
};
for (const [name, sum] of Object.entries(FIELD_SUMS)) {
  const declared = SIZES[name as keyof typeof SIZES];
  if (declared !== sum) throw new Error(`openflow/spec: size of ${name} is ${declared} but its fields add up to ${sum}`);
}
