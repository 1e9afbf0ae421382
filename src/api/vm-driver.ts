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
  /** Restarts a running VM. Without it, the API stops and starts the VM. */
  reboot?(spec: VmSpec): Promise<void>;
  /**
   * Brings a running VM's NICs in line with `spec.nics` after NICs were added, removed or moved
   * to another network (idempotent). Without it, the NICs of a running VM cannot be changed.
   */
  syncNics?(spec: VmSpec): Promise<void>;
}

export type VmDriverResolver = (host: Host, kind: VmDriverKind) => VmDriver | undefined;

export const noDrivers: VmDriverResolver = () => undefined;
