// Text <-> bytes for the two address kinds rtnetlink carries here: MAC (6 bytes) and IPv4 (4).

const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;
const IPV4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function macToBytes(mac: string): Buffer {
  if (!MAC_RE.test(mac)) throw new Error(`not a MAC address: ${JSON.stringify(mac)}`);
  return Buffer.from(mac.split(":").map((h) => parseInt(h, 16)));
}

export function bytesToMac(b: Buffer): string {
  return [...b].map((x) => x.toString(16).padStart(2, "0")).join(":");
}

export function ipv4ToBytes(ip: string): Buffer {
  const m = IPV4_RE.exec(ip);
  if (!m || m.slice(1).some((o) => Number(o) > 255)) throw new Error(`not an IPv4 address: ${JSON.stringify(ip)}`);
  return Buffer.from(m.slice(1).map(Number));
}

/** IPv4 from 4 bytes; other lengths (IPv6 VTEPs) are shown in hex so nothing is hidden. */
export function bytesToIp(b: Buffer): string {
  if (b.length === 4) return [...b].join(".");
  return b.toString("hex");
}

export const isMac = (s: string): boolean => MAC_RE.test(s);
export const isIpv4 = (s: string): boolean => {
  const m = IPV4_RE.exec(s);
  return !!m && m.slice(1).every((o) => Number(o) <= 255);
};

export const ZERO_MAC = "00:00:00:00:00:00";
