// Port security in the kernel backend: an nftables ruleset (bridge family) generated purely from
// the LinkSet's port guards, applied atomically by the agent with `nft -f` inside the host's
// namespace. (nftables speaks netlink too, but its expression bytecode is a large protocol of its
// own; the nft tool is the supported way to write it, and one `nft -f` file is one transaction.)
//
// Frames entering the bridge from a VM port jump to that port's chain, which drops, with a named
// counter per port, frames whose Ethernet source, ARP sender or IPv4 source is not the port's
// own. DHCP DISCOVER/REQUEST (from 0.0.0.0) and ARP probes (sender IP 0.0.0.0) stay allowed.
// IPv6 from VMs is dropped (the model is IPv4 only: an unchecked IPv6 path would be a spoofing path).

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
  const lines = [
    `  chain port_${g.ifname} {`,
    `    ether saddr != ${g.mac} ${drop}`,
    `    ether type arp arp saddr ether != ${g.mac} ${drop}`,
  ];
  if (g.dhcpLocal) {
    // The agent answers from the port itself (its packet socket sees the frame before the
    // bridge does): the request goes no further, and the VM may not answer anyone else's.
    lines.push(`    ether type ip udp sport 68 udp dport 67 drop`, `    ether type ip udp sport 67 udp dport 68 ${drop}`);
  }
  if (g.ip !== null) {
    lines.push(
      `    ether type arp arp saddr ip != { 0.0.0.0, ${g.ip} } ${drop}`,
      `    ether type ip ip saddr ${g.ip} accept`,
      `    ether type ip ip saddr 0.0.0.0 udp sport 68 udp dport 67 accept`,
      `    ether type ip ${drop}`,
    );
  }
  lines.push(`    ether type ip6 drop`, `    ether type { 8021q, 8021ad } ${drop}`, `  }`);
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
