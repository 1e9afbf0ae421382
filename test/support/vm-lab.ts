// What the VM integration tests share on top of a lab (test/support/lab.ts): the model host for a
// lab host, br-int made standalone with the host's uplink on it (the lab's site LAN, with its
// dnsmasq, then stands in for a flat provider network when no controller runs), a VM's spec read
// from a model, and polling for something a VM does asynchronously (a lease, a port).
import type { VmSpec } from "../../src/api/vm-driver";
import type { Lab } from "../../src/lab/lab";
import type { Host, HostBackend, NetworkModel } from "../../src/model/types";
import { ensureBridge, ensurePort } from "../../src/ovsdb/vswitch";

type LabHost = Lab["plan"]["hosts"][number];

/** The model host for a lab host (its id and name are the lab host's name). */
export function labHost(h: LabHost, backend: HostBackend, extra: Partial<Host> = {}): Host {
  return { id: h.name, name: h.name, managementAddress: h.mgmtAddress, ovsdbTarget: h.ovsdbTarget, backend, tunnelIp: h.underlayAddress, ...extra };
}

/** br-int in standalone mode (NORMAL forwarding) with each host's uplink on it. */
export async function standaloneBrInt(lab: Lab, hosts: readonly LabHost[] = lab.plan.hosts): Promise<void> {
  for (const h of hosts) {
    const client = await lab.client(h.name);
    await ensureBridge(client, { name: "br-int", datapathType: "netdev", failMode: "standalone" });
    await ensurePort(client, "br-int", { name: h.uplinkIface });
  }
}

/** A VM's spec as the API would build it: its host and the model ports it owns, with their networks. */
export function specFromModel(model: NetworkModel, vm: VmSpec["vm"]): VmSpec {
  const host = model.hosts.find((h) => h.id === vm.hostId);
  if (!host) throw new Error(`no host ${vm.hostId} in the model`);
  return {
    vm,
    host,
    nics: model.ports
      .filter((p) => p.vmId === vm.id)
      .map((port) => {
        const network = model.networks.find((n) => n.id === port.networkId);
        if (!network) throw new Error(`port ${port.id} names a missing network`);
        return { port, network };
      }),
  };
}

/** Polls `probe` until it returns something other than undefined/false; fails naming `what`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, ms = 15_000, stepMs = 100): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
