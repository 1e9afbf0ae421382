import { describe, expect, it } from "vitest";
import { readFileSync, existsSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dhcpScript, initScript, initramfsEntries, isStaticElf, kernelCmdline, leasesFromConsole, VIRTIO_NET_MODULES } from "../../../src/vm/image/guest";
import { readCpio, writeCpio } from "../../../src/vm/image/cpio";

describe("guest image contents", () => {
  it("loads the virtio-net modules in dependency order, then runs udhcpc on each NIC", () => {
    const init = initScript(VIRTIO_NET_MODULES);
    expect(init).toContain("for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci failover net_failover virtio_net; do");
    expect(init.indexOf("insmod \"")).toBeGreaterThan(0);
    expect(init.indexOf("insmod \"")).toBeLessThan(init.indexOf("udhcpc -b"));
    expect(init).toMatch(/udhcpc -b -i "\$ifname" -s \/etc\/udhcpc.sh/);
  });

  it("both scripts are valid shell", () => {
    const dir = mkdtempSync(join(tmpdir(), "vm-guest-"));
    try {
      for (const [name, text] of [["init", initScript(["virtio"])], ["dhcp", dhcpScript()]]) {
        writeFileSync(join(dir, name!), text!);
        execFileSync("busybox", ["sh", "-n", join(dir, name!)]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the DHCP script prints the lease line the driver parses", () => {
    const dir = mkdtempSync(join(tmpdir(), "vm-guest-"));
    try {
      // Run the script with a stub `ip` and /dev/console redirected to a file.
      writeFileSync(join(dir, "ip"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
      const script = dhcpScript().replace(/\/dev\/console/g, join(dir, "console"));
      writeFileSync(join(dir, "s.sh"), script);
      execFileSync("sh", [join(dir, "s.sh"), "bound"], {
        env: { PATH: `${dir}:/usr/bin:/bin`, interface: "eth0", ip: "203.0.113.9", mask: "27", router: "203.0.113.1 203.0.113.2" },
      });
      const log = readFileSync(join(dir, "console"), "utf8");
      expect(leasesFromConsole(log)).toEqual({ eth0: "203.0.113.9/27" });
      expect(log).toContain("router 203.0.113.1\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("parses leases from a console log with carriage returns and noise", () => {
    const log = "[    0.1] boot\r\nVNET-BOOTED 6.1 a\r\nVNET-LEASE eth0 198.51.100.7/24 router none\r\nVNET-LEASE eth1 bogus\r\n";
    expect(leasesFromConsole(log)).toEqual({ eth0: "198.51.100.7/24" });
    expect(leasesFromConsole("")).toEqual({});
  });

  it("puts a safe hostname on the kernel command line", () => {
    expect(kernelCmdline("web-1")).toBe("console=ttyS0 loglevel=3 panic=-1 vnet.hostname=web-1");
    expect(kernelCmdline("a b;rm")).toContain("vnet.hostname=a-b-rm");
  });

  it("tells a static executable from a dynamic one", () => {
    if (existsSync("/bin/busybox")) expect(isStaticElf(readFileSync("/bin/busybox"))).toBe(true);
    expect(isStaticElf(readFileSync(process.execPath))).toBe(false); // node is dynamically linked
    expect(isStaticElf(Buffer.from("#!/bin/sh\n"))).toBe(false);
  });

  it("lays out the initramfs: console node, busybox, init, modules", () => {
    const members = readCpio(writeCpio(initramfsEntries(Buffer.from("BB"), [["virtio", Buffer.from("KO")]])));
    const paths = members.map((m) => m.path);
    expect(paths).toEqual(expect.arrayContaining(["dev/console", "bin/busybox", "bin/sh", "init", "etc/udhcpc.sh", "lib/modules/virtio.ko"]));
    expect(members.find((m) => m.path === "init")!.mode & 0o111).toBe(0o111);
    expect(members.find((m) => m.path === "init")!.data.toString()).toContain("for m in virtio; do");
  });
});
