// Checks a LinkSet that arrives as JSON (the agent's stdin) before anything touches the kernel:
// a malformed one is refused whole with the path of the first bad field, and changes nothing.

import { isIpv4, isMac } from "./netlink/addr";
import type { LinkSet } from "./linkset";
import { IFNAME_MAX } from "./netlink/constants";

class Bad extends Error {}

function obj(v: unknown, path: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Bad(`${path}: expected an object`);
  return v as Record<string, unknown>;
}
function arr(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw new Bad(`${path}: expected an array`);
  return v;
}
function ifname(v: unknown, path: string): void {
  if (typeof v !== "string" || !/^[A-Za-z0-9_.-]+$/.test(v) || v.length > IFNAME_MAX) {
    throw new Bad(`${path}: expected an interface name of 1-${IFNAME_MAX} characters [A-Za-z0-9_.-]`);
  }
}
function int(v: unknown, path: string, min: number, max: number): void {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) throw new Bad(`${path}: expected an integer in ${min}..${max}`);
}
function mac(v: unknown, path: string): void {
  if (typeof v !== "string" || !isMac(v)) throw new Bad(`${path}: expected a MAC address`);
}
function ipv4(v: unknown, path: string): void {
  if (typeof v !== "string" || !isIpv4(v)) throw new Bad(`${path}: expected an IPv4 address`);
}
function str(v: unknown, path: string): void {
  if (typeof v !== "string") throw new Bad(`${path}: expected a string`);
}

/** Returns the LinkSet, or throws an Error naming the first bad field. */
export function checkLinkSet(input: unknown): LinkSet {
  try {
    const ls = obj(input, "linkSet");
    str(ls.hostId, "linkSet.hostId");
    arr(ls.links, "linkSet.links").forEach((l, i) => {
      const p = `linkSet.links[${i}]`;
      const o = obj(l, p);
      ifname(o.name, `${p}.name`);
      str(o.networkId, `${p}.networkId`);
      if (o.kind === "bridge") return;
      ifname(o.bridge, `${p}.bridge`);
      if (o.kind === "vxlan") {
        int(o.vni, `${p}.vni`, 1, 0xffffff);
        ipv4(o.local, `${p}.local`);
        int(o.port, `${p}.port`, 1, 65535);
      } else if (o.kind === "vlan") {
        int(o.vlanId, `${p}.vlanId`, 1, 4094);
        ifname(o.lower, `${p}.lower`);
      } else throw new Bad(`${p}.kind: expected bridge, vxlan or vlan`);
    });
    arr(ls.attachments, "linkSet.attachments").forEach((a, i) => {
      const p = `linkSet.attachments[${i}]`;
      const o = obj(a, p);
      ifname(o.name, `${p}.name`);
      ifname(o.bridge, `${p}.bridge`);
      const f = obj(o.flags, `${p}.flags`);
      for (const [k, v] of Object.entries(f)) {
        if (!["learning", "unicastFlood", "neighSuppress", "isolated"].includes(k) || typeof v !== "boolean") {
          throw new Bad(`${p}.flags.${k}: unknown flag or not a boolean`);
        }
      }
    });
    arr(ls.fdb, "linkSet.fdb").forEach((e, i) => {
      const p = `linkSet.fdb[${i}]`;
      const o = obj(e, p);
      ifname(o.dev, `${p}.dev`);
      mac(o.mac, `${p}.mac`);
      if (o.dst !== undefined) ipv4(o.dst, `${p}.dst`);
    });
    arr(ls.guards, "linkSet.guards").forEach((g, i) => {
      const p = `linkSet.guards[${i}]`;
      const o = obj(g, p);
      ifname(o.ifname, `${p}.ifname`);
      mac(o.mac, `${p}.mac`);
      if (o.ip !== null) ipv4(o.ip, `${p}.ip`);
      if (typeof o.dhcpLocal !== "boolean") throw new Bad(`${p}.dhcpLocal: expected a boolean`);
    });
    arr(ls.dhcp, "linkSet.dhcp").forEach((d, i) => {
      const p = `linkSet.dhcp[${i}]`;
      const o = obj(d, p);
      ifname(o.bridge, `${p}.bridge`);
      obj(o.network, `${p}.network`);
      arr(o.ports, `${p}.ports`).forEach((x, j) => {
        const q = obj(x, `${p}.ports[${j}]`);
        ifname(q.ifname, `${p}.ports[${j}].ifname`);
        const port = obj(q.port, `${p}.ports[${j}].port`);
        mac(port.mac, `${p}.ports[${j}].port.mac`);
      });
    });
    arr(ls.problems, "linkSet.problems");
    return ls as unknown as LinkSet;
  } catch (e) {
    if (e instanceof Bad) throw new Error(`invalid LinkSet: ${e.message}`);
    throw e;
  }
}
