// Validation of the tenant model: pure functions that say why a change cannot work, and
// `applyChange`, which returns a new model only when the change is valid (the input model is never
// modified, so a refused change changes nothing by construction).
//
// Inputs may come straight from JSON (API bodies, config files): every field is type-checked here
// rather than trusted, so a wrong type gives a clear error instead of a crash further down.

import { broadcastOf, isUnicastMac, normaliseMac, parseCidr, parseIpv4, prefixContains } from "../packet/addr";
import { SERVICE_MAC_PREFIX, allocateIp, dhcpServerIp } from "./ipam";
import { VNI_MAX, VNI_MIN } from "./types";
import { handOnIndex, portIndex } from "./port-index";
import type {
  Host,
  Id,
  ModelChange,
  ModelSettings,
  Network,
  NetworkModel,
  Port,
  PortInput,
  Result,
  Tenant,
  ValidationCode,
  ValidationError,
} from "./types";

export const VLAN_MIN = 1;
export const VLAN_MAX = 4094;
/** Shortest and longest prefix a network may have: /30 leaves two usable addresses. */
export const PREFIX_MIN = 8;
export const PREFIX_MAX = 30;
export const LEASE_MIN_SECONDS = 60;
export const LEASE_MAX_SECONDS = 365 * 24 * 3600;
/** RFC 2132 §5.1: the smallest legal interface MTU is 68; 9216 covers jumbo frames. */
export const MTU_MIN = 68;
export const MTU_MAX = 9216;
const IFNAMSIZ = 15;

/** Collects errors for one object; `path` prefixes keep messages pointing at the field. */
class Errors {
  readonly list: ValidationError[] = [];
  add(code: ValidationCode, path: string, message: string): void {
    this.list.push({ code, path, message });
  }
  get ok(): boolean {
    return this.list.length === 0;
  }
}

/**
 * A value from untrusted input, printable in a message whatever it is (an object whose toString
 * throws, a bigint, a cycle ...): quoted strings, short JSON, or its type.
 */
export function show(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v.length > 80 ? v.slice(0, 80) + "…" : v);
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint" || v === null || v === undefined) return String(v);
  try {
    const json = JSON.stringify(v);
    if (json !== undefined) return json.length > 80 ? json.slice(0, 80) + "…" : json;
  } catch {
    // fall through: not printable as JSON
  }
  return `(${typeof v})`;
}

function isNonEmptyString(v: unknown): v is string {
  return typeof v === "string" && v.trim().length > 0;
}

function requireString(e: Errors, value: unknown, path: string, what: string): value is string {
  if (!isNonEmptyString(value)) {
    e.add("required", path, `${what} is required (a non-empty string)`);
    return false;
  }
  if (value.length > 255) {
    e.add("out_of_range", path, `${what} is longer than 255 characters`);
    return false;
  }
  return true;
}

/**
 * The one rule for what a person names a tenant, network or host: it appears in CLI arguments,
 * URLs and log lines, so it must need no quoting there.
 */
export const NAME_RE = /^[A-Za-z0-9._-]{1,63}$/;
export const NAME_RULE = "1-63 letters, digits, '.', '_' or '-'";

function requireName(e: Errors, value: unknown, what: string): value is string {
  if (!requireString(e, value, "name", what)) return false;
  if (!NAME_RE.test(value)) {
    e.add("invalid_format", "name", `${what} ${show(value)} is not allowed: use ${NAME_RULE}`);
    return false;
  }
  return true;
}

/**
 * How a message names a port. The model knows ids only; a caller that knows more (the inventory
 * knows VM names) passes its own, so the model stays free of inventory knowledge.
 */
export type DescribePort = (port: Port) => string;

export interface ValidateOptions {
  describePort?: DescribePort;
}

/** The model's own naming: the port id, and the id of its VM or that it has none. */
export const describePortById: DescribePort = (port) =>
  port.vmId ? `port ${port.id} (of VM id ${show(port.vmId)})` : `port ${port.id} (no VM)`;

function describerOf(options: ValidateOptions): DescribePort {
  return options.describePort ?? describePortById;
}

function isInteger(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v);
}

function findById<T extends { id: Id }>(list: readonly T[], id: Id): T | undefined {
  return list.find((x) => x.id === id);
}

// ---------------------------------------------------------------------------------------------
// Tenants

export function validateTenant(model: NetworkModel, tenant: Tenant, mode: "add" | "update" = "add"): ValidationError[] {
  const e = new Errors();
  if (typeof tenant !== "object" || tenant === null) {
    e.add("required", "tenant", "a tenant object is required");
    return e.list;
  }
  const idOk = requireString(e, tenant.id, "id", "tenant id");
  if (requireName(e, tenant.name, "tenant name")) {
    const clash = model.tenants.find((t) => t.name === tenant.name && t.id !== tenant.id);
    if (clash) e.add("duplicate", "name", `a tenant named "${tenant.name}" already exists (id ${clash.id})`);
  }
  if (idOk) checkIdPresence(e, model.tenants, tenant.id, mode, "tenant");
  return e.list;
}

function checkIdPresence(e: Errors, list: readonly { id: Id }[], id: Id, mode: "add" | "update", what: string): void {
  const exists = findById(list, id) !== undefined;
  if (mode === "add" && exists) e.add("duplicate", "id", `a ${what} with id "${id}" already exists`);
  if (mode === "update" && !exists) e.add("not_found", "id", `no ${what} with id "${id}"`);
}

// ---------------------------------------------------------------------------------------------
// Networks

export function validateNetwork(
  model: NetworkModel,
  network: Network,
  mode: "add" | "update" = "add",
  options: ValidateOptions = {},
): ValidationError[] {
  const e = new Errors();
  if (typeof network !== "object" || network === null) {
    e.add("required", "network", "a network object is required");
    return e.list;
  }
  const idOk = requireString(e, network.id, "id", "network id");
  if (idOk) checkIdPresence(e, model.networks, network.id, mode, "network");
  const previous = idOk ? findById(model.networks, network.id) : undefined;

  if (requireString(e, network.tenantId, "tenantId", "tenant id")) {
    if (!findById(model.tenants, network.tenantId)) {
      e.add("not_found", "tenantId", `no tenant with id "${network.tenantId}"`);
    } else if (mode === "update" && previous && previous.tenantId !== network.tenantId) {
      e.add("conflict", "tenantId", `a network cannot move to another tenant (it belongs to "${previous.tenantId}")`);
    }
  }
  if (requireName(e, network.name, "network name")) {
    const clash = model.networks.find(
      (n) => n.tenantId === network.tenantId && n.name === network.name && n.id !== network.id,
    );
    if (clash) {
      const tenant = findById(model.tenants, network.tenantId);
      const who = tenant ? `tenant "${tenant.name}"` : `tenant ${show(network.tenantId)}`;
      e.add("duplicate", "name", `${who} already has a network named "${network.name}"`);
    }
  }

  checkSegmentation(e, model, network);
  const prefix = checkSubnet(e, network);
  if (prefix) checkAddressesInSubnet(e, model, network, prefix, describerOf(options));

  if (!Array.isArray(network.dns)) {
    e.add("required", "dns", "dns must be a list of IPv4 addresses (it may be empty)");
  } else {
    network.dns.forEach((d, i) => {
      if (typeof d !== "string" || parseIpv4(d) === null) e.add("invalid_format", `dns[${i}]`, `${show(d)} is not an IPv4 address`);
    });
  }
  const lease = network.leaseSeconds;
  if (lease !== undefined && lease !== null && (!isInteger(lease) || lease < LEASE_MIN_SECONDS || lease > LEASE_MAX_SECONDS)) {
    e.add("out_of_range", "leaseSeconds", `lease time must be an integer from ${LEASE_MIN_SECONDS} to ${LEASE_MAX_SECONDS} seconds`);
  }
  const mtu = network.mtu;
  if (mtu !== undefined && mtu !== null && (!isInteger(mtu) || mtu < MTU_MIN || mtu > MTU_MAX)) {
    e.add("out_of_range", "mtu", `MTU must be an integer from ${MTU_MIN} to ${MTU_MAX}`);
  }
  return e.list;
}

function checkSegmentation(e: Errors, model: NetworkModel, network: Network): void {
  const seg = network.segmentationId;
  if (network.kind === "overlay") {
    if (!isInteger(seg) || seg < VNI_MIN || seg > VNI_MAX) {
      e.add("out_of_range", "segmentationId", `an overlay network needs a VNI from ${VNI_MIN} to ${VNI_MAX} (got ${show(seg)})`);
      return;
    }
    const clash = model.networks.find((n) => n.kind === "overlay" && n.segmentationId === seg && n.id !== network.id);
    if (clash) e.add("duplicate", "segmentationId", `VNI ${seg} is already used by network "${clash.name}" (${clash.id})`);
  } else if (network.kind === "provider") {
    if (seg !== null && (!isInteger(seg) || seg < VLAN_MIN || seg > VLAN_MAX)) {
      e.add("out_of_range", "segmentationId", `a provider network needs a VLAN id from ${VLAN_MIN} to ${VLAN_MAX}, or null for a flat network (got ${show(seg)})`);
      return;
    }
    const clash = model.networks.find((n) => n.kind === "provider" && n.segmentationId === seg && n.id !== network.id);
    if (clash) {
      const what = seg === null ? "the flat (untagged) provider segment" : `VLAN ${seg}`;
      e.add("duplicate", "segmentationId", `${what} is already used by network "${clash.name}" (${clash.id})`);
    }
  } else {
    e.add("invalid_format", "kind", `network kind must be "overlay" or "provider" (got ${show(network.kind)})`);
  }
}

function checkSubnet(e: Errors, network: Network) {
  if (typeof network.subnet !== "string") {
    e.add("required", "subnet", "subnet is required, in CIDR form (e.g. 192.0.2.0/24)");
    return null;
  }
  const parsed = parseCidr(network.subnet);
  if (!parsed.ok) {
    e.add("invalid_format", "subnet", parsed.reason);
    return null;
  }
  if (parsed.prefix.length < PREFIX_MIN || parsed.prefix.length > PREFIX_MAX) {
    e.add("out_of_range", "subnet", `prefix length must be from /${PREFIX_MIN} to /${PREFIX_MAX} (got /${parsed.prefix.length})`);
    return null;
  }
  return parsed.prefix;
}

/** Gateway and DHCP range must be usable host addresses of the subnet and must not collide. */
function checkAddressesInSubnet(
  e: Errors,
  model: NetworkModel,
  network: Network,
  prefix: { base: number; length: number },
  describe: DescribePort,
): void {
  const usable = (ip: number) => prefixContains(prefix, ip) && ip !== prefix.base && ip !== broadcastOf(prefix);
  let gw: number | null = null;
  if (network.gateway !== null && network.gateway !== undefined) {
    gw = typeof network.gateway === "string" ? parseIpv4(network.gateway) : null;
    if (gw === null) e.add("invalid_format", "gateway", `${show(network.gateway)} is not an IPv4 address`);
    else if (!usable(gw)) e.add("out_of_range", "gateway", `gateway ${network.gateway} is not a usable address of ${network.subnet}`);
  }
  const range = network.dhcpRange;
  let start: number | null = null;
  let end: number | null = null;
  if (range !== null && range !== undefined) {
    if (typeof range !== "object") {
      e.add("invalid_format", "dhcpRange", "dhcpRange must be { start, end } or null");
    } else {
      start = typeof range.start === "string" ? parseIpv4(range.start) : null;
      end = typeof range.end === "string" ? parseIpv4(range.end) : null;
      if (start === null) e.add("invalid_format", "dhcpRange.start", `${show(range.start)} is not an IPv4 address`);
      else if (!usable(start)) e.add("out_of_range", "dhcpRange.start", `${range.start} is not a usable address of ${network.subnet}`);
      if (end === null) e.add("invalid_format", "dhcpRange.end", `${show(range.end)} is not an IPv4 address`);
      else if (!usable(end)) e.add("out_of_range", "dhcpRange.end", `${range.end} is not a usable address of ${network.subnet}`);
      if (start !== null && end !== null && start > end) {
        e.add("out_of_range", "dhcpRange", `DHCP range start ${range.start} is after its end ${range.end}`);
      }
      if (gw !== null && start !== null && end !== null && gw >= start && gw <= end) {
        e.add("conflict", "dhcpRange", `DHCP range ${range.start}-${range.end} overlaps the gateway ${network.gateway}`);
      }
    }
  }
  // Ports already on the network (an update) must still fit the new addressing.
  for (const port of portIndex(model.ports).inNetwork(network.id)) {
    if (port.ip === null) continue;
    const ip = parseIpv4(port.ip);
    if (ip === null) continue;
    if (!usable(ip)) {
      e.add("conflict", "subnet", `${describe(port)} has address ${port.ip}, outside ${network.subnet}`);
    } else if (ip === gw) {
      e.add("conflict", "gateway", `gateway ${network.gateway} is the address of ${describe(port)}`);
    } else if (gw === null && port.ip === dhcpServerIp(network)) {
      e.add("conflict", "gateway", `without a gateway the DHCP server takes ${port.ip}, which is the address of ${describe(port)}`);
    } else if (
      network.kind === "provider" && port.ipAssignment !== "external" &&
      start !== null && end !== null && ip >= start && ip <= end
    ) {
      e.add("conflict", "dhcpRange", `the site's DHCP range would overlap the fixed address ${port.ip} of ${describe(port)}`);
    }
  }
  if (network.kind === "overlay") {
    // A provider port without a known address is only possible on provider networks.
    const external = [...portIndex(model.ports).inNetwork(network.id)].find((p) => p.ip === null);
    if (external) e.add("conflict", "kind", `${describe(external)} has no address (site DHCP): the network must stay a provider network`);
  }
}

// ---------------------------------------------------------------------------------------------
// Hosts

const OVSDB_TARGET_RE = /^(?:(?:tcp|ssl):(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}|unix:\/\S+)$/;
const HOSTNAME_RE = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const IFNAME_RE = /^[^\s/:]+$/;

export function validateHost(
  model: NetworkModel,
  host: Host,
  mode: "add" | "update" = "add",
  options: ValidateOptions = {},
): ValidationError[] {
  const e = new Errors();
  if (typeof host !== "object" || host === null) {
    e.add("required", "host", "a host object is required");
    return e.list;
  }
  if (requireString(e, host.id, "id", "host id")) checkIdPresence(e, model.hosts, host.id, mode, "host");
  if (requireName(e, host.name, "host name")) {
    const clash = model.hosts.find((h) => h.name === host.name && h.id !== host.id);
    if (clash) e.add("duplicate", "name", `a host named "${host.name}" already exists (id ${clash.id})`);
  }
  if (requireString(e, host.managementAddress, "managementAddress", "management address")) {
    if (parseIpv4(host.managementAddress) === null && !HOSTNAME_RE.test(host.managementAddress) && !host.managementAddress.includes(":")) {
      e.add("invalid_format", "managementAddress", `"${host.managementAddress}" is neither an IP address nor a host name`);
    }
  }
  if (requireString(e, host.ovsdbTarget, "ovsdbTarget", "OVSDB target")) {
    const m = OVSDB_TARGET_RE.exec(host.ovsdbTarget);
    const port = Number(host.ovsdbTarget.split(":").pop());
    if (!m || (!host.ovsdbTarget.startsWith("unix:") && (port < 1 || port > 65535))) {
      e.add("invalid_format", "ovsdbTarget", `"${host.ovsdbTarget}" is not an OVSDB target (tcp:HOST:PORT, ssl:HOST:PORT or unix:/path)`);
    }
  }
  if (host.backend !== "ovs" && host.backend !== "bridge") {
    e.add("invalid_format", "backend", `backend must be "ovs" or "bridge" (got ${show(host.backend)})`);
  }
  if (host.tunnelIp !== null && host.tunnelIp !== undefined) {
    if (typeof host.tunnelIp !== "string" || parseIpv4(host.tunnelIp) === null) {
      e.add("invalid_format", "tunnelIp", `${show(host.tunnelIp)} is not an IPv4 address`);
    } else {
      const clash = model.hosts.find((h) => h.tunnelIp === host.tunnelIp && h.id !== host.id);
      if (clash) e.add("duplicate", "tunnelIp", `tunnel endpoint ${host.tunnelIp} is already host "${clash.name}"'s`);
    }
  }
  const uplink = host.uplink;
  if (uplink !== null && uplink !== undefined) {
    if (typeof uplink !== "string" || uplink.length === 0 || uplink.length > IFNAMSIZ || !IFNAME_RE.test(uplink)) {
      e.add("invalid_format", "uplink", `${show(uplink)} is not an interface name (1-${IFNAMSIZ} characters, no spaces, '/' or ':')`);
    }
  } else if (mode === "update") {
    const providerPort = [...portIndex(model.ports).onHost(host.id)].find(
      (p) => findById(model.networks, p.networkId)?.kind === "provider",
    );
    if (providerPort) e.add("in_use", "uplink", `${describerOf(options)(providerPort)} on a provider network needs this host's uplink`);
  }
  if (host.libvirtUri !== null && host.libvirtUri !== undefined && !isNonEmptyString(host.libvirtUri)) {
    e.add("invalid_format", "libvirtUri", "libvirtUri must be a non-empty string or null");
  }
  return e.list;
}

// ---------------------------------------------------------------------------------------------
// Ports

/**
 * Turns a proposed port into a model port: checks it, normalises the MAC, and picks the address
 * (fixed as given; allocated by the IPAM on overlay networks; left to the site's DHCP on provider
 * networks when none is given).
 */
export function resolvePort(model: NetworkModel, input: PortInput, previous?: Port, options: ValidateOptions = {}): Result<Port> {
  if (typeof input !== "object" || input === null) {
    return { ok: false, errors: [{ code: "required", path: "port", message: "a port object is required" }] };
  }
  const network = typeof input.networkId === "string" ? findById(model.networks, input.networkId) : undefined;
  const mac = typeof input.mac === "string" ? (normaliseMac(input.mac) ?? input.mac) : input.mac;
  const base = {
    id: input.id,
    networkId: input.networkId,
    hostId: input.hostId,
    mac,
    ifaceId: input.ifaceId ?? input.id,
    vmId: input.vmId ?? null,
  };
  let port: Port;
  if ((input.ip === undefined || input.ip === null) && previous && previous.networkId === input.networkId) {
    // An update that does not mention the address keeps it, and how it was assigned.
    port = { ...base, ip: previous.ip, ipAssignment: previous.ipAssignment };
  } else if (input.ip !== undefined && input.ip !== null) {
    port = { ...base, ip: input.ip, ipAssignment: "fixed" };
  } else if (network?.kind === "provider") {
    port = { ...base, ip: null, ipAssignment: "external" };
  } else {
    const ip = network ? allocateIp(model, network) : null;
    if (network && ip === null) {
      return { ok: false, errors: [{ code: "conflict", path: "ip", message: `network "${network.name}" has no free address left to allocate` }] };
    }
    port = { ...base, ip: ip ?? "", ipAssignment: "allocated" };
  }
  const errors = validatePort(model, port, previous ? "update" : "add", options);
  return errors.length ? { ok: false, errors } : { ok: true, value: port };
}

/**
 * Checks a model port against the model: "add" refuses an id already there; "update" checks the
 * port against every other port (its own current version excepted).
 */
export function validatePort(
  model: NetworkModel,
  port: Port,
  mode: "add" | "update" = "add",
  options: ValidateOptions = {},
): ValidationError[] {
  const ports = portIndex(model.ports);
  const describe = describerOf(options);
  const e = new Errors();
  if (typeof port !== "object" || port === null) {
    e.add("required", "port", "a port object is required");
    return e.list;
  }
  if (requireString(e, port.id, "id", "port id") && mode === "add" && ports.get(port.id)) {
    e.add("duplicate", "id", `a port with id "${port.id}" already exists`);
  }
  let network: Network | undefined;
  if (requireString(e, port.networkId, "networkId", "network id")) {
    network = findById(model.networks, port.networkId);
    if (!network) e.add("not_found", "networkId", `no network with id "${port.networkId}"`);
  }
  if (requireString(e, port.hostId, "hostId", "host id")) {
    const host = findById(model.hosts, port.hostId);
    if (!host) e.add("not_found", "hostId", `no host with id "${port.hostId}"`);
    else if (network?.kind === "provider" && !host.uplink) {
      e.add("conflict", "hostId", `host "${host.name}" has no uplink, so it cannot reach provider network "${network.name}"`);
    }
  }
  const mac = typeof port.mac === "string" ? normaliseMac(port.mac) : null;
  if (mac === null) {
    e.add("invalid_format", "mac", `${show(port.mac)} is not a MAC address (aa:bb:cc:dd:ee:ff)`);
  } else if (!isUnicastMac(mac)) {
    e.add("invalid_format", "mac", `${mac} is a multicast, broadcast or zero address; a NIC needs a unicast MAC`);
  } else if (mac.startsWith(SERVICE_MAC_PREFIX)) {
    e.add("invalid_format", "mac", `${mac} is in ${SERVICE_MAC_PREFIX}00:00:00/24, reserved for vnet's DHCP service`);
  } else if (network) {
    const clash = ports.withMac(network.id, mac);
    if (clash && clash.id !== port.id) e.add("duplicate", "mac", `MAC ${mac} is already used by ${describe(clash)} in network "${network.name}"`);
  }
  if (requireString(e, port.ifaceId, "ifaceId", "iface-id")) {
    const clash = ports.withIfaceId(port.ifaceId);
    if (clash && clash.id !== port.id) e.add("duplicate", "ifaceId", `iface-id "${port.ifaceId}" already binds ${describe(clash)}`);
  }
  if (network) checkPortAddress(e, model, network, port, describe);
  return e.list;
}

function checkPortAddress(e: Errors, model: NetworkModel, network: Network, port: Port, describe: DescribePort): void {
  if (port.ip === null) {
    if (network.kind !== "provider" || port.ipAssignment !== "external") {
      e.add("required", "ip", `a port on overlay network "${network.name}" needs an address`);
    }
    return;
  }
  if (port.ipAssignment !== "fixed" && port.ipAssignment !== "allocated") {
    e.add("invalid_format", "ipAssignment", `ipAssignment must be "fixed" or "allocated" when the port has an address`);
  }
  const ip = typeof port.ip === "string" ? parseIpv4(port.ip) : null;
  if (ip === null) {
    e.add("invalid_format", "ip", `${show(port.ip)} is not an IPv4 address`);
    return;
  }
  const parsed = parseCidr(network.subnet);
  if (!parsed.ok) return;
  const prefix = parsed.prefix;
  if (!prefixContains(prefix, ip) || ip === prefix.base || ip === broadcastOf(prefix)) {
    e.add("out_of_range", "ip", `${port.ip} is not a usable address of ${network.subnet} (network "${network.name}")`);
    return;
  }
  if (network.gateway === port.ip) {
    e.add("conflict", "ip", `${port.ip} is the gateway of network "${network.name}"`);
    return;
  }
  if (dhcpServerIp(network) === port.ip) {
    e.add("conflict", "ip", `${port.ip} is reserved for the DHCP server of network "${network.name}" (it has no gateway)`);
    return;
  }
  const clash = portIndex(model.ports).withIp(network.id, port.ip);
  if (clash && clash.id !== port.id) {
    e.add("duplicate", "ip", `${port.ip} is already used by ${describe(clash)} in network "${network.name}"`);
    return;
  }
  if (network.kind === "provider" && network.dhcpRange) {
    const start = parseIpv4(network.dhcpRange.start);
    const end = parseIpv4(network.dhcpRange.end);
    if (start !== null && end !== null && ip >= start && ip <= end) {
      e.add("conflict", "ip", `${port.ip} is inside the site's DHCP range ${network.dhcpRange.start}-${network.dhcpRange.end}, which the site's DHCP server may hand to another machine`);
    }
  }
}

function validateSettings(settings: ModelSettings): ValidationError[] {
  if (typeof settings !== "object" || settings === null || (settings.tunnelType !== "vxlan" && settings.tunnelType !== "geneve")) {
    return [{ code: "invalid_format", path: "tunnelType", message: `tunnel type must be "vxlan" or "geneve"` }];
  }
  return [];
}

// ---------------------------------------------------------------------------------------------
// Applying changes

const fail = (errors: ValidationError[]): Result<NetworkModel> => ({ ok: false, errors });
const notFound = (what: string, id: Id): Result<NetworkModel> =>
  fail([{ code: "not_found", path: "id", message: `no ${what} with id ${show(id)}` }]);

function replaceById<T extends { id: Id }>(list: readonly T[], item: T): T[] {
  return list.map((x) => (x.id === item.id ? item : x));
}

/**
 * Checks a change against the model and returns the changed model, or the errors and no change.
 * Removals are refused while something depends on the object (a tenant's networks, a network's
 * or host's ports), so the model never holds a dangling reference.
 */
export function applyChange(model: NetworkModel, change: ModelChange, options: ValidateOptions = {}): Result<NetworkModel> {
  const describe = describerOf(options);
  switch (change?.op) {
    case "add_tenant": {
      const errors = validateTenant(model, change.tenant, "add");
      return errors.length ? fail(errors) : ok({ ...model, tenants: [...model.tenants, { ...change.tenant }] });
    }
    case "remove_tenant": {
      const tenant = findById(model.tenants, change.id);
      if (!tenant) return notFound("tenant", change.id);
      const net = model.networks.find((n) => n.tenantId === change.id);
      if (net) return fail([{ code: "in_use", path: "id", message: `tenant "${tenant.name}" still has network "${net.name}" (${net.id})` }]);
      return ok({ ...model, tenants: model.tenants.filter((t) => t.id !== change.id) });
    }
    case "add_network": {
      const errors = validateNetwork(model, change.network, "add", options);
      return errors.length ? fail(errors) : ok({ ...model, networks: [...model.networks, copyNetwork(change.network)] });
    }
    case "update_network": {
      const errors = validateNetwork(model, change.network, "update", options);
      return errors.length ? fail(errors) : ok({ ...model, networks: replaceById(model.networks, copyNetwork(change.network)) });
    }
    case "remove_network": {
      const network = findById(model.networks, change.id);
      if (!network) return notFound("network", change.id);
      const [port] = portIndex(model.ports).inNetwork(change.id);
      if (port) return fail([{ code: "in_use", path: "id", message: `network "${network.name}" still has ${describe(port)}` }]);
      return ok({ ...model, networks: model.networks.filter((n) => n.id !== change.id) });
    }
    case "add_host": {
      const errors = validateHost(model, change.host, "add", options);
      return errors.length ? fail(errors) : ok({ ...model, hosts: [...model.hosts, { ...change.host }] });
    }
    case "update_host": {
      const errors = validateHost(model, change.host, "update", options);
      return errors.length ? fail(errors) : ok({ ...model, hosts: replaceById(model.hosts, { ...change.host }) });
    }
    case "remove_host": {
      const host = findById(model.hosts, change.id);
      if (!host) return notFound("host", change.id);
      const [port] = portIndex(model.ports).onHost(change.id);
      if (port) return fail([{ code: "in_use", path: "id", message: `host "${host.name}" still has ${describe(port)}` }]);
      return ok({ ...model, hosts: model.hosts.filter((h) => h.id !== change.id) });
    }
    case "add_port": {
      const resolved = resolvePort(model, change.port, undefined, options);
      if (!resolved.ok) return fail(resolved.errors);
      const ports = [...model.ports, resolved.value];
      handOnIndex(model.ports, ports, (index) => index.add(resolved.value));
      return ok({ ...model, ports });
    }
    case "update_port": {
      const previous = typeof change.port?.id === "string" ? portIndex(model.ports).get(change.port.id) : undefined;
      if (!previous) return notFound("port", change.port?.id);
      const resolved = resolvePort(model, change.port, previous, options);
      if (!resolved.ok) return fail(resolved.errors);
      const ports = model.ports.map((p) => (p.id === previous.id ? resolved.value : p));
      handOnIndex(model.ports, ports, (index) => {
        index.remove(previous);
        index.add(resolved.value);
      });
      return ok({ ...model, ports });
    }
    case "remove_port": {
      const previous = portIndex(model.ports).get(change.id);
      if (!previous) return notFound("port", change.id);
      const ports = model.ports.filter((p) => p.id !== change.id);
      handOnIndex(model.ports, ports, (index) => index.remove(previous));
      return ok({ ...model, ports });
    }
    case "set_settings": {
      const errors = validateSettings(change.settings);
      return errors.length ? fail(errors) : ok({ ...model, settings: { ...change.settings } });
    }
    default:
      return fail([{ code: "invalid_format", path: "op", message: `unknown change ${show((change as { op?: unknown } | null)?.op)}` }]);
  }
}

function ok(model: NetworkModel): Result<NetworkModel> {
  return { ok: true, value: model };
}

function copyNetwork(n: Network): Network {
  return { ...n, dns: [...n.dns], dhcpRange: n.dhcpRange ? { ...n.dhcpRange } : null };
}

/** Applies changes in order, all or nothing: the first refused change stops it (errors name its index). */
export function applyChanges(
  model: NetworkModel,
  changes: readonly ModelChange[],
  options: ValidateOptions = {},
): Result<NetworkModel> {
  let current = model;
  for (const [i, change] of changes.entries()) {
    const r = applyChange(current, change, options);
    if (!r.ok) return { ok: false, errors: r.errors.map((err) => ({ ...err, path: `[${i}].${err.path}` })) };
    current = r.value;
  }
  return { ok: true, value: current };
}

/**
 * Validates a whole model (e.g. loaded from a file or the database) by rebuilding it change by
 * change from empty: the same rules as the API, so nothing can enter by a side door.
 */
export function validateModel(model: NetworkModel): ValidationError[] {
  const changes: ModelChange[] = [
    { op: "set_settings", settings: model.settings },
    ...model.tenants.map((tenant): ModelChange => ({ op: "add_tenant", tenant })),
    ...model.hosts.map((host): ModelChange => ({ op: "add_host", host })),
    ...model.networks.map((network): ModelChange => ({ op: "add_network", network })),
  ];
  const r = applyChanges({ tenants: [], networks: [], hosts: [], ports: [], settings: model.settings }, changes);
  if (!r.ok) return r.errors;
  let current = r.value;
  // One index carried along, so the whole check stays linear in the number of ports.
  const ports: Port[] = [];
  const index = portIndex(ports);
  for (const [i, port] of model.ports.entries()) {
    const errors = validatePort({ ...current, ports }, port);
    if (errors.length) return errors.map((err) => ({ ...err, path: `ports[${i}].${err.path}` }));
    ports.push(port);
    index.add(port);
  }
  return [];
}
