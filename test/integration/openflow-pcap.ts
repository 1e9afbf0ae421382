// Writes a pcap file holding OpenFlow messages as TCP segments between two loopback ports, so
// tools that dissect captures (tshark, `vnet ofp-print --pcap`) can read bytes vnet encoded.
import { writeFileSync } from "node:fs";

export function pcapOf(messages: Uint8Array[], opts: { srcPort?: number; dstPort?: number } = {}): Buffer {
  const src = opts.srcPort ?? 40000;
  const dst = opts.dstPort ?? 6653;
  const parts: Buffer[] = [];
  const global = Buffer.alloc(24);
  global.writeUInt32LE(0xa1b2c3d4, 0); // microsecond pcap, little-endian
  global.writeUInt16LE(2, 4);
  global.writeUInt16LE(4, 6);
  global.writeUInt32LE(65535, 16); // snaplen
  global.writeUInt32LE(1, 20); // LINKTYPE_ETHERNET
  parts.push(global);
  let seq = 1;
  messages.forEach((payload, i) => {
    const eth = Buffer.from("000000000002" + "000000000001" + "0800", "hex");
    const ip = Buffer.alloc(20);
    ip[0] = 0x45;
    ip.writeUInt16BE(20 + 20 + payload.length, 2);
    ip.writeUInt16BE(i & 0xffff, 4);
    ip[8] = 64;
    ip[9] = 6; // TCP
    ip.writeUInt32BE(0x7f000001, 12);
    ip.writeUInt32BE(0x7f000001, 16);
    let sum = 0;
    for (let j = 0; j < 20; j += 2) sum += ip.readUInt16BE(j);
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    ip.writeUInt16BE(~sum & 0xffff, 10);
    const tcp = Buffer.alloc(20);
    tcp.writeUInt16BE(src, 0);
    tcp.writeUInt16BE(dst, 2);
    tcp.writeUInt32BE(seq, 4);
    tcp.writeUInt32BE(1, 8);
    tcp[12] = 5 << 4;
    tcp[13] = 0x18; // PSH, ACK
    tcp.writeUInt16BE(65535, 14);
    seq += payload.length;
    const frame = Buffer.concat([eth, ip, tcp, Buffer.from(payload)]);
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(1_700_000_000 + i, 0);
    rec.writeUInt32LE(frame.length, 8);
    rec.writeUInt32LE(frame.length, 12);
    parts.push(rec, frame);
  });
  return Buffer.concat(parts);
}

export function writePcap(file: string, messages: Uint8Array[]): void {
  writeFileSync(file, pcapOf(messages));
}
