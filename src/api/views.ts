// Inventory records → API representations, and lookups "by id or name" scoped to what the caller
// may see. A tenant caller asking for another tenant's object gets exactly what a missing object
// gets (404), so ids cannot be probed.
import type { Host, Network, Port, Tenant } from "../model/types";
import type { InventoryState, Vm } from "../inventory/types";
import type { HostLive } from "../live/types";
import type { Principal } from "./auth";
import { ApiError, notFound } from "./errors";

export function visibleTenantId(p: Principal): string | null {
  return p.role === "tenant" ? p.tenantId ?? "\u0000none" : null;
}

export function findTenant(state: InventoryState, p: Principal, ref: string): Tenant {
  const scope = visibleTenantId(p);
  const t = state.model.tenants.find((x) => x.id === ref || x.name === ref);
  if (!t || (scope !== null && t.id !== scope)) throw notFound("tenant", ref);
  return t;
}

export function findHost(state: InventoryState, ref: string): Host {
  const h = state.model.hosts.find((x) => x.id === ref || x.name === ref);
  if (!h) throw notFound("host", ref);
  return h;
}

/** Networks by id, or by name within `tenantId` when given (names are unique only per tenant). */
export function findNetwork(state: InventoryState, p: Principal, ref: string, tenantId?: string): Network {
  const scope = visibleTenantId(p);
  const candidates = state.model.networks.filter(
    (n) => (scope === null || n.tenantId === scope) && (n.id === ref || (n.name === ref && (tenantId === undefined || n.tenantId === tenantId))),
  );
  const exact = candidates.find((n) => n.id === ref);
  if (exact) return exact;
  if (candidates.length > 1) {
    throw new ApiError(409, "conflict", `network name "${ref}" is used by several tenants: use the network id or name the tenant`);
  }
  if (!candidates[0]) throw notFound("network", ref);
  return candidates[0];
}

export function findVm(state: InventoryState, p: Principal, ref: string): Vm {
  const scope = visibleTenantId(p);
  const vm = state.vms.find((v) => v.id === ref || v.name === ref);
  if (!vm || (scope !== null && vm.tenantId !== scope)) throw notFound("VM", ref);
  return vm;
}

export function networkView(state: InventoryState, n: Network) {
  const tenant = state.model.tenants.find((t) => t.id === n.tenantId)?.name ?? n.tenantId;
  return { ...n, tenant };
}

export function nicView(state: InventoryState, port: Port, vm: Vm) {
  const network = state.model.networks.find((n) => n.id === port.networkId);
  return {
    id: port.id,
    networkId: port.networkId,
    network: network?.name ?? port.networkId,
    mac: port.mac,
    ip: port.ip,
    ipAssignment: port.ipAssignment,
    ifaceId: port.ifaceId,
    ...(vm.netns ? { netns: vm.netns } : {}),
  };
}

export function vmView(state: InventoryState, vm: Vm) {
  return {
    ...vm,
    tenant: state.model.tenants.find((t) => t.id === vm.tenantId)?.name ?? vm.tenantId,
    host: state.model.hosts.find((h) => h.id === vm.hostId)?.name ?? vm.hostId,
    nics: state.model.ports.filter((p) => p.vmId === vm.id).map((p) => nicView(state, p, vm)),
  };
}

export function hostView(state: InventoryState, h: Host, live: HostLive | undefined, p: Principal) {
  if (p.role !== "admin") return { id: h.id, name: h.name, backend: h.backend };
  const vms = state.vms.filter((v) => v.hostId === h.id);
  return {
    ...h,
    status: {
      ovsdbConnected: live?.ovsdbConnected ?? false,
      openflowConnected: live?.openflowConnected ?? false,
      ...(live?.dpid ? { dpid: live.dpid } : {}),
      libvirtReachable: live?.libvirtReachable ?? false,
    },
    counts: {
      vms: vms.length,
      runningVms: vms.filter((v) => v.state === "running").length,
      ports: state.model.ports.filter((x) => x.hostId === h.id).length,
    },
  };
}
