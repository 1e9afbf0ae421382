// Names the VM drivers give to what they create, and the checks on a VmSpec before any I/O. Pure:
// every name follows from the spec, so a driver finds its own objects again after a restart
// ("state from what exists") without keeping a database of its own.

import { portIfName } from "../kernel/linkset";
import { overlayBridgeName, providerBridgeName } from "../kernel/linkset";
import type { Network } from "../model/types";
import type { VmSpec } from "../api/vm-driver";
import { VmDriverError } from "./errors";

/** At most this many NICs per VM (the API allows 16; eth0..eth15). */
export const MAX_NICS = 16;

/** The integration bridge every OVS host binds VM ports on (the OVS realiser makes it). */
export const INTEGRATION_BRIDGE = "br-int";

const VM_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/**
 * The host-side interface of a NIC (veth end or tap): the kernel backend binds it to the model
 * port by this very name, so both backends share it; 15 characters, unique per port.
 */
export const nicHostIfName = (portId: string): string => portIfName(portId);

/** The guest-side name of the i-th NIC (netns VMs; libvirt guests name theirs themselves). */
export const nicGuestIfName = (index: number): string => `eth${index}`;

/** A netns VM's namespace: next to its host's, so removing a lab removes its VMs too. */
export const vmNetnsName = (hostNetns: string, vmName: string): string => `${hostNetns}-vm-${vmName}`;

/** The libvirt domain of a VM. */
export const domainName = (vmName: string): string => `vm-${vmName}`;

/** The Linux bridge a network's ports join on a kernel-bridge host (named by src/kernel). */
export function networkBridgeName(network: Network): string {
  return network.kind === "overlay" ? overlayBridgeName(network.segmentationId ?? 0) : providerBridgeName(network.segmentationId);
}

/** external_ids of a NIC's OVS Interface: what libvirt sets and what the realiser binds on. */
export function nicExternalIds(spec: VmSpec, nic: VmSpec["nics"][number]): Record<string, string> {
  return { "iface-id": nic.port.ifaceId, "attached-mac": nic.port.mac, "vm-id": spec.vm.id, "iface-status": "active" };
}

/**
 * Refuses a spec no driver could realise, before anything is touched: bad VM name, NICs of
 * another host, duplicate or malformed MACs, too many NICs, a NIC whose network is missing.
 */
export function checkSpec(spec: VmSpec): void {
  const { vm, host, nics } = spec;
  if (!vm || !host || !Array.isArray(nics)) throw new VmDriverError("a VM spec needs a VM, its host and its NICs");
  if (!VM_NAME_RE.test(vm.name)) throw new VmDriverError(`bad VM name "${vm.name}": 1-63 letters, digits, '.', '_' or '-'`);
  if (vm.hostId !== host.id) throw new VmDriverError(`VM "${vm.name}" is on host ${vm.hostId}, but the spec names host ${host.id}`);
  if (nics.length > MAX_NICS) throw new VmDriverError(`VM "${vm.name}" has ${nics.length} NICs: at most ${MAX_NICS}`);
  const macs = new Set<string>();
  for (const { port, network } of nics) {
    if (!network || network.id !== port.networkId) throw new VmDriverError(`NIC ${port.id} of VM "${vm.name}" has no network in the spec`);
    if (port.hostId !== host.id) throw new VmDriverError(`NIC ${port.id} of VM "${vm.name}" is bound to host ${port.hostId}, not ${host.id}`);
    if (!MAC_RE.test(port.mac) || parseInt(port.mac.slice(0, 2), 16) & 1) {
      throw new VmDriverError(`NIC ${port.id} of VM "${vm.name}" has a bad MAC "${port.mac}": six lowercase hex pairs, unicast`);
    }
    if (macs.has(port.mac)) throw new VmDriverError(`VM "${vm.name}" has two NICs with MAC ${port.mac}`);
    macs.add(port.mac);
    if (!port.ifaceId) throw new VmDriverError(`NIC ${port.id} of VM "${vm.name}" has no iface-id`);
  }
}
