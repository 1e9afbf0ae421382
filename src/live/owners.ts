// Who owns a flow, from its cookie (the pipeline's scheme: kind, role, hash of the owner's id)
// and the inventory: a port's flows belong to the port's network's tenant and to its VM; a
// network's flows to the network's tenant; host wiring and table-miss flows to nobody (admins
// only). The hash → object maps are rebuilt only when the inventory state changes.
import { decodeCookie, idHash } from "../pipeline/cookie";
import type { InventoryState } from "../inventory/types";
import type { FlowOwner } from "./types";

export function cookieOwners(currentState: () => InventoryState): (cookie: bigint) => FlowOwner {
  let cachedFor: InventoryState | undefined;
  let byPort = new Map<bigint, FlowOwner>();
  let byNetwork = new Map<bigint, FlowOwner>();
  const rebuild = (state: InventoryState) => {
    const tenantName = new Map(state.model.tenants.map((t) => [t.id, t.name]));
    const vmName = new Map(state.vms.map((v) => [v.id, v.name]));
    const nets = new Map(state.model.networks.map((n) => [n.id, n]));
    byNetwork = new Map(
      state.model.networks.map((n) => [idHash(n.id), definedOnly({ tenant: tenantName.get(n.tenantId), network: n.name })]),
    );
    byPort = new Map(
      state.model.ports.map((p) => {
        const net = nets.get(p.networkId);
        return [
          idHash(p.id),
          definedOnly({
            tenant: net ? tenantName.get(net.tenantId) : undefined,
            network: net?.name,
            vm: p.vmId ? vmName.get(p.vmId) : undefined,
          }),
        ];
      }),
    );
    cachedFor = state;
  };
  return (cookie) => {
    const info = decodeCookie(cookie);
    if (!info) return {};
    const state = currentState();
    if (state !== cachedFor) rebuild(state);
    if (info.kind === "port") return byPort.get(info.idHash) ?? {};
    if (info.kind === "network") return byNetwork.get(info.idHash) ?? {};
    return {};
  };
}

function definedOnly(o: FlowOwner): FlowOwner {
  const out: FlowOwner = {};
  if (o.tenant !== undefined) out.tenant = o.tenant;
  if (o.network !== undefined) out.network = o.network;
  if (o.vm !== undefined) out.vm = o.vm;
  return out;
}
