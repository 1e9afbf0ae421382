// The lab's names and addresses, as a pure function of its name, its slot and its host count.
//
// Addresses come only from the documentation ranges. Each lab takes one "slot": the same /27 in
// each of the three ranges, so eight labs can run side by side without overlapping anywhere:
//   198.51.100.0/24   management: the root-side bridge (.1 of the block: where a controller
//                     listens) and one address per host, the only subnet the root namespace sees
//   192.0.2.0/24      underlay: one address per host, for tunnels between hosts (on br-phy, or on
//                     the underlay veth itself in a "kernel" underlay lab)
//   203.0.113.0/24    site LAN: gateway (.1 of the block) and dnsmasq's DHCP pool
// Management is the one block the root namespace routes, so it avoids 192.0.2.0/24, which test
// machines may use for their own uplink; reservation also skips any slot whose management block
// overlaps a route the root namespace already has (see `overlaps`).
// The lab's name is part of every name it makes, so labs never collide on names either.

export const SLOT_COUNT = 8;
export const SLOT_SIZE = 32;
export const MAX_HOSTS = 16;
export const LAB_NAME_RE = /^[a-z][a-z0-9]{0,7}$/;
export const ENDPOINT_NAME_RE = /^[a-z][a-z0-9]{0,9}$/;
/** Interface names the lab uses inside a host namespace, which endpoints may not take. */
export const RESERVED_HOST_IFACES = new Set(["lo", "mgmt", "underlay", "uplink", "br-phy", "br-int", "eth0"]);

export const MGMT_NET = "198.51.100";
export const UNDERLAY_NET = "192.0.2";
export const LAN_NET = "203.0.113";
export const OVSDB_PORT = 6640;
/**
 * Jumbo MTU on the underlay: VXLAN/Geneve add 50+ bytes, so with 1500 everywhere a full-size
 * endpoint packet no longer fits once encapsulated and TCP stalls while ping still works.
 */
export const UNDERLAY_MTU = 9000;
/** The port a controller for a lab listens on by convention (OpenFlow's IANA port). */
export const CONTROLLER_PORT = 6653;

export class LabPlanError extends Error {
  override name = "LabPlanError";
}

export interface HostPlan {
  /** "h1", "h2" ... */
  name: string;
  index: number;
  netns: string;
  /** Root-namespace end of the management veth (enslaved to the root bridge). */
  mgmtRootIface: string;
  /** Inside the host namespace. */
  mgmtIface: "mgmt";
  mgmtAddress: string;
  underlayIface: "underlay";
  underlayAddress: string;
  /**
   * Device holding the underlay address: "br-phy" (OVS internal port; OVS userspace tunnels need
   * it, kernel VXLAN works over it too) or "underlay" (the veth itself, "kernel" underlay labs).
   * Use it as `dev` of a kernel VXLAN device.
   */
  underlayDevice: "br-phy" | "underlay";
  /** MAC for br-phy's internal port: must differ from the underlay veth's (lab-notes). */
  underlayMac: string;
  /** Uplink to the site LAN: in the host namespace, up, no address (a provider bridge takes it). */
  uplinkIface: "uplink";
  /** Names of the peers inside the underlay and LAN namespaces. */
  segmentPortName: string;
  ovsdbTarget: string;
  systemId: string;
}

/**
 * "ovs": the underlay veth is a port of an OVS bridge br-phy whose internal port has the address
 * (what OVS userspace tunnels need; kernel VXLAN also works over it, through OVS).
 * "kernel": the address is on the veth and there is no br-phy: kernel VXLAN at kernel speed, for
 * Linux-bridge hosts; OVS userspace tunnels do not work on such a host.
 */
export type UnderlayMode = "ovs" | "kernel";

export interface LabPlan {
  name: string;
  underlay: UnderlayMode;
  slot: number;
  prefixLength: 27;
  rootBridge: string;
  /** Root-side management address: controllers for this lab listen here. */
  controllerAddress: string;
  controllerTarget: string;
  mgmtCidr: string;
  underlayCidr: string;
  lanCidr: string;
  underlayNetns: string;
  lanNetns: string;
  lanBridge: "br0";
  gateway: string;
  dhcpRange: [string, string];
  hosts: HostPlan[];
  /** Every namespace name of this lab starts with it. */
  netnsPrefix: string;
  /** Every root-namespace link of this lab is the root bridge or starts with it. */
  rootLinkPrefix: string;
}

export function checkLabName(name: string): void {
  if (!LAB_NAME_RE.test(name)) {
    throw new LabPlanError(`bad lab name "${name}": a lowercase letter then up to 7 lowercase letters or digits`);
  }
}

/** The slot a name prefers; reservation probes onward from it when taken. */
export function preferredSlot(name: string): number {
  let h = 2166136261;
  for (const ch of name) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return h % SLOT_COUNT;
}

function addr(net: string, slot: number, offset: number): string {
  return `${net}.${slot * SLOT_SIZE + offset}`;
}

export function planLab(name: string, slot: number, hostCount: number, underlay: UnderlayMode = "ovs"): LabPlan {
  checkLabName(name);
  if (!Number.isInteger(slot) || slot < 0 || slot >= SLOT_COUNT) throw new LabPlanError(`bad slot ${slot}`);
  if (!Number.isInteger(hostCount) || hostCount < 1 || hostCount > MAX_HOSTS) {
    throw new LabPlanError(`bad host count ${hostCount}: 1-${MAX_HOSTS}`);
  }
  if (underlay !== "ovs" && underlay !== "kernel") throw new LabPlanError(`bad underlay "${String(underlay)}": ovs or kernel`);
  const prefix = `lb-${name}-`;
  const hosts: HostPlan[] = [];
  for (let i = 1; i <= hostCount; i++) {
    const mgmtAddress = addr(MGMT_NET, slot, 1 + i);
    hosts.push({
      name: `h${i}`,
      index: i,
      netns: `${prefix}h${i}`,
      mgmtRootIface: `${prefix}${i}`,
      mgmtIface: "mgmt",
      mgmtAddress,
      underlayIface: "underlay",
      underlayAddress: addr(UNDERLAY_NET, slot, i),
      underlayDevice: underlay === "ovs" ? "br-phy" : "underlay",
      // Locally administered unicast: 02:<slot>:<host>...
      underlayMac: `02:6c:62:${hex(slot)}:${hex(i)}:01`,
      uplinkIface: "uplink",
      segmentPortName: `h${i}`,
      ovsdbTarget: `tcp:${mgmtAddress}:${OVSDB_PORT}`,
      systemId: `${name}-h${i}`,
    });
  }
  const controllerAddress = addr(MGMT_NET, slot, 1);
  return {
    name,
    underlay,
    slot,
    prefixLength: 27,
    rootBridge: `lb-${name}`,
    controllerAddress,
    controllerTarget: `tcp:${controllerAddress}:${CONTROLLER_PORT}`,
    mgmtCidr: `${addr(MGMT_NET, slot, 0)}/27`,
    underlayCidr: `${addr(UNDERLAY_NET, slot, 0)}/27`,
    lanCidr: `${addr(LAN_NET, slot, 0)}/27`,
    underlayNetns: `${prefix}ul`,
    lanNetns: `${prefix}lan`,
    lanBridge: "br0",
    gateway: addr(LAN_NET, slot, 1),
    dhcpRange: [addr(LAN_NET, slot, 8), addr(LAN_NET, slot, 30)],
    hosts,
    netnsPrefix: prefix,
    rootLinkPrefix: prefix,
  };
}

function hex(n: number): string {
  return n.toString(16).padStart(2, "0");
}

export function endpointNetns(lab: string, host: string, endpoint: string): string {
  return `lb-${lab}-${host}-${endpoint}`;
}

export function checkEndpointName(name: string): void {
  if (!ENDPOINT_NAME_RE.test(name) || RESERVED_HOST_IFACES.has(name)) {
    throw new LabPlanError(`bad endpoint name "${name}": a lowercase letter then up to 9 lowercase letters or digits, not ${[...RESERVED_HOST_IFACES].join("/")}`);
  }
}

export function checkMac(mac: string): void {
  if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(mac)) throw new LabPlanError(`bad MAC "${mac}": six lowercase hex pairs`);
  if (parseInt(mac.slice(0, 2), 16) & 1) throw new LabPlanError(`bad MAC "${mac}": multicast bit set`);
}

/** Endpoint addresses must stay inside the documentation ranges (they live in lab namespaces). */
export function checkEndpointAddress(cidr: string): void {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!m || m.slice(1, 5).some((x) => Number(x) > 255) || Number(m[5]) > 32) {
    throw new LabPlanError(`bad address "${cidr}": expected A.B.C.D/LEN`);
  }
  const net = `${m[1]}.${m[2]}.${m[3]}`;
  if (![MGMT_NET, UNDERLAY_NET, LAN_NET].includes(net) || Number(m[5]) < 24) {
    throw new LabPlanError(`address "${cidr}" is outside 192.0.2.0/24, 198.51.100.0/24 and 203.0.113.0/24`);
  }
}

/** Parses "A.B.C.D/LEN" (or a bare address, /32) to [network as uint32, length]. */
export function parseCidr(text: string): [number, number] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(text);
  if (!m) return null;
  const octets = m.slice(1, 5).map(Number);
  const len = m[5] === undefined ? 32 : Number(m[5]);
  if (octets.some((o) => o > 255) || len > 32) return null;
  const ip = ((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0;
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  return [(ip & mask) >>> 0, len];
}

/** True when two prefixes share any address. */
export function overlaps(a: string, b: string): boolean {
  const x = parseCidr(a);
  const y = parseCidr(b);
  if (!x || !y) return false;
  const len = Math.min(x[1], y[1]);
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  return ((x[0] & mask) >>> 0) === ((y[0] & mask) >>> 0);
}

/** The management block a slot would use. */
export function mgmtBlock(slot: number): string {
  return `${addr(MGMT_NET, slot, 0)}/27`;
}
