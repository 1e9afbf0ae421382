// Where a model Host lives on this machine. VM drivers that plug interfaces by hand (netns VMs,
// and libvirt guests whose tap must move into a host namespace) only work for hosts that are
// namespaces here: the hosts of a `vnet lab`. They are found through the labs' state files, by
// the host's OVSDB target or management address.

import { listLabs, readState, type LabState } from "../lab/state";
import type { HostPlan } from "../lab/plan";
import type { Host } from "../model/types";
import { HostNotLocalError } from "./errors";

export interface LocalHost {
  /** The lab the host belongs to. */
  lab: string;
  /** The host's network namespace: its switch and every NIC's host end live there. */
  netns: string;
  /** OVSDB target reachable from this process (the lab's management link). */
  ovsdbTarget: string;
  /** The lab's run directory (VM runtime files go below it, so `lab down` removes them). */
  runDir: string;
}

/** Pure: the lab host a model host designates, if any. */
export function matchLabHost(host: Host, labs: readonly LabState[]): LocalHost | undefined {
  for (const lab of labs) {
    if (lab.phase !== "up") continue;
    const h: HostPlan | undefined = lab.plan.hosts.find(
      (x) => x.ovsdbTarget === host.ovsdbTarget || x.mgmtAddress === host.managementAddress,
    );
    if (h) return { lab: lab.plan.name, netns: h.netns, ovsdbTarget: h.ovsdbTarget, runDir: lab.runDir };
  }
  return undefined;
}

export function readLabs(): LabState[] {
  return listLabs()
    .map((n) => readState(n))
    .filter((s): s is LabState => s !== undefined);
}

/** The local namespace of a host, or an error saying why VMs of this kind cannot run there. */
export function locateHost(host: Host, what: string, labs: readonly LabState[] = readLabs()): LocalHost {
  const found = matchLabHost(host, labs);
  if (found) return found;
  const known = labs.flatMap((l) => l.plan.hosts.map((h) => `${l.plan.name}/${h.name} ${h.mgmtAddress}`));
  throw new HostNotLocalError(
    `host ${host.name} is not a lab host on this machine: ${what} need the host's network namespace here, ` +
      `found through a "vnet lab" whose host has management address ${host.managementAddress} or OVSDB target ${host.ovsdbTarget}` +
      (known.length ? ` (lab hosts here: ${known.join(", ")})` : " (no lab is up here: \"vnet lab up\")"),
  );
}
