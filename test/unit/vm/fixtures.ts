// A small VM spec to vary in the driver unit tests.
import type { VmSpec } from "../../../src/api/vm-driver";
import type { Host, Network, Port } from "../../../src/model/types";

export const host: Host = { id: "h1", name: "h1", managementAddress: "198.51.100.2", ovsdbTarget: "tcp:198.51.100.2:6640", backend: "ovs", tunnelIp: "192.0.2.1" };
export const overlay: Network = { id: "n1", tenantId: "t1", name: "blue", kind: "overlay", segmentationId: 42, subnet: "203.0.113.0/24", gateway: null, dhcpRange: null, dns: [] };
export const flat: Network = { ...overlay, id: "n2", name: "site", kind: "provider", segmentationId: null };

export function port(id: string, mac: string, network: Network = overlay): Port {
  return { id, networkId: network.id, hostId: "h1", mac, ip: null, ipAssignment: "allocated", ifaceId: `if-${id}`, vmId: "vm-1" };
}

export function spec(over: Partial<VmSpec> = {}): VmSpec {
  return {
    vm: { id: "vm-1", name: "web1", tenantId: "t1", hostId: "h1", driver: "netns", state: "defined" },
    host,
    nics: [{ port: port("p1", "02:00:00:00:00:01"), network: overlay }],
    ...over,
  };
}
