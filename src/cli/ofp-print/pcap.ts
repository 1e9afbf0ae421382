// Reads a classic pcap file (as tcpdump and tshark write it) and returns the TCP payload of each
// direction of each connection, in sequence order, so OpenFlow messages can be framed from it.
// Pure: takes the file's bytes. Understands Ethernet, Linux cooked (SLL), raw IP and BSD loopback
// link types, IPv4 and IPv6, and skips anything else.

export interface TcpStream {
  /** "192.0.2.1:40000 > 192.0.2.2:6653" */
  id: string;
  srcPort: number;
  dstPort: number;
  /** Payload in sequence order (retransmissions dropped). */
  data: Buffer;
  /** Capture time (seconds) of the first payload byte. */
  firstTime: number;
}

export class PcapError extends Error {}

const LINKTYPE_ETHERNET = 1;
const LINKTYPE_RAW = 101;
const LINKTYPE_LINUX_SLL = 113;
// What `tcpdump -i any` writes since libpcap 1.10: protocol first, then a 20-byte header in all.
const LINKTYPE_LINUX_SLL2 = 276;
const LINKTYPE_NULL = 0;
const LINKTYPE_IPV4 = 228;

export function tcpStreams(file: Buffer): TcpStream[] {
  if (file.length < 24) throw new PcapError("not a pcap file: shorter than its 24-byte header");
  const magic = file.readUInt32LE(0);
  let le: boolean;
  let nano = false;
  if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) {
    le = true;
    nano = magic === 0xa1b23c4d;
  } else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) {
    le = false;
    nano = magic === 0x4d3cb2a1;
  } else if (magic === 0x0a0d0d0a) {
    throw new PcapError("pcapng files are not supported: convert with `editcap -F pcap IN OUT`");
  } else {
    throw new PcapError(`not a pcap file (magic 0x${magic.toString(16)})`);
  }
  const u32 = (p: number) => (le ? file.readUInt32LE(p) : file.readUInt32BE(p));
  const linktype = u32(20) & 0xffff;
  const segments = new Map<string, { srcPort: number; dstPort: number; segs: { seq: number; data: Buffer; time: number }[] }>();
  let p = 24;
  while (p + 16 <= file.length) {
    const time = u32(p) + u32(p + 4) / (nano ? 1e9 : 1e6);
    const incl = u32(p + 8);
    p += 16;
    if (p + incl > file.length) break; // a cut-off last record
    const frame = file.subarray(p, p + incl);
    p += incl;
    const ip = ipOf(frame, linktype);
    if (!ip) continue;
    const tcp = tcpOf(ip);
    if (!tcp || tcp.payload.length === 0) continue;
    const id = `${tcp.src}:${tcp.srcPort} > ${tcp.dst}:${tcp.dstPort}`;
    let s = segments.get(id);
    if (!s) segments.set(id, (s = { srcPort: tcp.srcPort, dstPort: tcp.dstPort, segs: [] }));
    s.segs.push({ seq: tcp.seq, data: tcp.payload, time });
  }
  const out: TcpStream[] = [];
  for (const [id, s] of segments) {
    // Order by sequence number relative to the first segment (wrapping), drop repeated bytes.
    const base = s.segs[0]!.seq;
    const rel = (seq: number) => (seq - base) >>> 0;
    s.segs.sort((a, b) => rel(a.seq) - rel(b.seq));
    const parts: Buffer[] = [];
    let next = 0;
    for (const seg of s.segs) {
      const start = rel(seg.seq);
      const end = start + seg.data.length;
      if (end <= next) continue;
      parts.push(seg.data.subarray(Math.max(0, next - start)));
      next = end;
    }
    out.push({ id, srcPort: s.srcPort, dstPort: s.dstPort, data: Buffer.concat(parts), firstTime: s.segs[0]!.time });
  }
  return out.sort((a, b) => a.firstTime - b.firstTime);
}

function ipOf(frame: Buffer, linktype: number): Buffer | undefined {
  let off: number;
  let etherType: number | undefined;
  switch (linktype) {
    case LINKTYPE_ETHERNET: {
      if (frame.length < 14) return undefined;
      off = 12;
      etherType = frame.readUInt16BE(off);
      off += 2;
      while (etherType === 0x8100 || etherType === 0x88a8) {
        if (frame.length < off + 4) return undefined;
        etherType = frame.readUInt16BE(off + 2);
        off += 4;
      }
      break;
    }
    case LINKTYPE_LINUX_SLL:
      if (frame.length < 16) return undefined;
      etherType = frame.readUInt16BE(14);
      off = 16;
      break;
    case LINKTYPE_LINUX_SLL2:
      if (frame.length < 20) return undefined;
      etherType = frame.readUInt16BE(0);
      off = 20;
      break;
    case LINKTYPE_NULL:
      off = 4;
      break;
    case LINKTYPE_RAW:
    case LINKTYPE_IPV4:
      off = 0;
      break;
    default:
      throw new PcapError(`link type ${linktype} is not supported (Ethernet, Linux cooked v1 and v2, raw IP and loopback are)`);
  }
  if (etherType !== undefined && etherType !== 0x0800 && etherType !== 0x86dd) return undefined;
  return frame.subarray(off);
}

function tcpOf(ip: Buffer): { src: string; dst: string; srcPort: number; dstPort: number; seq: number; payload: Buffer } | undefined {
  if (ip.length < 1) return undefined;
  const version = ip[0]! >> 4;
  let l4: Buffer;
  let src: string;
  let dst: string;
  if (version === 4) {
    if (ip.length < 20 || ip[9] !== 6) return undefined;
    const ihl = (ip[0]! & 15) * 4;
    const total = Math.min(ip.readUInt16BE(2), ip.length);
    if (ihl < 20 || total < ihl) return undefined;
    src = [...ip.subarray(12, 16)].join(".");
    dst = [...ip.subarray(16, 20)].join(".");
    l4 = ip.subarray(ihl, total);
  } else if (version === 6) {
    if (ip.length < 40 || ip[6] !== 6) return undefined; // no extension headers
    const hex = (b: Buffer) => b.toString("hex").replace(/(.{4})(?!$)/g, "$1:");
    src = hex(ip.subarray(8, 24));
    dst = hex(ip.subarray(24, 40));
    l4 = ip.subarray(40, Math.min(40 + ip.readUInt16BE(4), ip.length));
  } else return undefined;
  if (l4.length < 20) return undefined;
  const dataOff = (l4[12]! >> 4) * 4;
  if (dataOff < 20 || dataOff > l4.length) return undefined;
  return { src, dst, srcPort: l4.readUInt16BE(0), dstPort: l4.readUInt16BE(2), seq: l4.readUInt32BE(4), payload: l4.subarray(dataOff) };
}
