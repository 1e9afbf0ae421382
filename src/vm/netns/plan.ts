// Which veth pairs a running netns VM must gain or lose so that its NICs match the spec: a pure
// function of the wanted NICs and the links seen in the VM's namespace. Each VM-side link carries
// the name of its host-side end in its alias (ifalias), which is how a NIC is recognised again.

import { nicGuestIfName } from "../names";

export interface WantedNic {
  /** Host-side interface name (nicHostIfName of the port). */
  hostIf: string;
  mac: string;
}

export interface SeenLink {
  name: string;
  alias?: string;
  address?: string;
}

export interface NicPlan {
  /** VM-side links to delete (their NIC left the spec); with their host-side name. */
  remove: Array<{ guestIf: string; hostIf: string }>;
  /** veth pairs to create. */
  add: Array<{ guestIf: string; hostIf: string; mac: string }>;
  /** NICs that exist; `mac` set when the VM side carries another address than wanted. */
  keep: Array<{ guestIf: string; hostIf: string; setMac?: string }>;
}

export function planNics(wanted: readonly WantedNic[], seen: readonly SeenLink[]): NicPlan {
  const ours = seen.filter((l) => l.alias !== undefined && /^vnp[0-9a-f]{12}$/.test(l.alias) && /^eth\d+$/.test(l.name));
  const byHostIf = new Map(ours.map((l) => [l.alias!, l]));
  const wantedIfs = new Set(wanted.map((w) => w.hostIf));
  const plan: NicPlan = { remove: [], add: [], keep: [] };
  for (const l of ours) if (!wantedIfs.has(l.alias!)) plan.remove.push({ guestIf: l.name, hostIf: l.alias! });
  // Guest names freed by removals may be reused; names of other links (lo, strays) may not.
  const taken = new Set(seen.filter((l) => !plan.remove.some((r) => r.guestIf === l.name)).map((l) => l.name));
  let next = 0;
  for (const w of wanted) {
    const have = byHostIf.get(w.hostIf);
    if (have) {
      plan.keep.push({ guestIf: have.name, hostIf: w.hostIf, ...(have.address !== w.mac ? { setMac: w.mac } : {}) });
      continue;
    }
    while (taken.has(nicGuestIfName(next))) next++;
    const guestIf = nicGuestIfName(next);
    taken.add(guestIf);
    plan.add.push({ guestIf, hostIf: w.hostIf, mac: w.mac });
  }
  return plan;
}
