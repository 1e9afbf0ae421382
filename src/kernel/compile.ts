// compile(model, hostId, caps) -> LinkSet: the kernel-bridge realisation of the tenant model on
// one host. Pure: the same model, host and capabilities always give the same LinkSet.
//
// Per network with at least one port on the host: one bridge holding those ports. Overlay
// networks add one VXLAN device (VNI = segmentation id) on the bridge; the VTEPs of the other
// hosts having the network get an all-zero FDB entry each (head-end replication of broadcast and
// unknown unicast), and every remote VM's MAC gets a VXLAN entry towards its host plus a static
// bridge entry on the VXLAN port (l2population: remote MACs come from the model, never learned
// from the tunnel, so a remote VM cannot claim a local VM's MAC). Provider networks bridge the
// uplink itself (flat) or its VLAN sub-interface (tagged, needs 8021q).

import type { Host, Network, NetworkModel, Port } from "../model/types";
import {
  type Attachment, type FdbEntry, type KernelCaps, type LinkSet, type OwnedLink, type PortGuard,
  isOwnedLinkName, overlayBridgeName, portIfName, providerBridgeName, vlanIfName, VXLAN_PORT, vxlanName,
} from "./linkset";
import { ZERO_MAC } from "./netlink/addr";

const byId = <T extends { id: string }>(a: T, b: T): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export function compile(model: NetworkModel, hostId: string, caps: KernelCaps): LinkSet {
  const out: LinkSet = { hostId, links: [], attachments: [], fdb: [], guards: [], dhcp: [], problems: [] };
  const host = model.hosts.find((h) => h.id === hostId);
  if (!host) {
    out.problems.push({ networkId: null, message: `host ${hostId} is not in the model` });
    return out;
  }
  if (host.backend !== "bridge") {
    out.problems.push({ networkId: null, message: `host ${host.name} uses backend "${host.backend}", not "bridge"` });
    return out;
  }
  if (host.uplink && isOwnedLinkName(host.uplink)) {
    out.problems.push({ networkId: null, message: `host ${host.name}: uplink "${host.uplink}" uses a name vnet reserves for its own links (vnbr*, vnvx*, vnvl*)` });
  }
  const localPorts = model.ports.filter((p) => p.hostId === hostId);
  const networks = model.networks.filter((n) => localPorts.some((p) => p.networkId === n.id)).slice().sort(byId);
  if (localPorts.length > 0 && !caps.nftBridge) {
    out.problems.push({ networkId: null, message: `host ${host.name}: the kernel has no nftables bridge family, so port security (MAC/IP anti-spoofing) is off` });
  }
  for (const net of networks) {
    const bridge = net.kind === "overlay" ? compileOverlay(model, host, net, out) : compileProvider(host, net, caps, out);
    if (!bridge) continue;
    const ports = localPorts.filter((q) => q.networkId === net.id).sort(byId);
    for (const p of ports) plugPort(p, bridge, net.kind === "overlay", caps, out);
    if (net.kind === "overlay") out.dhcp.push({ networkId: net.id, bridge, network: net, ports: ports.map((port) => ({ ifname: portIfName(port.id), port })) });
  }
  return out;
}

function plugPort(p: Port, bridge: string, dhcpLocal: boolean, caps: KernelCaps, out: LinkSet): void {
  const ifname = portIfName(p.id);
  const a: Attachment = { name: ifname, bridge, portId: p.id, flags: { learning: true } };
  out.attachments.push(a);
  if (caps.nftBridge) {
    const g: PortGuard = { ifname, portId: p.id, mac: p.mac.toLowerCase(), ip: p.ip, dhcpLocal };
    out.guards.push(g);
  }
}

function compileOverlay(model: NetworkModel, host: Host, net: Network, out: LinkSet): string | null {
  const vni = net.segmentationId;
  if (vni === null) {
    out.problems.push({ networkId: net.id, message: `overlay network ${net.name} has no VNI` });
    return null;
  }
  const bridge = overlayBridgeName(vni);
  out.links.push({ kind: "bridge", name: bridge, networkId: net.id });

  const remotePorts = model.ports.filter((p) => p.networkId === net.id && p.hostId !== host.id);
  const peerIds = [...new Set(remotePorts.map((p) => p.hostId))].sort();
  const peers = peerIds.map((id) => model.hosts.find((h) => h.id === id)).filter((h): h is Host => !!h);
  if (peers.length === 0) return bridge;

  if (host.tunnelIp === null) {
    out.problems.push({ networkId: net.id, message: `host ${host.name} has no tunnel IP: network ${net.name}'s VMs on other hosts are unreachable from it` });
    return bridge;
  }
  if (model.settings.tunnelType !== "vxlan" && peers.some((h) => h.backend === "ovs")) {
    out.problems.push({
      networkId: net.id,
      message: `network ${net.name}: the kernel backend tunnels in VXLAN but the model's tunnel type is ${model.settings.tunnelType}; OVS peers will not understand host ${host.name}`,
    });
  }
  const vx = vxlanName(vni);
  const link: OwnedLink = { kind: "vxlan", name: vx, networkId: net.id, bridge, vni, local: host.tunnelIp, port: VXLAN_PORT };
  out.links.push(link);
  // The bridge never learns MACs behind the tunnel: static entries below say where they are.
  out.attachments.push({ name: vx, bridge, portId: null, flags: { learning: false } });

  const fdb: FdbEntry[] = [];
  for (const peer of peers) {
    if (peer.tunnelIp === null) {
      out.problems.push({ networkId: net.id, message: `host ${peer.name} has ports on network ${net.name} but no tunnel IP: they are unreachable from host ${host.name}` });
      continue;
    }
    if (peer.tunnelIp === host.tunnelIp) continue;
    fdb.push({ dev: vx, mac: ZERO_MAC, dst: peer.tunnelIp });
    for (const p of remotePorts.filter((q) => q.hostId === peer.id).sort(byId)) {
      const mac = p.mac.toLowerCase();
      fdb.push({ dev: vx, mac, dst: peer.tunnelIp }, { dev: vx, mac });
    }
  }
  out.fdb.push(...fdb);
  return bridge;
}

function compileProvider(host: Host, net: Network, caps: KernelCaps, out: LinkSet): string {
  const vlan = net.segmentationId;
  const bridge = providerBridgeName(vlan);
  out.links.push({ kind: "bridge", name: bridge, networkId: net.id });
  const uplink = host.uplink ?? null;
  if (!uplink) {
    out.problems.push({ networkId: net.id, message: `provider network ${net.name}: host ${host.name} has no uplink, so its VMs there reach only each other` });
    return bridge;
  }
  if (vlan === null) {
    out.attachments.push({ name: uplink, bridge, portId: null, flags: {} });
    return bridge;
  }
  if (!caps.vlan) {
    out.problems.push({
      networkId: net.id,
      message: `provider network ${net.name} (VLAN ${vlan}) needs VLAN sub-interfaces (8021q), which host ${host.name}'s kernel lacks: its VMs there reach only each other`,
    });
    return bridge;
  }
  out.links.push({ kind: "vlan", name: vlanIfName(vlan), networkId: net.id, bridge, vlanId: vlan, lower: uplink });
  return bridge;
}
