// Namespaces the lab makes, with a private /etc/resolv.conf each.
//
// `ip netns exec NS cmd` runs cmd with the ROOT's /etc, except that it bind-mounts each file of
// /etc/netns/NS/ over its namesake in /etc. Without /etc/netns/NS/resolv.conf, anything run in a
// lab namespace that writes /etc/resolv.conf (udhcpc's and dhclient's default scripts do, on every
// lease) rewrites the machine's own DNS configuration. So every namespace gets that file BEFORE it
// exists (no window without it), and loses it with the namespace.

import { existsSync, mkdirSync, readdirSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Where `ip netns exec` looks for per-namespace files (fixed in iproute2). */
export const NETNS_ETC = "/etc/netns";

/** First line of the resolv.conf the lab writes (a DHCP client's script may replace it later). */
export const PRIVATE_RESOLV_MARK = "# vnet lab: this namespace's own resolv.conf";

const PRIVATE_RESOLV =
  `${PRIVATE_RESOLV_MARK} (ip netns exec mounts it over /etc/resolv.conf),\n` +
  "# so a DHCP client's script run here cannot rewrite the machine's DNS settings.\n";

export function resolvConfPath(netns: string, root = NETNS_ETC): string {
  return join(root, netns, "resolv.conf");
}

/** Gives a namespace (existing or about to be made) its own resolv.conf. Idempotent. */
export function writePrivateResolvConf(netns: string, root = NETNS_ETC): void {
  checkNetnsName(netns);
  mkdirSync(join(root, netns), { recursive: true });
  writeFileSync(resolvConfPath(netns, root), PRIVATE_RESOLV);
}

/**
 * Removes a namespace's private resolv.conf (whatever a DHCP script wrote into it since), and its
 * /etc/netns directory when that is then empty. Only for namespaces the caller made: ownership
 * comes from the name (every lab namespace is lb-LAB-...), not from the file's content.
 */
export function removePrivateResolvConf(netns: string, root = NETNS_ETC): void {
  checkNetnsName(netns);
  rmSync(resolvConfPath(netns, root), { force: true });
  try {
    rmdirSync(join(root, netns));
  } catch {
    // Not empty (someone else's files) or already gone: leave it.
  }
}

/** Namespaces whose name starts with `prefix` that have a resolv.conf under /etc/netns. */
export function privateResolvConfs(prefix: string, root = NETNS_ETC): string[] {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  return names.filter((n) => n.startsWith(prefix) && existsSync(resolvConfPath(n, root))).sort();
}

/** True while a named namespace exists (`ip netns add` makes /run/netns/NAME). */
export function netnsExists(netns: string): boolean {
  return existsSync(join("/run/netns", netns));
}

/** A namespace name must be one path component: it becomes a directory under /etc/netns. */
function checkNetnsName(netns: string): void {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(netns) || netns === "." || netns === "..") throw new Error(`bad namespace name "${netns}"`);
}
