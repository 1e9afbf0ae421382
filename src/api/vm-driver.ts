// What the API needs from a VM driver (netns namespaces, libvirt domains). Drivers live elsewhere
// (src/vm/); `vnet serve` hands the app a resolver. When none answers for a host, VM operations
// fail with `no_vm_driver` instead of pretending to work.
import type { Host, Network, Port } from "../model/types";
import type { Vm, VmDriverKind } from "../inventory/types";

export interface VmSpec {
  vm: Vm;
  host: Host;
  nics: Array<{ port: Port; network: Network }>;
}

export interface VmDriver {
  /** Defines the VM on its host without starting it; returns what the inventory should record. */
  create(spec: VmSpec): Promise<{ netns?: string }>;
  start(spec: VmSpec): Promise<void>;
  stop(spec: VmSpec): Promise<void>;
  /** Removes the VM from its host; succeeds when it is already gone. */
  destroy(spec: VmSpec): Promise<void>;
  state(spec: VmSpec): Promise<"running" | "stopped" | "absent">;
}

export type VmDriverResolver = (host: Host, kind: VmDriverKind) => VmDriver | undefined;

export const noDrivers: VmDriverResolver = () => undefined;
