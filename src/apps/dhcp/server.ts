// The controller's DHCP server for overlay networks, as a pure function:
//   handle(leases, request frame, who asked, now) → { reply frame | null, new leases, outcome }.
// Addresses are not pooled here: the model already gave every port its address (fixed or by the
// IPAM), so the server only tells each port what the model says, and refuses anything else.
// The caller (the PACKET_IN handler) sends `reply` as a PACKET_OUT to the port it came from.

import { dhcpServerIp, serviceMac } from "../../model/ipam";
import { DEFAULT_LEASE_SECONDS, type Network, type Port } from "../../model/types";
import { BROADCAST_MAC, broadcastOf, formatIpv4, hostMask, parseCidr } from "../../packet/addr";
import { ETH_TYPE, FrameError, encodeFrame, parseFrame, udpFrame } from "../../packet/frame";
import {
  BOOTREPLY,
  BOOTREQUEST,
  DHCP_CLIENT_PORT,
  DHCP_SERVER_PORT,
  DHCP_TYPE,
  DHCP_TYPE_NAME,
  DhcpDecodeError,
  FLAG_BROADCAST,
  OPT,
  decodeDhcp,
  encodeDhcp,
  ipOption,
  messageType,
  opt,
  type DhcpMessage,
} from "./message";

export interface Lease {
  portId: string;
  mac: string;
  ip: string;
  /** "offered": answered a DISCOVER; "bound": ACKed; the client holds the address until expiresAt. */
  state: "offered" | "bound";
  /** Milliseconds since the epoch, from the `now` passed in. */
  expiresAt: number;
}

/** Leases by port id. Immutable: handle() returns a new map when something changed. */
export type LeaseDb = ReadonlyMap<string, Lease>;

/** How long an OFFER reserves nothing but is remembered, for the live view. */
export const OFFER_HOLD_SECONDS = 60;

export interface DhcpContext {
  /** The model port the frame came from (the switch port it arrived on, bound by iface-id). */
  port: Port;
  network: Network;
}

export interface DhcpResult {
  reply: Uint8Array | null;
  leases: LeaseDb;
  /** One line for the log: what was asked and what was answered, or why nothing was. */
  outcome: string;
}

/** The lease duration a network hands out, and the RFC 2131 §4.4.5 defaults for T1 and T2. */
export function leaseTimes(network: Network): { lease: number; t1: number; t2: number } {
  const lease = network.leaseSeconds ?? DEFAULT_LEASE_SECONDS;
  return { lease, t1: Math.floor(lease / 2), t2: Math.floor((lease * 7) / 8) };
}

export function handle(leases: LeaseDb, frame: Uint8Array, ctx: DhcpContext, now: number): DhcpResult {
  const ignore = (why: string): DhcpResult => ({ reply: null, leases, outcome: `ignored: ${why}` });
  const { port, network } = ctx;
  if (network.kind !== "overlay") return ignore(`network "${network.name}" is a provider network; the site's DHCP server answers there`);
  if (port.ip === null) return ignore(`port ${port.id} has no address in the model`);
  const serverIp = dhcpServerIp(network);
  const serverMac = serviceMac(network);
  if (serverIp === null || serverMac === null) return ignore(`network "${network.name}" has no DHCP server address`);

  let request: DhcpMessage;
  let ethSrc: string;
  try {
    const eth = parseFrame(frame);
    ethSrc = eth.src;
    if (eth.ethType !== ETH_TYPE.IPV4 || eth.payload.kind !== "ipv4" || eth.payload.body.kind !== "udp") {
      return ignore("not a UDP/IPv4 frame");
    }
    const udp = eth.payload.body;
    if (udp.dstPort !== DHCP_SERVER_PORT || udp.srcPort !== DHCP_CLIENT_PORT) return ignore(`UDP ${udp.srcPort}→${udp.dstPort} is not DHCP client→server`);
    request = decodeDhcp(udp.payload);
  } catch (err) {
    if (err instanceof FrameError || err instanceof DhcpDecodeError) return ignore(`malformed: ${err.message}`);
    throw err;
  }
  if (request.op !== BOOTREQUEST || request.htype !== 1 || request.hlen !== 6) return ignore("not an Ethernet BOOTREQUEST");
  // Port security already pins the Ethernet source to the port's MAC; the client hardware address
  // must agree, or one VM could ask for (and learn) another's lease.
  if (request.chaddr !== port.mac || ethSrc !== port.mac) {
    return ignore(`chaddr ${request.chaddr} / source ${ethSrc} is not port ${port.id}'s MAC ${port.mac}`);
  }
  const type = messageType(request);
  const typeName = type === null ? "no type" : (DHCP_TYPE_NAME[type] ?? `type ${type}`);
  const times = leaseTimes(network);
  const reply = (replyType: number, yiaddr: string, withLease: boolean, message?: string) =>
    buildReply({ request, replyType, yiaddr, withLease, network, serverIp, serverMac, times, message });

  switch (type) {
    case DHCP_TYPE.DISCOVER: {
      const next = setLease(leases, { portId: port.id, mac: port.mac, ip: port.ip, state: "offered", expiresAt: now + OFFER_HOLD_SECONDS * 1000 }, port.id);
      return { reply: reply(DHCP_TYPE.OFFER, port.ip, true), leases: next, outcome: `DISCOVER from ${port.id}: OFFER ${port.ip}` };
    }
    case DHCP_TYPE.REQUEST: {
      const sid = ipOption(request, OPT.SERVER_ID);
      const requested = ipOption(request, OPT.REQUESTED_IP);
      let state: string;
      let asked: string | null;
      if (sid !== null) {
        // SELECTING: the client answers one server's OFFER; others must stay silent (§4.3.2).
        if (sid !== serverIp) {
          return { reply: null, leases: dropLease(leases, port.id), outcome: `REQUEST from ${port.id} selects server ${sid}, not us` };
        }
        state = "SELECTING";
        asked = requested;
      } else if (requested !== null) {
        state = "INIT-REBOOT";
        asked = requested;
      } else if (request.ciaddr !== "0.0.0.0") {
        // RENEWING (unicast to us) and REBINDING (broadcast) look alike once here.
        state = "RENEWING/REBINDING";
        asked = request.ciaddr;
      } else {
        return ignore(`REQUEST from ${port.id} names no address (no option 50, no ciaddr)`);
      }
      if (asked !== port.ip) {
        return {
          reply: reply(DHCP_TYPE.NAK, "0.0.0.0", false, `address ${asked ?? "(none)"} is not yours`),
          leases: dropLease(leases, port.id),
          outcome: `REQUEST (${state}) from ${port.id} for ${asked}: NAK, the port's address is ${port.ip}`,
        };
      }
      const next = setLease(leases, { portId: port.id, mac: port.mac, ip: port.ip, state: "bound", expiresAt: now + times.lease * 1000 }, port.id);
      return { reply: reply(DHCP_TYPE.ACK, port.ip, true), leases: next, outcome: `REQUEST (${state}) from ${port.id}: ACK ${port.ip} for ${times.lease}s` };
    }
    case DHCP_TYPE.INFORM:
      // §3.4: the client has an address already and wants only the configuration: no lease.
      return { reply: reply(DHCP_TYPE.ACK, "0.0.0.0", false), leases, outcome: `INFORM from ${port.id}: ACK with configuration` };
    case DHCP_TYPE.RELEASE:
      return { reply: null, leases: dropLease(leases, port.id), outcome: `RELEASE from ${port.id} of ${request.ciaddr}` };
    case DHCP_TYPE.DECLINE:
      // The model says the address is this port's; a DECLINE means something else on the segment
      // answers ARP for it. Nothing to hand out instead: report it loudly.
      return { reply: null, leases: dropLease(leases, port.id), outcome: `DECLINE from ${port.id}: ${ipOption(request, OPT.REQUESTED_IP) ?? port.ip} is in use by another machine` };
    default:
      return ignore(`${typeName} from ${port.id} is not a client message`);
  }
}

function setLease(leases: LeaseDb, lease: Lease, portId: string): LeaseDb {
  const next = new Map(leases);
  next.set(portId, lease);
  return next;
}

function dropLease(leases: LeaseDb, portId: string): LeaseDb {
  if (!leases.has(portId)) return leases;
  const next = new Map(leases);
  next.delete(portId);
  return next;
}

/** Leases still valid at `now`: expired ones are dropped (a pure sweep the caller runs periodically). */
export function expireLeases(leases: LeaseDb, now: number): LeaseDb {
  let changed = false;
  const next = new Map<string, Lease>();
  for (const [id, lease] of leases) {
    if (lease.expiresAt > now) next.set(id, lease);
    else changed = true;
  }
  return changed ? next : leases;
}

function buildReply(args: {
  request: DhcpMessage;
  replyType: number;
  yiaddr: string;
  withLease: boolean;
  network: Network;
  serverIp: string;
  serverMac: string;
  times: { lease: number; t1: number; t2: number };
  message?: string;
}): Uint8Array {
  const { request, replyType, network, serverIp, serverMac, times } = args;
  const options = new Map<number, Uint8Array>();
  options.set(OPT.MESSAGE_TYPE, opt.u8(replyType));
  options.set(OPT.SERVER_ID, opt.ips([serverIp]));
  if (replyType === DHCP_TYPE.NAK) {
    if (args.message) options.set(OPT.MESSAGE, opt.text(args.message));
  } else {
    const parsed = parseCidr(network.subnet);
    if (parsed.ok) {
      const mask = (0xffffffff - hostMask(parsed.prefix.length)) >>> 0;
      options.set(OPT.SUBNET_MASK, opt.ips([formatIpv4(mask)]));
      options.set(OPT.BROADCAST, opt.ips([formatIpv4(broadcastOf(parsed.prefix))]));
    }
    if (network.gateway) options.set(OPT.ROUTER, opt.ips([network.gateway]));
    if (network.dns.length) options.set(OPT.DNS, opt.ips(network.dns));
    if (network.mtu) options.set(OPT.INTERFACE_MTU, opt.u16(network.mtu));
    if (args.withLease) {
      options.set(OPT.LEASE_TIME, opt.u32(times.lease));
      options.set(OPT.RENEWAL_T1, opt.u32(times.t1));
      options.set(OPT.REBINDING_T2, opt.u32(times.t2));
    }
  }
  const message: DhcpMessage = {
    op: BOOTREPLY,
    htype: 1,
    hlen: 6,
    hops: 0,
    xid: request.xid,
    secs: 0,
    // §4.1: the reply keeps the client's broadcast flag (and giaddr, which is 0 on-link).
    flags: request.flags & FLAG_BROADCAST,
    ciaddr: replyType === DHCP_TYPE.NAK ? "0.0.0.0" : request.ciaddr,
    yiaddr: args.yiaddr,
    siaddr: "0.0.0.0",
    giaddr: request.giaddr,
    chaddr: request.chaddr,
    options,
  };
  // §4.1 addressing: NAKs are broadcast; a client with an address (ciaddr) gets unicast there;
  // a client that set the broadcast bit gets a broadcast; otherwise unicast to chaddr/yiaddr.
  let dstIp: string;
  let dstMac: string;
  if (replyType === DHCP_TYPE.NAK) {
    dstIp = "255.255.255.255";
    dstMac = BROADCAST_MAC;
  } else if (request.ciaddr !== "0.0.0.0") {
    dstIp = request.ciaddr;
    dstMac = request.chaddr;
  } else if (request.flags & FLAG_BROADCAST) {
    dstIp = "255.255.255.255";
    dstMac = BROADCAST_MAC;
  } else {
    dstIp = args.yiaddr;
    dstMac = request.chaddr;
  }
  return encodeFrame(
    udpFrame({
      srcMac: serverMac,
      dstMac,
      srcIp: serverIp,
      dstIp,
      srcPort: DHCP_SERVER_PORT,
      dstPort: DHCP_CLIENT_PORT,
      payload: encodeDhcp(message),
    }),
  );
}
