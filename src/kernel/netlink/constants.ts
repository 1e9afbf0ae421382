// rtnetlink numbers used by the kernel-bridge backend, from linux/rtnetlink.h, linux/if_link.h,
// linux/neighbour.h and linux/if_bridge.h. Declared once here; every other module names them.

export const AF_UNSPEC = 0;
export const AF_INET = 2;
export const AF_BRIDGE = 7;
export const AF_INET6 = 10;

/** Message types (linux/rtnetlink.h). */
export const RTM = {
  NEWLINK: 16,
  DELLINK: 17,
  GETLINK: 18,
  SETLINK: 19,
  NEWNEIGH: 28,
  DELNEIGH: 29,
  GETNEIGH: 30,
} as const;
export type RtmType = (typeof RTM)[keyof typeof RTM];

export const RTM_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(RTM).map(([name, code]) => [code, `RTM_${name}`]),
);

/** nlmsghdr flags (linux/netlink.h). */
export const NLM_F = {
  REQUEST: 0x1,
  MULTI: 0x2,
  ACK: 0x4,
  DUMP: 0x300,
  REPLACE: 0x100,
  EXCL: 0x200,
  CREATE: 0x400,
  APPEND: 0x800,
} as const;

export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;

/** Nested attributes must carry this bit on modern kernels with strict validation. */
export const NLA_F_NESTED = 0x8000;
export const NLA_TYPE_MASK = 0x3fff;

/** ifinfomsg.ifi_flags bits we read or set. */
export const IFF_UP = 0x1;
export const IFF_LOWER_UP = 0x10000;

/** Top-level link attributes (IFLA_*). */
export const IFLA = {
  ADDRESS: 1,
  IFNAME: 3,
  MTU: 4,
  LINK: 5,
  MASTER: 10,
  PROTINFO: 12,
  LINKINFO: 18,
  NET_NS_FD: 28,
  AF_SPEC: 26,
  EXT_MASK: 29,
} as const;

/** Inside IFLA_LINKINFO. */
export const IFLA_INFO = {
  KIND: 1,
  DATA: 2,
  SLAVE_KIND: 4,
  SLAVE_DATA: 5,
} as const;

/** Inside IFLA_INFO_DATA for kind "vxlan". */
export const IFLA_VXLAN = {
  ID: 1,
  GROUP: 2,
  LINK: 3,
  LOCAL: 4,
  TTL: 5,
  TOS: 6,
  LEARNING: 7,
  PORT: 15, // big-endian u16
} as const;

/** Inside IFLA_INFO_DATA for kind "bridge". */
export const IFLA_BR = {
  FORWARD_DELAY: 1,
  STP_STATE: 5,
  VLAN_FILTERING: 7,
} as const;

/** Inside IFLA_INFO_DATA for kind "vlan" (needs 8021q). */
export const IFLA_VLAN_ID = 1;

/** Inside IFLA_INFO_DATA for kind "veth". */
export const VETH_INFO_PEER = 1;

/** Bridge port attributes: IFLA_PROTINFO (AF_BRIDGE) and IFLA_INFO_SLAVE_DATA. */
export const IFLA_BRPORT = {
  STATE: 1,
  MODE: 4, // hairpin
  GUARD: 5,
  PROTECT: 6,
  FAST_LEAVE: 7,
  LEARNING: 8,
  UNICAST_FLOOD: 9,
  MCAST_FLOOD: 27,
  NEIGH_SUPPRESS: 32,
  ISOLATED: 33,
  BCAST_FLOOD: 30,
} as const;

/** Neighbour attributes (NDA_*). */
export const NDA = {
  DST: 1,
  LLADDR: 2,
  VLAN: 5,
  PORT: 6,
  VNI: 7,
  IFINDEX: 8,
  MASTER: 9,
} as const;

/** Neighbour states (NUD_*). */
export const NUD = {
  INCOMPLETE: 0x01,
  REACHABLE: 0x02,
  STALE: 0x04,
  DELAY: 0x08,
  PROBE: 0x10,
  FAILED: 0x20,
  NOARP: 0x40,
  PERMANENT: 0x80,
} as const;

/** Neighbour flags (NTF_*). */
export const NTF = {
  USE: 0x01,
  SELF: 0x02,
  MASTER: 0x04,
  PROXY: 0x08,
  EXT_LEARNED: 0x10,
  OFFLOADED: 0x20,
  STICKY: 0x40,
  ROUTER: 0x80,
} as const;

/** struct ifinfomsg is 16 bytes, struct ndmsg 12; checked where they are encoded. */
export const IFINFOMSG_LEN = 16;
export const NDMSG_LEN = 12;
export const NLMSGHDR_LEN = 16;

/** Linux IFNAMSIZ includes the terminating NUL: names hold at most 15 characters. */
export const IFNAME_MAX = 15;
