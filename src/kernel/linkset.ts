// The desired state of one host's kernel switch: what `compile` produces and `diff` compares
// with a netlink dump. Plain JSON data, so it crosses the agent's stdin unchanged.

import { createHash } from "node:crypto";
import type { Network, Port } from "../model/types";
import type { BrPortFlags } from "./netlink/link";

/** Kernel features a host's agent measured (see agent/caps.ts). */
export interface KernelCaps {
  /** VLAN sub-interfaces (8021q). */
  vlan: boolean;
  /** Bridges with vlan_filtering 1. */
  vlanFiltering: boolean;
  /** nftables bridge family, for port security. */
  nftBridge: boolean;
}

export const ALL_CAPS: KernelCaps = { vlan: true, vlanFiltering: true, nftBridge: true };

/** A link vnet creates and owns. */
export type OwnedLink =
  | { kind: "bridge"; name: string; networkId: string }
  | { kind: "vxlan"; name: string; networkId: string; bridge: string; vni: number; local: string; port: number }
  | { kind: "vlan"; name: string; networkId: string; bridge: string; vlanId: number; lower: string };

/**
 * A link someone else creates (the VM driver's tap/veth, the site uplink) that vnet only plugs
 * into a bridge, brings up and configures as a bridge port.
 */
export interface Attachment {
  name: string;
  bridge: string;
  /** The model port it realises, or null for an uplink. */
  portId: string | null;
  flags: BrPortFlags;
}

/** An FDB entry: with `dst`, a VXLAN self entry towards a VTEP; without, a static bridge entry. */
export interface FdbEntry {
  dev: string;
  mac: string;
  dst?: string;
}

/** Port-security allowances of one VM port (nftables, see nft.ts). */
export interface PortGuard {
  ifname: string;
  portId: string;
  mac: string;
  /** null: the MAC is checked, IPv4 sources are not (address handed out by the site). */
  ip: string | null;
  /**
   * The agent answers this port's DHCP (overlay networks): its DHCP requests stop at the port
   * instead of flooding the segment, and it may not act as a DHCP server itself.
   */
  dhcpLocal: boolean;
}

/** A network this host answers DHCP for, and the local VM interfaces it answers on. */
export interface DhcpScope {
  networkId: string;
  bridge: string;
  network: Network;
  ports: { ifname: string; port: Port }[];
}

/** Something the model asks of this host that its kernel or configuration cannot do. */
export interface Problem {
  networkId: string | null;
  message: string;
}

export interface LinkSet {
  hostId: string;
  links: OwnedLink[];
  attachments: Attachment[];
  fdb: FdbEntry[];
  guards: PortGuard[];
  dhcp: DhcpScope[];
  problems: Problem[];
}

// --- Names. Every name fits IFNAMSIZ (15 bytes) and says what it is; the prefixes are how the
// diff recognises links it owns (anything else on the host is left alone).

export const VXLAN_PORT = 4789;

export const OWNED_PREFIXES = ["vnbr", "vnvx", "vnvl"] as const;
export const PORT_PREFIX = "vnp";

/** Bridge of an overlay network: "vnbr" + VNI (at most 8 digits). */
export const overlayBridgeName = (vni: number): string => `vnbr${vni}`;
/** Bridge of a provider network: "vnbrv" + VLAN id, or "vnbrflat" for the untagged one. */
export const providerBridgeName = (vlan: number | null): string => (vlan === null ? "vnbrflat" : `vnbrv${vlan}`);
export const vxlanName = (vni: number): string => `vnvx${vni}`;
/** VLAN sub-interface of the uplink for a provider VLAN. */
export const vlanIfName = (vlan: number): string => `vnvl${vlan}`;

/**
 * The host-side interface of a VM port (tap or veth) in bridge mode: "vnp" + 12 hex digits of
 * the port id's SHA-256. The VM driver names the interface so (libvirt: <target dev=.../>), which
 * is how the backend binds a kernel link to a model port, as iface-id does on OVS.
 */
export function portIfName(portId: string): string {
  return `${PORT_PREFIX}${createHash("sha256").update(portId).digest("hex").slice(0, 12)}`;
}

export const isOwnedLinkName = (name: string): boolean => OWNED_PREFIXES.some((p) => name.startsWith(p));
export const isPortIfName = (name: string): boolean => /^vnp[0-9a-f]{12}$/.test(name);
