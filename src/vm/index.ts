// The VM drivers behind the API's one interface, and the resolver `vnet serve` hands the app:
// "netns" VMs run as namespaces next to lab hosts, "libvirt" VMs as QEMU guests under libvirtd.
// Each driver answers for every host and says precisely, per operation, when a host cannot run
// its kind of VM (e.g. "host h1 is not a lab host on this machine: ..."), which tells an operator
// more than a bare "no driver".
import type { VmDriver, VmDriverResolver, VmSpec } from "../api/vm-driver";
import { NetnsDriver, type NetnsDriverOptions } from "./netns/driver";
import { LibvirtDriver, type LibvirtDriverOptions } from "./libvirt/driver";

export { VmDriverError } from "./errors";
export { NetnsDriver } from "./netns/driver";
export { LibvirtDriver } from "./libvirt/driver";
export { buildGuestImage, type GuestImage } from "./image/build";

/** What both drivers offer beyond the API's interface (reboot, NIC changes on a running VM). */
export interface VmDriverExtras extends VmDriver {
  reboot(spec: VmSpec): Promise<void>;
  /** Adds, removes or re-plugs a running VM's NICs after its ports changed. */
  syncNics(spec: VmSpec): Promise<void>;
}

export interface VmDrivers {
  resolve: VmDriverResolver;
  netns: NetnsDriver;
  libvirt: LibvirtDriver;
  close(): void;
}

export function createVmDrivers(options: { dataDir: string; netns?: NetnsDriverOptions; libvirt?: Omit<LibvirtDriverOptions, "dataDir"> }): VmDrivers {
  const netns = new NetnsDriver(options.netns);
  const libvirt = new LibvirtDriver({ ...options.libvirt, dataDir: options.dataDir });
  return {
    netns,
    libvirt,
    resolve: (_host, kind) => (kind === "netns" ? netns : kind === "libvirt" ? libvirt : undefined),
    close() {
      netns.close();
      libvirt.close();
    },
  };
}
