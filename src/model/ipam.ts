// IP address management: pick a free address for a port, deterministically (the lowest free
// address of the pool), so the same model always yields the same addresses.

import { broadcastOf, formatIpv4, hostMask, parseCidr, parseIpv4 } from "../packet/addr";
import { portIndex } from "./port-index";
import { VNI_MAX, VNI_MIN, type Ipv4, type Network, type NetworkModel } from "./types";

/** Bounds of the addresses a port may hold in a network: not the network or broadcast address. */
export function usableBounds(network: Network): { first: number; last: number } | null {
  const parsed = parseCidr(network.subnet);
  if (!parsed.ok) return null;
  const { prefix } = parsed;
  if (prefix.length >= 31) return null;
  return { first: prefix.base + 1, last: broadcastOf(prefix) - 1 };
}

/**
 * The addresses the IPAM may hand out in a network, as inclusive intervals in ascending order:
 * overlay networks allocate from their DHCP range (or the whole subnet); provider networks
 * allocate outside the site's DHCP range, which belongs to the site's DHCP server.
 */
export function allocationPool(network: Network): Array<{ first: number; last: number }> {
  const bounds = usableBounds(network);
  if (!bounds) return [];
  const start = network.dhcpRange ? parseIpv4(network.dhcpRange.start) : null;
  const end = network.dhcpRange ? parseIpv4(network.dhcpRange.end) : null;
  if (start === null || end === null) return [bounds];
  if (network.kind === "overlay") {
    const first = Math.max(bounds.first, start);
    const last = Math.min(bounds.last, end);
    return first <= last ? [{ first, last }] : [];
  }
  const out: Array<{ first: number; last: number }> = [];
  if (bounds.first < start) out.push({ first: bounds.first, last: Math.min(bounds.last, start - 1) });
  if (end < bounds.last) out.push({ first: Math.max(bounds.first, end + 1), last: bounds.last });
  return out;
}

/**
 * The address the controller's DHCP server speaks from on an overlay network (option 54): the
 * gateway when there is one, else the last usable address of the subnet, which is then reserved.
 * Provider networks have the site's DHCP server instead: null.
 */
export function dhcpServerIp(network: Network): Ipv4 | null {
  if (network.kind !== "overlay") return null;
  if (network.gateway) return network.gateway;
  const bounds = usableBounds(network);
  return bounds ? formatIpv4(bounds.last) : null;
}

/**
 * The MAC the switch answers ARP with for an overlay network's DHCP server address, so that a
 * client renewing by unicast (RFC 2131 RENEWING) reaches the controller: 02:76:6e (locally
 * administered, "vn") followed by the 24-bit VNI. Ports may not use this prefix.
 */
export const SERVICE_MAC_PREFIX = "02:76:6e:";
export function serviceMac(network: Network): string | null {
  if (network.kind !== "overlay" || network.segmentationId === null) return null;
  const vni = network.segmentationId;
  const hex = [(vni >>> 16) & 0xff, (vni >>> 8) & 0xff, vni & 0xff].map((b) => b.toString(16).padStart(2, "0"));
  return SERVICE_MAC_PREFIX + hex.join(":");
}

/** Addresses already taken in a network: the gateway (or DHCP server address) and every port's. */
export function takenAddresses(model: NetworkModel, network: Network): Set<number> {
  const taken = portIndex(model.ports).addressesIn(network.id);
  for (const reserved of [network.gateway, dhcpServerIp(network)]) {
    const ip = reserved ? parseIpv4(reserved) : null;
    if (ip !== null) taken.add(ip);
  }
  return taken;
}

/**
 * The lowest free address of the network's pool, or null when the pool is exhausted.
 * Cost is bounded by the number of taken addresses, not the size of the subnet.
 */
export function allocateIp(model: NetworkModel, network: Network): Ipv4 | null {
  const taken = takenAddresses(model, network);
  for (const { first, last } of allocationPool(network)) {
    for (let ip = first; ip <= last; ip++) {
      if (!taken.has(ip)) return formatIpv4(ip);
    }
  }
  return null;
}

/** Size of the network's subnet in host addresses, for display. */
export function subnetSize(network: Network): number {
  const parsed = parseCidr(network.subnet);
  return parsed.ok ? hostMask(parsed.prefix.length) + 1 : 0;
}

/**
 * The lowest VNI no overlay network uses, so that most callers need not pick one; null when all
 * 2^24-1 are taken. Provider networks' VLAN ids live in another space and do not count.
 * Cost is bounded by the number of overlay networks.
 */
export function nextFreeVni(model: NetworkModel): number | null {
  const used = new Set<number>();
  for (const n of model.networks) if (n.kind === "overlay" && n.segmentationId !== null) used.add(n.segmentationId);
  for (let vni = VNI_MIN; vni <= VNI_MAX; vni++) if (!used.has(vni)) return vni;
  return null;
}
