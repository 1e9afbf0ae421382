// The inventory's desired state as the live view shows it: hosts, VMs with their NICs, networks.
// Pure; `feedInventory` wires a store to a view so every acknowledged write appears live.
import type { InventoryState, InventoryStore } from "../inventory/types";
import type { LiveEvents, Topology } from "./types";

export function inventoryTopology(state: InventoryState): Pick<Topology, "hosts" | "vms" | "networks"> {
  const tenantName = new Map(state.model.tenants.map((t) => [t.id, t.name]));
  const hostName = new Map(state.model.hosts.map((h) => [h.id, h.name]));
  const netName = new Map(state.model.networks.map((n) => [n.id, n.name]));
  return {
    hosts: state.model.hosts.map((h) => ({
      name: h.name,
      backend: h.backend,
      address: h.managementAddress,
      ovsdbConnected: false,
      openflowConnected: false,
      libvirtReachable: false,
    })),
    vms: state.vms.map((vm) => ({
      id: vm.id,
      name: vm.name,
      tenant: tenantName.get(vm.tenantId) ?? vm.tenantId,
      host: hostName.get(vm.hostId) ?? vm.hostId,
      state: vm.state,
      nics: state.model.ports
        .filter((p) => p.vmId === vm.id)
        .map((p) => ({
          network: netName.get(p.networkId) ?? p.networkId,
          mac: p.mac,
          ...(p.ip ? { ip: p.ip } : {}),
          ...(vm.netns ? { netns: vm.netns } : {}),
        })),
    })),
    networks: state.model.networks.map((n) => ({
      id: n.id,
      name: n.name,
      tenant: tenantName.get(n.tenantId) ?? n.tenantId,
      subnet: n.subnet,
    })),
  };
}

/** Pushes the store's state into the view now and after every commit; returns the unsubscribe. */
export function feedInventory(store: InventoryStore, live: LiveEvents): () => void {
  live.topologyChanged(inventoryTopology(store.state()));
  return store.onChange((state) => live.topologyChanged(inventoryTopology(state)));
}
