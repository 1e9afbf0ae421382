// Lookups over a model's ports in O(1), so validating a port does not scan every port (a model
// with thousands of ports is validated on every start of the inventory). The index is cached per
// `ports` array (arrays in a NetworkModel are never mutated); `applyChange` hands it on to the
// new array when it adds or removes one port, so a long run of changes stays linear.

import { parseIpv4 } from "../packet/addr";
import type { Port } from "./types";

export class PortIndex {
  private readonly byId = new Map<string, Port>();
  private readonly byIface = new Map<string, Port>();
  private readonly byNetMac = new Map<string, Port>();
  private readonly byNetIp = new Map<string, Port>();
  private readonly byNetwork = new Map<string, Map<string, Port>>();
  private readonly byHost = new Map<string, Map<string, Port>>();

  static build(ports: readonly Port[]): PortIndex {
    const index = new PortIndex();
    for (const p of ports) index.add(p);
    return index;
  }

  add(p: Port): void {
    this.byId.set(p.id, p);
    this.byIface.set(p.ifaceId, p);
    this.byNetMac.set(`${p.networkId}|${p.mac}`, p);
    if (p.ip !== null) this.byNetIp.set(`${p.networkId}|${p.ip}`, p);
    group(this.byNetwork, p.networkId).set(p.id, p);
    group(this.byHost, p.hostId).set(p.id, p);
  }

  remove(p: Port): void {
    const drop = <K>(m: Map<K, Port>, k: K) => {
      if (m.get(k) === p) m.delete(k);
    };
    drop(this.byId, p.id);
    drop(this.byIface, p.ifaceId);
    drop(this.byNetMac, `${p.networkId}|${p.mac}`);
    if (p.ip !== null) drop(this.byNetIp, `${p.networkId}|${p.ip}`);
    this.byNetwork.get(p.networkId)?.delete(p.id);
    this.byHost.get(p.hostId)?.delete(p.id);
  }

  get(id: string): Port | undefined {
    return this.byId.get(id);
  }
  withIfaceId(ifaceId: string): Port | undefined {
    return this.byIface.get(ifaceId);
  }
  withMac(networkId: string, mac: string): Port | undefined {
    return this.byNetMac.get(`${networkId}|${mac}`);
  }
  withIp(networkId: string, ip: string): Port | undefined {
    return this.byNetIp.get(`${networkId}|${ip}`);
  }
  inNetwork(networkId: string): Iterable<Port> {
    return this.byNetwork.get(networkId)?.values() ?? [];
  }
  onHost(hostId: string): Iterable<Port> {
    return this.byHost.get(hostId)?.values() ?? [];
  }
  /** Addresses held by ports of a network, as numbers. */
  addressesIn(networkId: string): Set<number> {
    const out = new Set<number>();
    for (const p of this.inNetwork(networkId)) {
      const ip = p.ip === null ? null : parseIpv4(p.ip);
      if (ip !== null) out.add(ip);
    }
    return out;
  }
}

function group(m: Map<string, Map<string, Port>>, key: string): Map<string, Port> {
  let g = m.get(key);
  if (!g) {
    g = new Map();
    m.set(key, g);
  }
  return g;
}

const CACHE = new WeakMap<readonly Port[], PortIndex>();

export function portIndex(ports: readonly Port[]): PortIndex {
  let index = CACHE.get(ports);
  if (!index) {
    index = PortIndex.build(ports);
    CACHE.set(ports, index);
  }
  return index;
}

/**
 * Moves the index of `before` to `after` (a copy with one change), applying that change to it.
 * The old array loses its index and rebuilds it if it is ever used again.
 */
export function handOnIndex(before: readonly Port[], after: readonly Port[], change: (index: PortIndex) => void): void {
  const index = CACHE.get(before);
  if (!index) return;
  CACHE.delete(before);
  change(index);
  CACHE.set(after, index);
}
