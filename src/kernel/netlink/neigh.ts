// RTM_*NEIGH requests for the bridge forwarding database (family AF_BRIDGE). struct ndmsg
// (12 bytes): u8 family, u8 pad, u16 pad, s32 ifindex, u16 state (NUD_*), u8 flags (NTF_*), u8 type.
// Two kinds of entries matter here:
//  - "self" entries in a VXLAN device's own table: MAC -> remote VTEP (NDA_DST). The all-zero MAC
//    is head-end replication: broadcast and unknown traffic is copied to every such VTEP.
//  - "master" entries in the bridge's table: MAC -> bridge port, static, so the bridge forwards to
//    remote VMs it was told about instead of learning them from the tunnel.

import { bytesToIp, bytesToMac, ipv4ToBytes, macToBytes } from "./addr";
import { type Attr, attrMap, bytes, encodeAttrs, NetlinkDecodeError, readU32, u32 } from "./attrs";
import { AF_BRIDGE, NDA, NDMSG_LEN, NLM_F, NTF, NUD, RTM } from "./constants";
import type { RtRequest } from "./link";

/** One FDB entry as the kernel reports it. */
export interface FdbState {
  ifindex: number;
  mac: string;
  /** Remote VTEP of a VXLAN self entry. */
  dst?: string;
  vni?: number;
  /** ifindex of the bridge, for entries in a bridge's table. */
  master?: number;
  /** NTF_SELF: the device's own table (VXLAN); otherwise the master bridge's table. */
  self: boolean;
  state: number;
  flags: number;
}

/** What vnet installs: the device, the MAC, and for a VXLAN entry the remote VTEP. */
export interface FdbKey {
  ifindex: number;
  /** Device name, used only to word errors. */
  dev: string;
  mac: string;
  /** Present: a VXLAN self entry towards this VTEP. Absent: a static entry in the bridge's table. */
  dst?: string;
}

function ndmsg(ifindex: number, state: number, flags: number): Buffer {
  const b = Buffer.alloc(NDMSG_LEN);
  b.writeUInt8(AF_BRIDGE, 0);
  b.writeInt32LE(ifindex, 4);
  b.writeUInt16LE(state, 8);
  b.writeUInt8(flags, 10);
  return b;
}

const describe = (k: FdbKey): string => `${k.mac} dev ${k.dev}${k.dst ? ` dst ${k.dst}` : " master"}`;

function body(k: FdbKey, state: number): Buffer {
  const attrs: Attr[] = [bytes(NDA.LLADDR, macToBytes(k.mac))];
  if (k.dst) attrs.push(bytes(NDA.DST, ipv4ToBytes(k.dst)));
  return Buffer.concat([ndmsg(k.ifindex, state, k.dst ? NTF.SELF : NTF.MASTER), encodeAttrs(attrs)]);
}

/**
 * Adds an entry. VXLAN entries use APPEND so one MAC (the all-zero one) may list several VTEPs;
 * bridge entries use REPLACE so a static entry overrides one the bridge learned meanwhile.
 */
export function addFdbRequest(k: FdbKey): RtRequest {
  const flags = k.dst ? NLM_F.CREATE | NLM_F.APPEND : NLM_F.CREATE | NLM_F.REPLACE;
  return { type: RTM.NEWNEIGH, flags, body: body(k, k.dst ? NUD.PERMANENT | NUD.NOARP : NUD.NOARP), subject: describe(k) };
}

export function delFdbRequest(k: FdbKey): RtRequest {
  return { type: RTM.DELNEIGH, flags: 0, body: body(k, 0), subject: describe(k) };
}

export function dumpFdbRequest(): RtRequest {
  return { type: RTM.GETNEIGH, flags: NLM_F.DUMP, body: ndmsg(0, 0, 0), subject: "(fdb dump)" };
}

export function decodeFdb(body: Buffer): FdbState {
  if (body.length < NDMSG_LEN) throw new NetlinkDecodeError(`ndmsg needs ${NDMSG_LEN} bytes, has ${body.length}`, 0);
  const flags = body.readUInt8(10);
  const attrs = attrMap(body.subarray(NDMSG_LEN), NDMSG_LEN);
  const lladdr = attrs.get(NDA.LLADDR);
  const e: FdbState = {
    ifindex: body.readInt32LE(4),
    mac: lladdr ? bytesToMac(lladdr.payload) : "",
    self: (flags & NTF.SELF) !== 0,
    state: body.readUInt16LE(8),
    flags,
  };
  const dst = attrs.get(NDA.DST);
  if (dst) e.dst = bytesToIp(dst.payload);
  const vni = attrs.get(NDA.VNI);
  if (vni) e.vni = readU32(vni);
  const master = attrs.get(NDA.MASTER);
  if (master) e.master = readU32(master);
  return e;
}

/** Entries vnet may own: static or permanent, never learned ones (those age and move). */
export function isStaticFdb(e: FdbState): boolean {
  return (e.state & (NUD.NOARP | NUD.PERMANENT)) !== 0 && (e.flags & NTF.EXT_LEARNED) === 0;
}
