import { describe, expect, it } from "vitest";
import { pickKernelDeb, resolveModules } from "../../../src/vm/image/kernel";

describe("guest kernel selection", () => {
  it("maps each virtio-net module to its file, or to built in", () => {
    const files = ["drivers/virtio/virtio.ko", "drivers/virtio/virtio_ring.ko", "drivers/virtio/virtio_pci.ko", "drivers/net/virtio_net.ko", "net/core/failover.ko", "drivers/net/net_failover.ko", "drivers/virtio/virtio_pci_modern_dev.ko"];
    const m = resolveModules(files, "kernel/drivers/virtio/virtio_pci_legacy_dev.ko\n");
    expect(m.get("virtio_net")).toBe("drivers/net/virtio_net.ko");
    expect(m.get("virtio_pci_legacy_dev")).toBe("builtin");
    expect([...m.keys()]).toEqual(["virtio_ring", "virtio", "virtio_pci_modern_dev", "virtio_pci_legacy_dev", "virtio_pci", "failover", "net_failover", "virtio_net"]);
  });

  it("names the missing module", () => {
    expect(() => resolveModules(["drivers/virtio/virtio.ko"], "")).toThrow(/no module virtio_ring/);
  });

  it("picks the newest generic kernel package, a cloud one when that is all there is", () => {
    expect(
      pickKernelDeb([
        "linux-image-amd64_6.1.192-2_amd64.deb",
        "linux-image-6.1.0-53-cloud-amd64_6.1.187-1_amd64.deb",
        "linux-image-6.1.0-9-amd64_6.1.27-1_amd64.deb",
        "linux-image-6.1.0-40-amd64_6.1.150-1_amd64.deb",
        "linux-image-6.1.0-40-amd64-dbg_6.1.150-1_amd64.deb",
      ]),
    ).toBe("linux-image-6.1.0-40-amd64_6.1.150-1_amd64.deb");
    expect(pickKernelDeb(["linux-image-6.1.0-53-cloud-amd64_6.1.187-1_amd64.deb", "cpio_2.13_amd64.deb"])).toBe("linux-image-6.1.0-53-cloud-amd64_6.1.187-1_amd64.deb");
    expect(pickKernelDeb(["linux-image-amd64_6.1.192-2_amd64.deb"])).toBeUndefined();
  });
});
