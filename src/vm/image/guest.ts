// What goes into the guest's initramfs (pure): the /init script, the DHCP event script, and the
// archive layout around a static busybox and the virtio-net modules. The guest brings up every
// NIC, runs udhcpc on each, prints each lease on the serial console as one line that tools grep
// for, and then keeps a shell on the console.

import type { CpioEntry } from "./cpio";

/** The modules virtio-net needs, in load order (those built into the kernel are skipped). */
export const VIRTIO_NET_MODULES = [
  "virtio_ring",
  "virtio",
  "virtio_pci_modern_dev",
  "virtio_pci_legacy_dev",
  "virtio_pci",
  "failover",
  "net_failover",
  "virtio_net",
] as const;

/** The line the guest prints per lease: `VNET-LEASE eth0 203.0.113.9/27 router 203.0.113.1`. */
export const LEASE_MARK = "VNET-LEASE";
export const BOOT_MARK = "VNET-BOOTED";

/** Kernel command line: serial console, quiet, hostname for DHCP option 12, no reboot on panic. */
export function kernelCmdline(hostname: string): string {
  const safe = hostname.replace(/[^A-Za-z0-9._-]/g, "-").slice(0, 63) || "guest";
  return `console=ttyS0 loglevel=3 panic=-1 vnet.hostname=${safe}`;
}

/** Parses the serial console log for leases: interface -> "A.B.C.D/LEN". */
export function leasesFromConsole(log: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = new RegExp(`^${LEASE_MARK} (\\S+) (\\d{1,3}(?:\\.\\d{1,3}){3}/\\d{1,2})`, "gm");
  for (const m of log.replace(/\r/g, "").matchAll(re)) out[m[1]!] = m[2]!;
  return out;
}

export function initScript(modules: readonly string[]): string {
  return `#!/bin/busybox sh
# vnet guest init: busybox, virtio-net, udhcpc on every NIC, a shell on the console.
/bin/busybox mkdir -p /proc /sys /dev /run /tmp /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
name=guest
for word in $(cat /proc/cmdline); do
  case "$word" in vnet.hostname=*) name="\${word#vnet.hostname=}" ;; esac
done
hostname "$name"
for m in ${modules.join(" ")}; do
  insmod "/lib/modules/$m.ko" || echo "vnet-guest: could not load $m"
done
ip link set lo up
echo "${BOOT_MARK} $(uname -r) $name"
# NICs appear as the virtio devices probe: give them a moment.
for i in 1 2 3 4 5 6 7 8 9 10; do
  [ -n "$(ls /sys/class/net | grep -v '^lo$')" ] && break
  sleep 0.2
done
for dev in /sys/class/net/*; do
  ifname="\${dev##*/}"
  [ "$ifname" = lo ] && continue
  ip link set "$ifname" up
  udhcpc -b -i "$ifname" -s /etc/udhcpc.sh -t 5 -T 1 -A 2 -x "hostname:$name" >/dev/null 2>&1
done
while :; do
  setsid cttyhack sh
  sleep 1
done
`;
}

export function dhcpScript(): string {
  return `#!/bin/sh
# vnet guest: udhcpc event handler; prints each lease on the console.
case "$1" in
  deconfig)
    ip -4 addr flush dev "$interface"
    ip link set "$interface" up
    ;;
  bound|renew)
    ip -4 addr flush dev "$interface"
    ip addr add "$ip/\${mask:-24}" dev "$interface"
    gw=none
    if [ -n "$router" ]; then
      set -- $router
      gw="$1"
      ip route replace default via "$gw" dev "$interface"
    fi
    echo "${LEASE_MARK} $interface $ip/\${mask:-24} router $gw" > /dev/console
    ;;
esac
exit 0
`;
}

/** The archive's entries around a static busybox and the module files (name -> bytes). */
export function initramfsEntries(busybox: Buffer, modules: ReadonlyArray<readonly [string, Buffer]>): CpioEntry[] {
  return [
    ...["bin", "dev", "etc", "lib", "lib/modules", "proc", "sys", "run", "tmp"].map((path): CpioEntry => ({ type: "dir", path })),
    // The kernel opens /dev/console for init before anything is mounted.
    { type: "chardev", path: "dev/console", major: 5, minor: 1 },
    { type: "file", path: "bin/busybox", data: busybox, mode: 0o755 },
    { type: "symlink", path: "bin/sh", target: "busybox" },
    { type: "file", path: "init", data: initScript(modules.map(([name]) => name)), mode: 0o755 },
    { type: "file", path: "etc/udhcpc.sh", data: dhcpScript(), mode: 0o755 },
    ...modules.map(([name, data]): CpioEntry => ({ type: "file", path: `lib/modules/${name}.ko`, data })),
  ];
}

/** True when an ELF executable has no program interpreter (statically linked). */
export function isStaticElf(bin: Buffer): boolean {
  if (bin.length < 64 || bin.readUInt32BE(0) !== 0x7f454c46 || bin[4] !== 2) return false; // ELF64 only
  const le = bin[5] === 1;
  const u16 = (o: number) => (le ? bin.readUInt16LE(o) : bin.readUInt16BE(o));
  const u32 = (o: number) => (le ? bin.readUInt32LE(o) : bin.readUInt32BE(o));
  const phoff = Number(le ? bin.readBigUInt64LE(0x20) : bin.readBigUInt64BE(0x20));
  const phentsize = u16(0x36);
  const phnum = u16(0x38);
  if (phoff + phentsize * phnum > bin.length) return false;
  for (let i = 0; i < phnum; i++) if (u32(phoff + i * phentsize) === 3 /* PT_INTERP */) return false;
  return true;
}
