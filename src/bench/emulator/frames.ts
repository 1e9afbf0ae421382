// Bytes the emulated switches send, built once with the codec and then patched in place: a
// PACKET_IN template whose xid and source MAC change per packet, and the handshake replies.

import { encode, OFP_NO_BUFFER, OFPMP, OFPPS, OFPR, OFPT } from "../../../openflow";
import type { PortDesc } from "../../../openflow";

/** Every PACKET_IN goes to this MAC, which no emulated host uses: controllers must flood. */
export const UNKNOWN_DST = [0x02, 0xff, 0xff, 0xff, 0xff, 0xfe];
export const FRAME_LEN = 64;

/** A 64-byte Ethernet/IPv4/UDP frame (198.51.100.1 → 198.51.100.2), source MAC filled later. */
function udpFrame(): Buffer {
  const f = Buffer.alloc(FRAME_LEN);
  Buffer.from(UNKNOWN_DST).copy(f, 0);
  f[6] = 0x02; // locally administered unicast source
  f.writeUInt16BE(0x0800, 12);
  const ip = 14;
  f[ip] = 0x45;
  f.writeUInt16BE(FRAME_LEN - ip, ip + 2);
  f[ip + 8] = 64; // ttl
  f[ip + 9] = 17; // udp
  Buffer.from([198, 51, 100, 1, 198, 51, 100, 2]).copy(f, ip + 12);
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += f.readUInt16BE(ip + i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  f.writeUInt16BE(~sum & 0xffff, ip + 10);
  const udp = ip + 20;
  f.writeUInt16BE(40000, udp);
  f.writeUInt16BE(9, udp + 2);
  f.writeUInt16BE(FRAME_LEN - udp, udp + 4);
  return f;
}

export interface PacketInTemplate {
  bytes: Buffer;
  /** Offset of the frame's source MAC inside `bytes`. */
  srcMacOffset: number;
}

export function packetInTemplate(inPort: number): PacketInTemplate {
  const bytes = encode({
    type: "packet_in",
    xid: 0,
    bufferId: OFP_NO_BUFFER,
    totalLen: FRAME_LEN,
    reason: OFPR.NO_MATCH,
    tableId: 0,
    cookie: 0n,
    match: { in_port: inPort },
    data: udpFrame(),
  });
  if (bytes[1] !== OFPT.PACKET_IN) throw new Error("packet_in template did not encode as PACKET_IN");
  return { bytes, srcMacOffset: bytes.length - FRAME_LEN + 6 };
}

export const PORT_COUNT = 4;

function port(portNo: number, dpidIndex: number): PortDesc {
  return {
    portNo,
    hwAddr: `02:00:00:${(dpidIndex >> 8).toString(16).padStart(2, "0")}:${(dpidIndex & 255).toString(16).padStart(2, "0")}:${portNo.toString(16).padStart(2, "0")}`,
    name: `eth${portNo}`,
    config: 0,
    state: OFPPS.LIVE,
    curr: 0,
    advertised: 0,
    supported: 0,
    peer: 0,
    currSpeed: 10_000_000,
    maxSpeed: 10_000_000,
  };
}

/** Replies to the requests a controller makes of a switch, by request type. */
export function replyTo(request: Buffer, datapathId: bigint, dpidIndex: number): Buffer | undefined {
  const type = request[1]!;
  const xid = request.readUInt32BE(4);
  switch (type) {
    case OFPT.ECHO_REQUEST:
      return encode({ type: "echo_reply", xid, data: request.subarray(8) });
    case OFPT.FEATURES_REQUEST:
      return encode({ type: "features_reply", xid, datapathId, nBuffers: 0, nTables: 254, auxiliaryId: 0, capabilities: 0x4f });
    case OFPT.BARRIER_REQUEST:
      return encode({ type: "barrier_reply", xid });
    case OFPT.GET_CONFIG_REQUEST:
      return raw(OFPT.GET_CONFIG_REPLY, xid, [0, 0, 0xff, 0xff]);
    case OFPT.ROLE_REQUEST:
      return raw(OFPT.ROLE_REPLY, xid, [...request.subarray(8, 24)]);
    case OFPT.MULTIPART_REQUEST: {
      const mpType = request.length >= 10 ? request.readUInt16BE(8) : -1;
      if (mpType === OFPMP.PORT_DESC) {
        const ports = Array.from({ length: PORT_COUNT }, (_, i) => port(i + 1, dpidIndex));
        return encode({ type: "multipart_reply", xid, flags: 0, kind: "port_desc", ports });
      }
      if (mpType === OFPMP.DESC) {
        return encode({
          type: "multipart_reply",
          xid,
          flags: 0,
          kind: "desc",
          mfrDesc: "vnet",
          hwDesc: "emulated switch",
          swDesc: "vnet bench emulator",
          serialNum: String(dpidIndex),
          dpDesc: `emu${dpidIndex}`,
        });
      }
      // Any other kind: an empty list of its entries (type, flags, 4 bytes of padding).
      return raw(OFPT.MULTIPART_REPLY, xid, [mpType >> 8, mpType & 255, 0, 0, 0, 0, 0, 0]);
    }
    default:
      return undefined; // HELLO, SET_CONFIG, FLOW_MOD...: nothing to answer
  }
}

function raw(type: number, xid: number, body: number[]): Buffer {
  const b = Buffer.alloc(8 + body.length);
  b[0] = 4;
  b[1] = type;
  b.writeUInt16BE(b.length, 2);
  b.writeUInt32BE(xid, 4);
  Buffer.from(body).copy(b, 8);
  return b;
}
