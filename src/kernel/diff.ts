// diff(desired LinkSet, observed kernel state) -> ordered operations. Pure. Every operation says
// why it is needed; when the desired state has not changed since the last apply, those reasons
// are the drift report (someone changed the host by hand).
//
// Ownership: links whose names carry vnet's prefixes (linkset.ts) are vnet's, and so are the
// static FDB entries on them. VM port interfaces ("vnp...") are the VM driver's: vnet plugs them
// into bridges and unplugs them when their port leaves the model, but never deletes them.
// Everything else on the host is left alone.
//
// Order: FDB deletions, link deletions, detaching stray ports, bridge creation, tunnel/VLAN
// creation, plugging and bringing up, bridge-port flags, then FDB additions, so that every
// operation finds what it needs already in place.

import { type FdbEntry, isOwnedLinkName, isPortIfName, type LinkSet, type OwnedLink } from "./linkset";
import type { BrPortFlags, LinkState } from "./netlink/link";
import { type FdbState, isStaticFdb } from "./netlink/neigh";
import { NUD } from "./netlink/constants";

export interface Observed {
  links: LinkState[];
  fdb: FdbState[];
}

export type Op =
  | { op: "fdb-del"; entry: FdbEntry; reason: string }
  | { op: "link-del"; name: string; reason: string }
  | { op: "link-add"; link: OwnedLink; reason: string }
  /** master: a bridge name, or null to unplug. */
  | { op: "link-set"; name: string; up?: boolean; master?: string | null; reason: string }
  | { op: "brport-set"; name: string; flags: BrPortFlags; reason: string }
  | { op: "fdb-add"; entry: FdbEntry; reason: string };

export interface DiffResult {
  ops: Op[];
  /** VM interfaces the model expects on this host that do not exist (yet): not drift, but shown. */
  pending: string[];
}

const fdbKey = (e: FdbEntry): string => `${e.dev}|${e.mac}|${e.dst ?? ""}`;
const fdbText = (e: FdbEntry): string => `${e.mac} dev ${e.dev}${e.dst ? ` dst ${e.dst}` : " master static"}`;

/** Why an existing owned link cannot be kept as it is (its kernel parameters are fixed at creation). */
function mismatch(want: OwnedLink, have: LinkState, byIndex: Map<number, LinkState>): string | null {
  if (have.kind !== want.kind) return `is a ${have.kind ?? "plain"} link, want ${want.kind}`;
  if (want.kind === "vxlan") {
    const v = have.vxlan;
    if (!v) return "has no VXLAN parameters";
    if (v.vni !== want.vni) return `has VNI ${v.vni}, want ${want.vni}`;
    if (v.local !== want.local) return `has local ${v.local ?? "(none)"}, want ${want.local}`;
    if (v.port !== want.port) return `has dstport ${v.port}, want ${want.port}`;
    if (v.learning) return "learns remote VTEPs, want nolearning";
  }
  if (want.kind === "vlan") {
    const v = have.vlan;
    if (!v) return "has no VLAN parameters";
    if (v.id !== want.vlanId) return `has VLAN id ${v.id}, want ${want.vlanId}`;
    const lower = byIndex.get(v.lower)?.name;
    if (lower !== want.lower) return `sits on ${lower ?? `ifindex ${v.lower}`}, want ${want.lower}`;
  }
  return null;
}

function flagDiff(want: BrPortFlags, have: BrPortFlags | undefined): BrPortFlags | null {
  const out: BrPortFlags = {};
  let any = false;
  for (const k of Object.keys(want) as (keyof BrPortFlags)[]) {
    if (want[k] !== undefined && have?.[k] !== want[k]) {
      out[k] = want[k];
      any = true;
    }
  }
  return any ? out : null;
}

/** Why a link must be (re)plugged into `bridge`, or null when it sits there already. */
function plugReason(current: string | null, bridge: string, fresh: ReadonlySet<string>): string | null {
  if (current === bridge) return fresh.has(bridge) ? `was plugged into ${bridge}, which is recreated` : null;
  return `is plugged into ${current ?? "nothing"}, want ${bridge}`;
}

const flagText = (f: BrPortFlags): string => Object.entries(f).map(([k, v]) => `${k} ${v ? "on" : "off"}`).join(", ");

/** Entries vnet owns in a dump: static entries on its own links, not the kernel's local ones. */
function ownedFdb(observed: Observed, byIndex: Map<number, LinkState>): FdbEntry[] {
  const out: FdbEntry[] = [];
  for (const e of observed.fdb) {
    const dev = byIndex.get(e.ifindex);
    if (!dev || !isOwnedLinkName(dev.name) || !isStaticFdb(e)) continue;
    if (e.self) {
      // Self entries without a destination are multicast filters the kernel adds on every device.
      if (e.dst) out.push({ dev: dev.name, mac: e.mac, dst: e.dst });
    } else if ((e.state & NUD.PERMANENT) === 0) {
      // Permanent master entries are the bridge's record of the port's own MAC: the kernel's.
      out.push({ dev: dev.name, mac: e.mac });
    }
  }
  return out;
}

export function diff(desired: LinkSet, observed: Observed): DiffResult {
  const byName = new Map(observed.links.map((l) => [l.name, l]));
  const byIndex = new Map(observed.links.map((l) => [l.index, l]));
  const masterName = (l: LinkState): string | null => (l.master ? byIndex.get(l.master)?.name ?? null : null);

  const wantLinks = new Map(desired.links.map((l) => [l.name, l]));
  const wantPorts = new Map(desired.attachments.map((a) => [a.name, a]));
  const dels: Op[] = [];
  const unplugs: Op[] = [];
  const bridgeAdds: Op[] = [];
  const otherAdds: Op[] = [];
  const sets: Op[] = [];
  const flags: Op[] = [];
  const fdbDels: Op[] = [];
  const fdbAdds: Op[] = [];
  /** Links (re)created by this diff: their FDB and port flags start empty. */
  const fresh = new Set<string>();

  for (const have of observed.links) {
    // Only kinds vnet creates: a veth or NIC that merely shares the prefix is not vnet's to delete.
    const ownKind = have.kind === "bridge" || have.kind === "vxlan" || have.kind === "vlan";
    if (ownKind && isOwnedLinkName(have.name) && !wantLinks.has(have.name) && !wantPorts.has(have.name)) {
      dels.push({ op: "link-del", name: have.name, reason: `${have.name} exists but the model has no use for it` });
    }
  }
  for (const want of desired.links) {
    const have = byName.get(want.name);
    const add: Op = { op: "link-add", link: want, reason: `${want.name} is missing` };
    if (have) {
      const why = mismatch(want, have, byIndex);
      if (!why) continue;
      dels.push({ op: "link-del", name: want.name, reason: `${want.name} ${why}: recreated` });
      add.reason = `${want.name} recreated`;
    }
    fresh.add(want.name);
    (want.kind === "bridge" ? bridgeAdds : otherAdds).push(add);
  }

  // Owned links that exist: up, and in the right bridge (a fresh link is created that way).
  for (const want of desired.links) {
    const have = byName.get(want.name);
    if (!have || fresh.has(want.name)) continue;
    const wantMaster = want.kind === "bridge" ? null : want.bridge;
    const set: { up?: boolean; master?: string | null } = {};
    const why: string[] = [];
    if (!have.up) {
      set.up = true;
      why.push("is down");
    }
    if (want.kind !== "bridge") {
      const plug = plugReason(masterName(have), want.bridge, fresh);
      if (plug) {
        set.master = wantMaster;
        why.push(plug);
      }
    }
    if (why.length) sets.push({ op: "link-set", name: want.name, ...set, reason: `${want.name} ${why.join(" and ")}` });
  }

  const pending: string[] = [];
  for (const a of desired.attachments) {
    const owned = wantLinks.get(a.name);
    const have = byName.get(a.name);
    if (!owned && !have) {
      pending.push(a.name);
      continue;
    }
    if (!owned && have) {
      const set: { up?: boolean; master?: string } = {};
      const why: string[] = [];
      const plug = plugReason(masterName(have), a.bridge, fresh);
      if (plug) {
        set.master = a.bridge;
        why.push(plug);
      }
      if (!have.up) {
        set.up = true;
        why.push("is down");
      }
      if (why.length) sets.push({ op: "link-set", name: a.name, ...set, reason: `${a.name} ${why.join(" and ")}` });
    }
    const replugged = fresh.has(a.name) || fresh.has(a.bridge) || (have !== undefined && masterName(have) !== a.bridge);
    const need = flagDiff(a.flags, replugged ? undefined : have?.brport);
    if (need) flags.push({ op: "brport-set", name: a.name, flags: need, reason: `${a.name} bridge port wants ${flagText(need)}` });
  }

  // VM interfaces of ports that left the model (or this host): unplug, so they reach nothing.
  for (const have of observed.links) {
    if (!isPortIfName(have.name) || wantPorts.has(have.name)) continue;
    const m = masterName(have);
    if (m && isOwnedLinkName(m)) {
      unplugs.push({ op: "link-set", name: have.name, master: null, up: false, reason: `${have.name} is plugged into ${m} but its port is not in the model: unplugged` });
    }
  }

  const deleted = new Set(dels.map((d) => (d.op === "link-del" ? d.name : "")));
  // A recreated link starts with an empty table, and so does a bridge: the static entries a
  // recreated bridge held for its tunnel port are gone with it.
  const bridgeOf = (dev: string): string | undefined => {
    const l = wantLinks.get(dev);
    return l && l.kind !== "bridge" ? l.bridge : undefined;
  };
  const haveFdb = ownedFdb(observed, byIndex).filter((e) => !deleted.has(e.dev) && !(e.dst === undefined && fresh.has(bridgeOf(e.dev) ?? "")));
  const haveKeys = new Set(haveFdb.map(fdbKey));
  const wantKeys = new Set(desired.fdb.map(fdbKey));
  for (const e of haveFdb) {
    if (!wantKeys.has(fdbKey(e))) fdbDels.push({ op: "fdb-del", entry: e, reason: `FDB ${fdbText(e)} is not in the model` });
  }
  for (const e of desired.fdb) {
    if (!haveKeys.has(fdbKey(e))) fdbAdds.push({ op: "fdb-add", entry: e, reason: `FDB ${fdbText(e)} is missing` });
  }

  return { ops: [...fdbDels, ...dels, ...unplugs, ...bridgeAdds, ...otherAdds, ...sets, ...flags, ...fdbAdds], pending };
}

/** One line per operation, for logs, the CLI and drift reports. */
export const describeOp = (op: Op): string => `${op.op}: ${op.reason}`;
