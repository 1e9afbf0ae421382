// Port security in the kernel backend: an nftables ruleset (bridge family) generated purely from
// the LinkSet's port guards, applied atomically by the agent with `nft -f` inside the host's
// namespace. (nftables speaks netlink too, but its expression bytecode is a large protocol of its
// own; the nft tool is the supported way to write it, and one `nft -f` file is one transaction.)
//
// Frames entering the bridge from a VM port jump to that port's chain, which lets through only
// IPv4 and ARP that tell the truth about the port (its MAC; its address, or 0.0.0.0 for DHCP
// and ARP probes) and drops the rest, counting in a named counter per port, like the OVS
// pipeline's port_security table. IPv6 is dropped uncounted (the model is IPv4 only).

import type { PortGuard } from "./linkset";

export const GUARD_TABLE = "vnet_guard";

export const dropCounterName = (ifname: string): string => `drop_${ifname}`;

const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
const IPV4_RE = /^(\d{1,3}\.){3}\d{1,3}$/;
const IFNAME_RE = /^[A-Za-z0-9_.-]{1,15}$/;

/** Guards reach nft as text: check every value so nothing can inject nft syntax. */
function checkGuard(g: PortGuard): void {
  if (!IFNAME_RE.test(g.ifname)) throw new Error(`port guard: bad interface name ${JSON.stringify(g.ifname)}`);
  if (!MAC_RE.test(g.mac)) throw new Error(`port guard ${g.ifname}: bad MAC ${JSON.stringify(g.mac)}`);
  if (g.ip !== null && !IPV4_RE.test(g.ip)) throw new Error(`port guard ${g.ifname}: bad IPv4 ${JSON.stringify(g.ip)}`);
}

function portChain(g: PortGuard): string[] {
  const drop = `counter name "${dropCounterName(g.ifname)}" drop`;
  const lines = [`  chain port_${g.ifname} {`, `    ether saddr != ${g.mac} ${drop}`];
  if (g.dhcpLocal) {
    // The agent answers from the port itself (its packet socket sees the frame before the
    // bridge does): the request goes no further, and the VM may not answer anyone else's.
    lines.push(`    ether type ip udp sport 68 udp dport 67 drop`, `    ether type ip udp sport 67 udp dport 68 ${drop}`);
  }
  lines.push(`    ether type arp arp saddr ether != ${g.mac} ${drop}`);
  if (g.ip !== null) {
    // Sender 0.0.0.0 is allowed only in a probe (RFC 5227), which is a request.
    lines.push(
      `    ether type arp arp saddr ip 0.0.0.0 arp operation != request ${drop}`,
      `    ether type arp arp saddr ip != { 0.0.0.0, ${g.ip} } ${drop}`,
      `    ether type arp accept`,
      `    ether type ip ip saddr ${g.ip} accept`,
      `    ether type ip ip saddr 0.0.0.0 udp sport 68 udp dport 67 accept`,
    );
  } else {
    lines.push(`    ether type arp accept`, `    ether type ip accept`);
  }
  // IPv6 is outside the model: dropped without counting (guests send it unasked). Anything else
  // (IPv4 from another source, VLAN tags, other ethertypes) is spoofing, as in the OVS pipeline.
  lines.push(`    ether type ip6 drop`, `    ${drop}`, `  }`);
  return lines;
}

/**
 * The whole ruleset file. It first creates then deletes the table, so that applying it replaces
 * the previous version in one transaction whether or not the table existed.
 */
export function guardRuleset(guards: readonly PortGuard[]): string {
  const sorted = [...guards].sort((a, b) => (a.ifname < b.ifname ? -1 : a.ifname > b.ifname ? 1 : 0));
  sorted.forEach(checkGuard);
  const lines = [`table bridge ${GUARD_TABLE}`, `delete table bridge ${GUARD_TABLE}`];
  if (sorted.length === 0) return `${lines.join("\n")}\n`;
  lines.push(`table bridge ${GUARD_TABLE} {`);
  for (const g of sorted) lines.push(`  counter ${dropCounterName(g.ifname)} {`, `  }`);
  lines.push(
    `  chain ingress {`,
    `    type filter hook prerouting priority -200; policy accept;`,
    `    iifname vmap { ${sorted.map((g) => `"${g.ifname}" : jump port_${g.ifname}`).join(", ")} }`,
    `  }`,
  );
  for (const g of sorted) lines.push(...portChain(g));
  lines.push(`}`);
  return `${lines.join("\n")}\n`;
}

/** Drop counters by interface from `nft -j list counters table bridge vnet_guard`. */
export function parseDropCounters(json: string): Record<string, { packets: number; bytes: number }> {
  const out: Record<string, { packets: number; bytes: number }> = {};
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch {
    throw new Error("nft -j output is not JSON");
  }
  const items = (doc as { nftables?: unknown }).nftables;
  if (!Array.isArray(items)) throw new Error("nft -j output has no nftables array");
  for (const item of items) {
    const c = (item as { counter?: { name?: unknown; packets?: unknown; bytes?: unknown } }).counter;
    if (!c || typeof c.name !== "string" || !c.name.startsWith("drop_")) continue;
    out[c.name.slice(5)] = { packets: Number(c.packets) || 0, bytes: Number(c.bytes) || 0 };
  }
  return out;
}
