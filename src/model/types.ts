// The tenant model: what the admin declares, and what every realiser (OVS pipeline, kernel
// bridges) compiles from. Plain data, ids as strings, JSON-serialisable (no bigint, no Map), so
// the inventory can store it as is and the API can return it as is.
//
// The rules that make a model valid live in `validate.ts`; nothing else re-implements them.

export type Id = string;

/** IPv4 dotted quad, e.g. "192.0.2.10". */
export type Ipv4 = string;
/** IPv4 prefix in CIDR form with the host bits zero, e.g. "192.0.2.0/24". */
export type Cidr = string;
/** Lower-case colon-separated MAC, e.g. "02:00:00:00:00:01". */
export type Mac = string;

export interface Tenant {
  id: Id;
  /** Unique among tenants. */
  name: string;
}

/**
 * overlay: a private L2 segment carried between hosts in tunnels (VXLAN/Geneve) keyed by the VNI;
 *          the controller is its DHCP server.
 * provider: the site's physical network, bridged to each host's uplink, untagged (flat) or with
 *          an 802.1Q tag; the site's own DHCP server hands out addresses there.
 */
export type NetworkKind = "overlay" | "provider";

/** An inclusive range of IPv4 addresses inside the network's subnet. */
export interface IpRange {
  start: Ipv4;
  end: Ipv4;
}

export interface Network {
  id: Id;
  tenantId: Id;
  /** Unique within the tenant. */
  name: string;
  kind: NetworkKind;
  /**
   * overlay: the VNI, 1..2^24-1, unique among overlay networks.
   * provider: the VLAN id 1..4094, or null for a flat (untagged) provider network;
   *           unique among provider networks (one flat network at most).
   */
  segmentationId: number | null;
  /** Two tenants (or two networks) may use the same subnet: isolation is at L2. */
  subnet: Cidr;
  /** The router's address, handed out as option 3; null for an isolated segment. */
  gateway: Ipv4 | null;
  /**
   * overlay: the pool the IPAM allocates ports' addresses from (null = the whole subnet).
   * provider: the range the site's DHCP server hands out; vnet never allocates inside it.
   */
  dhcpRange: IpRange | null;
  /** DNS servers handed out as option 6 (may be empty). */
  dns: Ipv4[];
  /** DHCP lease time in seconds (option 51); null = the default of `DEFAULT_LEASE_SECONDS`. */
  leaseSeconds?: number | null;
  /**
   * Interface MTU handed out by DHCP (option 26), e.g. 1450 so that VXLAN-encapsulated frames fit
   * a 1500-byte underlay; null = none given (the guest keeps its own).
   */
  mtu?: number | null;
}

export const DEFAULT_LEASE_SECONDS = 3600;

/** The VNIs an overlay network may use (24 bits, 0 reserved). */
export const VNI_MIN = 1;
export const VNI_MAX = 2 ** 24 - 1;

/** How a host's switch is realised. */
export type HostBackend = "ovs" | "bridge";

export interface Host {
  id: Id;
  /** Unique among hosts. */
  name: string;
  /** Where the admin reaches the host (IP address or DNS name). */
  managementAddress: string;
  /** OVSDB connection target: "tcp:HOST:PORT", "ssl:HOST:PORT" or "unix:/path". */
  ovsdbTarget: string;
  backend: HostBackend;
  /** Tunnel endpoint (VTEP) IPv4, unique among hosts; null = the host carries no overlay traffic. */
  tunnelIp: Ipv4 | null;
  /** Interface name of the uplink to the site network, for provider networks; null = none. */
  uplink?: string | null;
  /** libvirt connection URI, e.g. "qemu+ssh://root@host/system"; null = no libvirt. */
  libvirtUri?: string | null;
}

/** Whether a port's address was given by the admin or picked by the IPAM. */
export type IpAssignment = "fixed" | "allocated" | "external";

/** A VM NIC bound to one network on one host. */
export interface Port {
  id: Id;
  networkId: Id;
  hostId: Id;
  /** Unicast MAC, unique within the network. */
  mac: Mac;
  /**
   * The port's IPv4 address, unique within the network, inside the subnet, not the gateway.
   * null only on provider networks when the site's DHCP server assigns the address
   * (`ipAssignment` "external"): port security then checks the MAC only.
   */
  ip: Ipv4 | null;
  ipAssignment: IpAssignment;
  /**
   * The OVS Interface's external_ids:iface-id that binds the switch port to this model port
   * (libvirt sets it from <virtualport><parameters interfaceid=.../>); unique among ports.
   */
  ifaceId: string;
  /** The VM owning this NIC, if the inventory tracks one. */
  vmId?: Id | null;
}

/** Tunnel encapsulation between hosts' OVS bridges. */
export type TunnelType = "vxlan" | "geneve";

export interface ModelSettings {
  tunnelType: TunnelType;
}

export const DEFAULT_SETTINGS: ModelSettings = { tunnelType: "vxlan" };

/** An immutable snapshot of the whole model: what compile() and the realisers read. */
export interface NetworkModel {
  tenants: readonly Tenant[];
  networks: readonly Network[];
  hosts: readonly Host[];
  ports: readonly Port[];
  settings: ModelSettings;
}

export const EMPTY_MODEL: NetworkModel = {
  tenants: [],
  networks: [],
  hosts: [],
  ports: [],
  settings: DEFAULT_SETTINGS,
};

/** What an API call or config file proposes for a new port: the address may be left to the IPAM. */
export interface PortInput {
  id: Id;
  networkId: Id;
  hostId: Id;
  mac: Mac;
  /** A fixed address; omitted/null = allocate one (overlay) or let the site's DHCP assign (provider). */
  ip?: Ipv4 | null;
  /** Defaults to the port id. */
  ifaceId?: string;
  vmId?: Id | null;
}

/** One change to the model; `applyChange` in validate.ts checks and applies it purely. */
export type ModelChange =
  | { op: "add_tenant"; tenant: Tenant }
  | { op: "remove_tenant"; id: Id }
  | { op: "add_network"; network: Network }
  | { op: "update_network"; network: Network }
  | { op: "remove_network"; id: Id }
  | { op: "add_host"; host: Host }
  | { op: "update_host"; host: Host }
  | { op: "remove_host"; id: Id }
  | { op: "add_port"; port: PortInput }
  /** Change a port (move it to another host, give it a fixed address ...). An omitted ip keeps
   *  the current address when the port stays in its network, else allocates a new one. */
  | { op: "update_port"; port: PortInput }
  | { op: "remove_port"; id: Id }
  | { op: "set_settings"; settings: ModelSettings };

/** A reason a change was refused: `path` names the offending field, `code` is stable for the API. */
export interface ValidationError {
  code: ValidationCode;
  path: string;
  message: string;
}

export type ValidationCode =
  | "required"
  | "invalid_format"
  | "out_of_range"
  | "duplicate"
  | "not_found"
  | "conflict"
  | "in_use";

export type Result<T> = { ok: true; value: T } | { ok: false; errors: ValidationError[] };
