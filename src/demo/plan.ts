// What the demo builds, as data: which backend each lab host gets, the two tenants (their
// networks share one CIDR: isolation is vnet's job, not the addresses'), and two VMs per tenant
// per host. Pure, so that the plan is checked without a lab.
import type { HostPlan } from "../lab/plan";
import type { VmDriverKind } from "../inventory/types";

export type DemoBackend = "ovs" | "bridge" | "mixed";
export const DEMO_BACKENDS: readonly DemoBackend[] = ["ovs", "bridge", "mixed"];

/** Both tenants' networks use this subnet: the demo shows that they still cannot see each other. */
export const DEMO_SUBNET = "192.0.2.0/24";
export const DEMO_TENANTS = ["red", "blue"] as const;
export const VMS_PER_TENANT_PER_HOST = 2;

export interface DemoHost {
  name: string;
  managementAddress: string;
  ovsdbTarget: string;
  backend: "ovs" | "bridge";
  tunnelIp: string;
  uplink: string;
}

export interface DemoVm {
  name: string;
  tenant: string;
  host: string;
  network: string;
  driver: VmDriverKind;
}

export interface DemoPlan {
  hosts: DemoHost[];
  tenants: Array<{ name: string; network: string; subnet: string }>;
  vms: DemoVm[];
}

/** mixed: the first host runs Open vSwitch, the others the kernel bridge. */
export function backendOf(backend: DemoBackend, index: number): "ovs" | "bridge" {
  if (backend === "mixed") return index === 0 ? "ovs" : "bridge";
  return backend;
}

export function planDemo(hosts: readonly HostPlan[], backend: DemoBackend, driver: VmDriverKind): DemoPlan {
  const demoHosts = hosts.map((h, i) => ({
    name: h.name,
    managementAddress: h.mgmtAddress,
    ovsdbTarget: h.ovsdbTarget,
    backend: backendOf(backend, i),
    tunnelIp: h.underlayAddress,
    uplink: h.uplinkIface,
  }));
  const tenants = DEMO_TENANTS.map((t) => ({ name: t, network: `${t}-net`, subnet: DEMO_SUBNET }));
  const vms: DemoVm[] = [];
  for (const t of tenants) {
    let n = 0;
    for (const h of demoHosts) {
      for (let k = 0; k < VMS_PER_TENANT_PER_HOST; k++) vms.push({ name: `${t.name}${++n}`, tenant: t.name, host: h.name, network: t.network, driver });
    }
  }
  return { hosts: demoHosts, tenants, vms };
}

/**
 * The VM pair to suggest a ping between: two VMs of the first tenant on different hosts (the
 * packets then cross the tunnel), else any two of that tenant.
 */
export function pingPair<T extends { tenant: string; host: string }>(vms: readonly T[]): [T, T] | undefined {
  const first = vms[0];
  if (!first) return undefined;
  const mine = vms.filter((v) => v.tenant === first.tenant);
  const far = mine.find((v) => v.host !== first.host) ?? mine[1];
  return far ? [first, far] : undefined;
}
