// RTM_*LINK requests and the decoding of link dumps. struct ifinfomsg (16 bytes):
//   u8 family, u8 pad, u16 type (ARPHRD_*), s32 index, u32 flags (IFF_*), u32 change mask.
// Link kinds and their parameters live in IFLA_LINKINFO { KIND, DATA }; bridge-port settings in
// IFLA_LINKINFO { SLAVE_KIND "bridge", SLAVE_DATA } on dumps and IFLA_PROTINFO on AF_BRIDGE sets.

import { bytesToIp, bytesToMac, ipv4ToBytes } from "./addr";
import { type Attr, attrMap, be16, bytes, encodeAttrs, nest, NetlinkDecodeError, type RawAttr, readBe16, readU16, u16, readNested, readString, readU32, readU8, str, u32, u8 } from "./attrs";
import {
  AF_BRIDGE, AF_UNSPEC, IFF_LOWER_UP, IFF_UP, IFINFOMSG_LEN, IFLA, IFLA_BR, IFLA_BRPORT, IFLA_INFO, IFLA_VXLAN,
  IFLA_VLAN_ID, IFNAME_MAX, NLM_F, RTM, type RtmType, VETH_INFO_PEER,
} from "./constants";

export interface VxlanParams {
  vni: number;
  /** Source address of the tunnel (this host's VTEP). */
  local?: string;
  /** UDP destination port; 4789 is the IANA port. */
  port: number;
  /** ifindex of the underlay device the tunnel is bound to. */
  dev?: number;
  /** Kernel learning of remote VTEPs from received packets; off under l2population. */
  learning: boolean;
}

export interface BridgeParams {
  vlanFiltering?: boolean;
  stp?: boolean;
}

/** Bridge-port settings vnet manages. Absent means "leave as it is". */
export interface BrPortFlags {
  learning?: boolean;
  unicastFlood?: boolean;
  neighSuppress?: boolean;
  isolated?: boolean;
}

/** One link as the kernel reports it. */
export interface LinkState {
  index: number;
  name: string;
  kind?: string;
  mtu: number;
  up: boolean;
  lowerUp: boolean;
  mac?: string;
  master?: number;
  vxlan?: VxlanParams;
  bridge?: BridgeParams;
  vlan?: { id: number; lower: number };
  brport?: BrPortFlags;
}

export type NewLink =
  | { kind: "bridge"; name: string; bridge?: BridgeParams; mtu?: number; up?: boolean; master?: number }
  | { kind: "vxlan"; name: string; vxlan: VxlanParams; mtu?: number; up?: boolean; master?: number }
  | { kind: "vlan"; name: string; vlanId: number; lower: number; mtu?: number; up?: boolean; master?: number }
  | { kind: "veth"; name: string; peer: { name: string; netnsFd?: number }; mtu?: number; up?: boolean; master?: number };

export interface LinkChange {
  up?: boolean;
  mtu?: number;
  /** ifindex of the new master; 0 removes the link from its master. */
  master?: number;
}

/** A request ready to send: message type, flags beyond REQUEST|ACK, body, and what it is about. */
export interface RtRequest {
  type: RtmType;
  flags: number;
  body: Buffer;
  subject: string;
}

export function checkIfName(name: string): void {
  if (!name || Buffer.byteLength(name) > IFNAME_MAX || /[\s/:]/.test(name)) {
    throw new Error(`invalid interface name ${JSON.stringify(name)}: 1-${IFNAME_MAX} bytes, no spaces, '/' or ':'`);
  }
}

function ifinfomsg(family: number, index: number, flags = 0, change = 0): Buffer {
  const b = Buffer.alloc(IFINFOMSG_LEN);
  b.writeUInt8(family, 0);
  b.writeInt32LE(index, 4);
  b.writeUInt32LE(flags >>> 0, 8);
  b.writeUInt32LE(change >>> 0, 12);
  return b;
}

const upFlags = (up: boolean | undefined): [number, number] => (up === undefined ? [0, 0] : [up ? IFF_UP : 0, IFF_UP]);

function kindData(spec: NewLink): Attr[] {
  switch (spec.kind) {
    case "bridge": {
      const d: Attr[] = [];
      if (spec.bridge?.vlanFiltering !== undefined) d.push(u8(IFLA_BR.VLAN_FILTERING, spec.bridge.vlanFiltering ? 1 : 0));
      if (spec.bridge?.stp !== undefined) d.push(u32(IFLA_BR.STP_STATE, spec.bridge.stp ? 1 : 0));
      return d;
    }
    case "vxlan": {
      const v = spec.vxlan;
      if (!Number.isInteger(v.vni) || v.vni < 1 || v.vni > 0xffffff) throw new Error(`VXLAN VNI ${v.vni} outside 1..16777215`);
      const d: Attr[] = [u32(IFLA_VXLAN.ID, v.vni), be16(IFLA_VXLAN.PORT, v.port), u8(IFLA_VXLAN.LEARNING, v.learning ? 1 : 0)];
      if (v.local) d.push(bytes(IFLA_VXLAN.LOCAL, ipv4ToBytes(v.local)));
      if (v.dev) d.push(u32(IFLA_VXLAN.LINK, v.dev));
      return d;
    }
    case "vlan": {
      if (!Number.isInteger(spec.vlanId) || spec.vlanId < 1 || spec.vlanId > 4094) throw new Error(`VLAN id ${spec.vlanId} outside 1..4094`);
      return [u16(IFLA_VLAN_ID, spec.vlanId)];
    }
    case "veth": {
      // VETH_INFO_PEER is not a plain nest: it carries a whole ifinfomsg followed by attributes.
      checkIfName(spec.peer.name);
      const peerAttrs: Attr[] = [str(IFLA.IFNAME, spec.peer.name)];
      if (spec.peer.netnsFd !== undefined) peerAttrs.push(u32(IFLA.NET_NS_FD, spec.peer.netnsFd));
      return [bytes(VETH_INFO_PEER, Buffer.concat([ifinfomsg(AF_UNSPEC, 0), encodeAttrs(peerAttrs)]))];
    }
  }
}

export function newLinkRequest(spec: NewLink): RtRequest {
  checkIfName(spec.name);
  const attrs: Attr[] = [str(IFLA.IFNAME, spec.name)];
  if (spec.mtu !== undefined) attrs.push(u32(IFLA.MTU, spec.mtu));
  if (spec.master !== undefined) attrs.push(u32(IFLA.MASTER, spec.master));
  if (spec.kind === "vlan") attrs.push(u32(IFLA.LINK, spec.lower));
  attrs.push(nest(IFLA.LINKINFO, [str(IFLA_INFO.KIND, spec.kind), nest(IFLA_INFO.DATA, kindData(spec))]));
  const [flags, change] = upFlags(spec.up);
  return {
    type: RTM.NEWLINK,
    flags: NLM_F.CREATE | NLM_F.EXCL,
    body: Buffer.concat([ifinfomsg(AF_UNSPEC, 0, flags, change), encodeAttrs(attrs)]),
    subject: spec.name,
  };
}

export function setLinkRequest(index: number, name: string, change: LinkChange): RtRequest {
  const attrs: Attr[] = [];
  if (change.mtu !== undefined) attrs.push(u32(IFLA.MTU, change.mtu));
  if (change.master !== undefined) attrs.push(u32(IFLA.MASTER, change.master));
  const [flags, mask] = upFlags(change.up);
  return {
    type: RTM.SETLINK,
    flags: 0,
    body: Buffer.concat([ifinfomsg(AF_UNSPEC, index, flags, mask), encodeAttrs(attrs)]),
    subject: name,
  };
}

/** Bridge-port flags are set with an AF_BRIDGE RTM_SETLINK carrying IFLA_PROTINFO. */
export function setBrPortRequest(index: number, name: string, f: BrPortFlags): RtRequest {
  const p: Attr[] = [];
  if (f.learning !== undefined) p.push(u8(IFLA_BRPORT.LEARNING, f.learning ? 1 : 0));
  if (f.unicastFlood !== undefined) p.push(u8(IFLA_BRPORT.UNICAST_FLOOD, f.unicastFlood ? 1 : 0));
  if (f.neighSuppress !== undefined) p.push(u8(IFLA_BRPORT.NEIGH_SUPPRESS, f.neighSuppress ? 1 : 0));
  if (f.isolated !== undefined) p.push(u8(IFLA_BRPORT.ISOLATED, f.isolated ? 1 : 0));
  return {
    type: RTM.SETLINK,
    flags: 0,
    body: Buffer.concat([ifinfomsg(AF_BRIDGE, index), encodeAttrs([nest(IFLA.PROTINFO, p)])]),
    subject: name,
  };
}

export function delLinkRequest(index: number, name: string): RtRequest {
  return { type: RTM.DELLINK, flags: 0, body: ifinfomsg(AF_UNSPEC, index), subject: name };
}

export function dumpLinksRequest(): RtRequest {
  return { type: RTM.GETLINK, flags: NLM_F.DUMP, body: ifinfomsg(AF_UNSPEC, 0), subject: "(dump)" };
}

function decodeBrPort(m: Map<number, RawAttr>): BrPortFlags {
  const flag = (t: number): boolean | undefined => {
    const a = m.get(t);
    return a ? readU8(a) !== 0 : undefined;
  };
  const out: BrPortFlags = {};
  const learning = flag(IFLA_BRPORT.LEARNING);
  const unicastFlood = flag(IFLA_BRPORT.UNICAST_FLOOD);
  const neighSuppress = flag(IFLA_BRPORT.NEIGH_SUPPRESS);
  const isolated = flag(IFLA_BRPORT.ISOLATED);
  if (learning !== undefined) out.learning = learning;
  if (unicastFlood !== undefined) out.unicastFlood = unicastFlood;
  if (neighSuppress !== undefined) out.neighSuppress = neighSuppress;
  if (isolated !== undefined) out.isolated = isolated;
  return out;
}

/** Decodes one RTM_NEWLINK body (ifinfomsg + attributes) from a dump or an event. */
export function decodeLink(body: Buffer): LinkState {
  if (body.length < IFINFOMSG_LEN) throw new NetlinkDecodeError(`ifinfomsg needs ${IFINFOMSG_LEN} bytes, has ${body.length}`, 0);
  const index = body.readInt32LE(4);
  const flags = body.readUInt32LE(8);
  const attrs = attrMap(body.subarray(IFINFOMSG_LEN), IFINFOMSG_LEN);
  const nameAttr = attrs.get(IFLA.IFNAME);
  const link: LinkState = {
    index,
    name: nameAttr ? readString(nameAttr) : `if${index}`,
    mtu: attrs.has(IFLA.MTU) ? readU32(attrs.get(IFLA.MTU)!) : 0,
    up: (flags & IFF_UP) !== 0,
    lowerUp: (flags & IFF_LOWER_UP) !== 0,
  };
  const addr = attrs.get(IFLA.ADDRESS);
  if (addr && addr.payload.length === 6) link.mac = bytesToMac(addr.payload);
  const master = attrs.get(IFLA.MASTER);
  if (master) link.master = readU32(master);
  const info = attrs.get(IFLA.LINKINFO);
  if (info) {
    const li = readNested(info);
    const kind = li.get(IFLA_INFO.KIND);
    if (kind) link.kind = readString(kind);
    const data = li.get(IFLA_INFO.DATA);
    if (data && link.kind === "vxlan") {
      const d = readNested(data);
      const id = d.get(IFLA_VXLAN.ID);
      const local = d.get(IFLA_VXLAN.LOCAL);
      const port = d.get(IFLA_VXLAN.PORT);
      const dev = d.get(IFLA_VXLAN.LINK);
      const learning = d.get(IFLA_VXLAN.LEARNING);
      link.vxlan = {
        vni: id ? readU32(id) : 0,
        port: port ? readBe16(port) : 0,
        learning: learning ? readU8(learning) !== 0 : true,
      };
      if (local) link.vxlan.local = bytesToIp(local.payload);
      if (dev && readU32(dev) !== 0) link.vxlan.dev = readU32(dev);
    }
    if (data && link.kind === "bridge") {
      const d = readNested(data);
      const vf = d.get(IFLA_BR.VLAN_FILTERING);
      const stp = d.get(IFLA_BR.STP_STATE);
      link.bridge = {};
      if (vf) link.bridge.vlanFiltering = readU8(vf) !== 0;
      if (stp) link.bridge.stp = readU32(stp) !== 0;
    }
    if (data && link.kind === "vlan") {
      const id = readNested(data).get(IFLA_VLAN_ID);
      const lower = attrs.get(IFLA.LINK);
      link.vlan = { id: id ? readU16(id) : 0, lower: lower ? readU32(lower) : 0 };
    }
    const slaveKind = li.get(IFLA_INFO.SLAVE_KIND);
    const slaveData = li.get(IFLA_INFO.SLAVE_DATA);
    if (slaveKind && readString(slaveKind) === "bridge" && slaveData) link.brport = decodeBrPort(readNested(slaveData));
  }
  return link;
}

