// compile(model, hostId, wiring) → the complete flow and group set one host's OVS bridge should
// hold. Pure: no I/O, no clock; the same inputs give the same output, in a stable order.
// docs/pipeline.md describes the tables in the same order as this file builds them.

import { ETH_TYPE, IP_PROTO, ARP_OP } from "../packet/frame";
import { DHCP_CLIENT_PORT, DHCP_SERVER_PORT } from "../apps/dhcp/message";
import { dhcpServerIp, serviceMac } from "../model/ipam";
import type { Host, Network, NetworkModel, Port } from "../model/types";
import { OFPGT, OFPP, OFPVID, type Action, type Instruction } from "../../openflow/index";
import { makeCookie } from "./cookie";
import {
  apply,
  bucket,
  flow,
  goto,
  groupAction,
  output,
  toController,
  writeMetadata,
  type DesiredFlow,
  type DesiredGroup,
  type DesiredState,
} from "./flow";
import { METADATA_MASK, NETWORK_MASK, REMOTE_FLAG, floodGroupId, localFloodGroupId, networkKey } from "./metadata";

/** What OVSDB says about the bridge: the OpenFlow port numbers of everything vnet plugged in. */
export interface SwitchWiring {
  /** ofport of each bound VM NIC on this switch, by model port id (from external_ids:iface-id). */
  vmPorts: Readonly<Record<string, number>>;
  /** ofport of the tunnel port to each remote host, by host id. */
  tunnels: Readonly<Record<string, number>>;
  /** ofport of the uplink to the site network, or null. */
  uplink: number | null;
}

const IPV4_ANY = "0.0.0.0";
/** The I/G bit of the first octet: set in broadcast and multicast destinations. */
const GROUP_BIT_MAC = "01:00:00:00:00:00";
const DROP: Instruction[] = [];

export function compile(model: NetworkModel, hostId: string, wiring: SwitchWiring): DesiredState {
  const flows: DesiredFlow[] = [];
  const groups: DesiredGroup[] = [];
  const problems: string[] = [];
  const host = model.hosts.find((h) => h.id === hostId);
  if (!host) return { flows, groups, problems: [`host "${hostId}" is not in the model`] };

  flows.push(...tableMissFlows());
  flows.push(...hostGuardFlows(model, wiring));

  // Ports grouped by network once, so compile costs O(n log n) in the size of the model.
  // Sorted by id, so the output (flow order, bucket order) does not depend on how the store
  // happens to order its rows: a reordered model must not look like a changed one.
  const byNetwork = new Map<string, Port[]>();
  for (const p of [...model.ports].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    const list = byNetwork.get(p.networkId);
    if (list) list.push(p);
    else byNetwork.set(p.networkId, [p]);
  }
  const networksHere = new Set(model.ports.filter((p) => p.hostId === hostId && wiring.vmPorts[p.id] !== undefined).map((p) => p.networkId));
  const networks = model.networks.filter((n) => networksHere.has(n.id)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const network of networks) {
    const part = compiledNetwork(host, network, byNetwork.get(network.id) ?? [], wiring);
    for (const f of part.flows) flows.push(f);
    for (const g of part.groups) groups.push(g);
    for (const p of part.problems) problems.push(p);
  }
  return { flows, groups, problems };
}

/**
 * One network's part of a host's compile, with everything it was made from. compileNetwork reads
 * exactly: the host, the network, its member ports, and for each member the ofport of its NIC
 * and of the tunnel to its host, and the uplink. When none of these changed (same objects, same
 * numbers), the part is the same: re-using it keeps its flow objects, and so the canonical keys
 * the diff computed for them. A new port then costs one network, not the whole host.
 */
interface NetworkPart {
  host: Host;
  members: readonly Port[];
  /** Per member: wiring.vmPorts[id], then wiring.tunnels[hostId]. */
  ofports: Array<number | undefined>;
  uplink: number | null;
  flows: DesiredFlow[];
  groups: DesiredGroup[];
  problems: string[];
}

// By network object, then host id: a model replaced by a new one drops its entries with it.
const NETWORK_PARTS = new WeakMap<Network, Map<string, NetworkPart>>();

function memberOfports(members: readonly Port[], wiring: SwitchWiring): Array<number | undefined> {
  const out: Array<number | undefined> = new Array(members.length * 2);
  for (let i = 0; i < members.length; i++) {
    const p = members[i]!;
    out[2 * i] = wiring.vmPorts[p.id];
    out[2 * i + 1] = wiring.tunnels[p.hostId];
  }
  return out;
}

function sameInputs(part: NetworkPart, host: Host, members: readonly Port[], ofports: ReadonlyArray<number | undefined>, uplink: number | null): boolean {
  if (part.host !== host || part.uplink !== uplink || part.members.length !== members.length) return false;
  for (let i = 0; i < members.length; i++) if (part.members[i] !== members[i]) return false;
  for (let i = 0; i < ofports.length; i++) if (part.ofports[i] !== ofports[i]) return false;
  return true;
}

function compiledNetwork(host: Host, network: Network, members: readonly Port[], wiring: SwitchWiring): NetworkPart {
  let byHost = NETWORK_PARTS.get(network);
  if (!byHost) {
    byHost = new Map();
    NETWORK_PARTS.set(network, byHost);
  }
  const ofports = memberOfports(members, wiring);
  const cached = byHost.get(host.id);
  if (cached && sameInputs(cached, host, members, ofports, wiring.uplink)) return cached;
  const part: NetworkPart = { host, members: [...members], ofports, uplink: wiring.uplink, flows: [], groups: [], problems: [] };
  compileNetwork({ host, network, members, wiring, flows: part.flows, groups: part.groups, problems: part.problems });
  byHost.set(host.id, part);
  return part;
}

function tableMissFlows(): DesiredFlow[] {
  const drop = makeCookie("table_miss", "guard", null);
  const onward = makeCookie("table_miss", "forward", null);
  return [
    flow("classify", "miss", {}, DROP, drop),
    flow("port_security", "miss", {}, DROP, drop),
    flow("arp", "miss", {}, [goto("l2_lookup")], onward),
    flow("dhcp", "miss", {}, [goto("l2_lookup")], onward),
    flow("l2_lookup", "miss", {}, DROP, drop),
    flow("egress", "miss", {}, DROP, drop),
  ];
}

/**
 * Frames from a tunnel with a VNI this host does not carry, or from the uplink on a VLAN it does
 * not carry, are dropped by a flow of their own, so their count is visible per tunnel/uplink.
 */
function hostGuardFlows(model: NetworkModel, wiring: SwitchWiring): DesiredFlow[] {
  const out: DesiredFlow[] = [];
  for (const remote of model.hosts) {
    const ofport = wiring.tunnels[remote.id];
    if (ofport === undefined) continue;
    out.push(flow("classify", "guard", { in_port: ofport }, DROP, makeCookie("host_wiring", "guard", remote.id)));
  }
  if (wiring.uplink !== null) {
    out.push(flow("classify", "guard", { in_port: wiring.uplink }, DROP, makeCookie("host_wiring", "guard", "uplink")));
  }
  return out;
}

interface NetworkContext {
  host: Host;
  network: Network;
  /** Every port of the network, on every host. */
  members: readonly Port[];
  wiring: SwitchWiring;
  flows: DesiredFlow[];
  groups: DesiredGroup[];
  problems: string[];
}

/** Where frames for a port outside this host go: the tunnel to its host, or the uplink. */
interface RemoteExit {
  ofport: number;
  /** Actions that make the frame ready for that exit (tunnel_id, VLAN tag). */
  encap: Action[];
  cookie: bigint;
}

function compileNetwork(ctx: NetworkContext): void {
  const { host, network, members, wiring, flows, groups, problems } = ctx;
  const key = BigInt(networkKey(network));
  const local = members.filter((p) => p.hostId === host.id && wiring.vmPorts[p.id] !== undefined);
  const remote = members.filter((p) => p.hostId !== host.id);
  const netCookie = (role: Parameters<typeof makeCookie>[1]) => makeCookie("network", role, network.id);

  // ---- exits toward other hosts ----------------------------------------------------------------
  const exits = new Map<string, RemoteExit>(); // by remote host id (overlay) or "uplink" (provider)
  if (network.kind === "overlay") {
    for (const remoteHostId of [...new Set(remote.map((p) => p.hostId))].sort()) {
      const ofport = wiring.tunnels[remoteHostId];
      if (ofport === undefined) {
        problems.push(`network "${network.name}": no tunnel port to host "${remoteHostId}", whose ports stay unreachable`);
        continue;
      }
      exits.set(remoteHostId, {
        ofport,
        encap: [{ type: "set_field", field: "tunnel_id", value: key }],
        cookie: makeCookie("network", "tunnel", network.id),
      });
      // Tunnel ingress: this VNI from that host belongs to this network.
      flows.push(
        flow("classify", "port", { in_port: ofport, tunnel_id: key }, [writeMetadata(key | REMOTE_FLAG, METADATA_MASK), goto("l2_lookup")], netCookie("tunnel")),
      );
    }
  } else if (wiring.uplink === null) {
    problems.push(`network "${network.name}" is a provider network but host "${host.name}" has no uplink port`);
  } else {
    const vlan = network.segmentationId;
    const uplink = wiring.uplink;
    exits.set("uplink", {
      ofport: uplink,
      encap: vlan === null ? [] : [{ type: "push_vlan", ethertype: ETH_TYPE.VLAN }, { type: "set_field", field: "vlan_vid", value: OFPVID.PRESENT | vlan }],
      cookie: netCookie("uplink"),
    });
    const ingress: Instruction[] =
      vlan === null
        ? [writeMetadata(key | REMOTE_FLAG, METADATA_MASK), goto("l2_lookup")]
        : [apply({ type: "pop_vlan" }), writeMetadata(key | REMOTE_FLAG, METADATA_MASK), goto("l2_lookup")];
    flows.push(flow("classify", "port", { in_port: uplink, vlan_vid: vlan === null ? OFPVID.NONE : OFPVID.PRESENT | vlan }, ingress, netCookie("uplink")));
  }

  // ---- per local port: classification, port security, delivery ----------------------------------
  for (const port of local) {
    const ofport = wiring.vmPorts[port.id]!;
    const cookie = (role: Parameters<typeof makeCookie>[1]) => makeCookie("port", role, port.id);
    flows.push(flow("classify", "port", { in_port: ofport }, [writeMetadata(key, METADATA_MASK), goto("port_security")], cookie("forward")));
    flows.push(...portSecurityFlows(port, ofport, cookie));
    flows.push(flow("egress", "output", { reg0: ofport }, [apply(output(ofport))], cookie("forward")));
    if (port.ip !== null) {
      // The owner's own requests for its address (gratuitous ARP, duplicate-address probes) must
      // not be answered by the responder below, or the VM would think its address is taken.
      flows.push(
        flow("arp", "owner", { metadata: { value: key, mask: NETWORK_MASK }, in_port: ofport, eth_type: ETH_TYPE.ARP, arp_tpa: port.ip }, [goto("l2_lookup")], cookie("forward")),
      );
    }
  }

  // ---- ARP responder: every known address of the network, answered on this switch --------------
  const answers: Array<{ ip: string; mac: string; cookie: bigint }> = [];
  for (const port of members) {
    if (port.ip !== null) answers.push({ ip: port.ip, mac: port.mac, cookie: makeCookie("port", "arp_responder", port.id) });
  }
  const serverIp = dhcpServerIp(network);
  const serverMac = serviceMac(network);
  if (serverIp && serverMac) answers.push({ ip: serverIp, mac: serverMac, cookie: netCookie("arp_responder") });
  for (const a of answers) {
    flows.push(
      flow(
        "arp",
        "respond",
        { metadata: { value: key, mask: NETWORK_MASK }, eth_type: ETH_TYPE.ARP, arp_op: ARP_OP.REQUEST, arp_tpa: a.ip },
        [apply(...arpResponderActions(a.mac, a.ip))],
        a.cookie,
      ),
    );
  }

  // ---- DHCP: the controller serves overlay networks; provider DHCP floods to the site ----------
  if (network.kind === "overlay") {
    flows.push(flow("dhcp", "to_controller", { metadata: { value: key, mask: NETWORK_MASK } }, [apply(toController())], netCookie("dhcp_to_controller")));
  }

  // ---- L2 lookup ---------------------------------------------------------------------------------
  const fromLocal = { value: key, mask: METADATA_MASK };
  const anyOrigin = { value: key, mask: NETWORK_MASK };
  for (const port of local) {
    const ofport = wiring.vmPorts[port.id]!;
    flows.push(flow("l2_lookup", "known_mac", { metadata: anyOrigin, eth_dst: port.mac }, [apply(setReg0(ofport)), goto("egress")], makeCookie("port", "forward", port.id)));
  }
  for (const port of remote) {
    // Only frames from local VMs go out again (split horizon): a frame that came from a tunnel
    // for a MAC elsewhere falls to the local-only flood instead of bouncing between hosts.
    const exit = exits.get(network.kind === "overlay" ? port.hostId : "uplink");
    if (!exit) continue;
    flows.push(flow("l2_lookup", "known_mac", { metadata: fromLocal, eth_dst: port.mac }, [apply(setReg0(exit.ofport)), goto("egress")], makeCookie("port", "forward", port.id)));
  }

  // ---- flooding: one ALL group per network (local ports + exits), chained to a local-only one ---
  const localGroup = localFloodGroupId(network);
  const allGroup = floodGroupId(network);
  groups.push({
    groupId: localGroup,
    groupType: OFPGT.ALL,
    buckets: local.map((p) => bucket(output(wiring.vmPorts[p.id]!))),
    uses: [],
  });
  const exitList = [...exits.values()];
  groups.push({
    groupId: allGroup,
    groupType: OFPGT.ALL,
    buckets: [bucket(groupAction(localGroup)), ...exitList.map((e) => bucket(...e.encap, output(e.ofport)))],
    uses: [localGroup],
  });
  flows.push(flow("l2_lookup", "flood", { metadata: fromLocal }, [apply(groupAction(allGroup))], netCookie("flood")));
  // From a tunnel or the uplink only broadcast and multicast are flooded, and only locally: every
  // local MAC has its own flow above, so a unicast frame for anyone else is not for this host.
  flows.push(
    flow("l2_lookup", "flood", { metadata: { value: key | REMOTE_FLAG, mask: METADATA_MASK }, eth_dst: { value: GROUP_BIT_MAC, mask: GROUP_BIT_MAC } }, [apply(groupAction(localGroup))], netCookie("flood")),
  );

  // ---- egress through exits ----------------------------------------------------------------------
  const seen = new Set<number>();
  for (const exit of exitList) {
    if (seen.has(exit.ofport)) continue;
    seen.add(exit.ofport);
    flows.push(flow("egress", "output", { reg0: exit.ofport, metadata: anyOrigin }, [apply(...exit.encap, output(exit.ofport))], exit.cookie));
  }
}

function setReg0(value: number): Action {
  return { type: "set_field", field: "reg0", value };
}

/**
 * Port security for one VM port. Allowed: IPv4 from its address, ARP that tells the truth about
 * it (or probes for it), DHCP client frames (which go to the dhcp table). IPv6 is not part of the
 * model and is dropped by a flow of its own so it does not count as spoofing. Anything else from
 * the port is spoofed: the last flow drops it, and its packet counter is the port's spoof count.
 */
function portSecurityFlows(port: Port, ofport: number, cookie: (role: Parameters<typeof makeCookie>[1]) => bigint): DesiredFlow[] {
  const own = { in_port: ofport, eth_src: port.mac, vlan_vid: OFPVID.NONE };
  const dhcpMatch = { ...own, eth_type: ETH_TYPE.IPV4, ip_proto: IP_PROTO.UDP, udp_src: DHCP_CLIENT_PORT, udp_dst: DHCP_SERVER_PORT };
  const out: DesiredFlow[] = [];
  if (port.ip === null) {
    // The site's DHCP server assigns the address: only the MAC can be checked.
    out.push(flow("port_security", "dhcp_client", dhcpMatch, [goto("dhcp")], cookie("forward")));
    out.push(flow("port_security", "allow", { ...own, eth_type: ETH_TYPE.IPV4 }, [goto("l2_lookup")], cookie("forward")));
    out.push(flow("port_security", "allow", { ...own, eth_type: ETH_TYPE.ARP, arp_sha: port.mac }, [goto("arp")], cookie("forward")));
  } else {
    // A client without a lease sends from 0.0.0.0; a renewing one from its address.
    for (const src of [IPV4_ANY, port.ip]) {
      out.push(flow("port_security", "dhcp_client", { ...dhcpMatch, ipv4_src: src }, [goto("dhcp")], cookie("forward")));
    }
    out.push(flow("port_security", "allow", { ...own, eth_type: ETH_TYPE.IPV4, ipv4_src: port.ip }, [goto("l2_lookup")], cookie("forward")));
    out.push(flow("port_security", "allow", { ...own, eth_type: ETH_TYPE.ARP, arp_sha: port.mac, arp_spa: port.ip }, [goto("arp")], cookie("forward")));
    // RFC 5227 probe: "who has my future address?", sent from 0.0.0.0.
    out.push(flow("port_security", "allow", { ...own, eth_type: ETH_TYPE.ARP, arp_sha: port.mac, arp_spa: IPV4_ANY, arp_op: ARP_OP.REQUEST }, [goto("arp")], cookie("forward")));
  }
  // A VM is never a DHCP server: server→client frames from it are dropped even from its own
  // address, so a tenant cannot hand out addresses behind the controller's back. Its own cookie
  // role counts rogue-DHCP attempts apart from spoofing.
  out.push(
    flow("port_security", "dhcp_server_guard", { in_port: ofport, eth_type: ETH_TYPE.IPV4, ip_proto: IP_PROTO.UDP, udp_src: DHCP_SERVER_PORT, udp_dst: DHCP_CLIENT_PORT }, DROP, cookie("dhcp_server_guard")),
  );
  out.push(flow("port_security", "ignore", { in_port: ofport, eth_type: ETH_TYPE.IPV6 }, DROP, cookie("ignore")));
  out.push(flow("port_security", "spoof_drop", { in_port: ofport }, DROP, cookie("spoof_drop")));
  return out;
}

/**
 * The classic Open vSwitch ARP responder: turn the request into the reply in place and send it
 * back out of the port it came in on. No controller round trip, and it keeps working while the
 * controller is away; the answers are known when the flows are compiled.
 */
export function arpResponderActions(mac: string, ip: string): Action[] {
  return [
    { type: "nx_reg_move", nBits: 48, srcOfs: 0, dstOfs: 0, src: "eth_src", dst: "eth_dst" },
    { type: "set_field", field: "eth_src", value: mac },
    { type: "set_field", field: "arp_op", value: ARP_OP.REPLY },
    { type: "nx_reg_move", nBits: 48, srcOfs: 0, dstOfs: 0, src: "arp_sha", dst: "arp_tha" },
    { type: "nx_reg_move", nBits: 32, srcOfs: 0, dstOfs: 0, src: "arp_spa", dst: "arp_tpa" },
    { type: "set_field", field: "arp_sha", value: mac },
    { type: "set_field", field: "arp_spa", value: ip },
    { type: "output", port: OFPP.IN_PORT },
  ];
}
