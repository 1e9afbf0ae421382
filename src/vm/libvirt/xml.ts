// Domain XML for a vnet guest (pure): QEMU with direct kernel boot of the project's guest image,
// no disk, 128 MiB, no balloon, a 16 MiB TCG translation cache, the serial console on a pty whose
// output virtlogd also writes to a file, and one virtio NIC per port. How a NIC reaches the switch:
//   "tap":        <interface type='ethernet'> with a named tap in libvirtd's namespace, which the
//                 driver then moves into the host's namespace and plugs itself (lab hosts, whose
//                 OVS runs from a private run directory libvirt cannot reach)
//   "ovs":        <interface type='bridge'> on br-int with <virtualport type='openvswitch'> and the
//                 port's iface-id: libvirt adds the OVS port and its external_ids (real hosts)
//   "bridge":     <interface type='bridge'> on the network's Linux bridge (kernel-bridge hosts)
// NICs feeding OVS get the checksum-offload-off driver element: OVS netdev never completes a
// checksum the guest left to offload, and TCP then fails silently (lab-notes).

import type { VmSpec } from "../../api/vm-driver";
import { INTEGRATION_BRIDGE, domainName, networkBridgeName, nicHostIfName } from "../names";
import { kernelCmdline } from "../image/guest";

export type NicMode = "tap" | "ovs" | "bridge";

export interface DomainOptions {
  /** "qemu" (TCG) everywhere; "kvm" where the host's KVM works (here it hangs: lab-notes). */
  domainType: "qemu" | "kvm";
  kernel: string;
  initrd: string;
  consoleLog: string;
  nicMode: NicMode;
  memoryMiB?: number;
  vcpus?: number;
  tbCacheMiB?: number;
  /**
   * Run QEMU as root with no relabelling (DAC seclabel), as lab hosts do: the image may sit in a
   * directory only root can traverse, and plain libvirt-daemon creates no libvirt-qemu user.
   */
  runAsRoot?: boolean;
}

/** Escapes text for an XML attribute or element. */
export function xmlEscape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}

const CSUM_OFF = "<driver name='qemu'><host csum='off' gso='off' tso4='off' tso6='off' ecn='off' ufo='off'/></driver>";

/** One NIC's <interface> element (also what attach-device/detach-device take). */
export function interfaceXml(spec: VmSpec, nic: VmSpec["nics"][number], mode: NicMode): string {
  const x = xmlEscape;
  const tap = nicHostIfName(nic.port.id);
  const feedsOvs = spec.host.backend === "ovs";
  const lines: string[] = [];
  if (mode === "tap") {
    lines.push(`<interface type='ethernet'>`, `  <mac address='${x(nic.port.mac)}'/>`, `  <target dev='${tap}'/>`);
  } else if (mode === "ovs") {
    lines.push(
      `<interface type='bridge'>`,
      `  <mac address='${x(nic.port.mac)}'/>`,
      `  <source bridge='${INTEGRATION_BRIDGE}'/>`,
      `  <virtualport type='openvswitch'><parameters interfaceid='${x(nic.port.ifaceId)}'/></virtualport>`,
      `  <target dev='${tap}'/>`,
    );
  } else {
    lines.push(`<interface type='bridge'>`, `  <mac address='${x(nic.port.mac)}'/>`, `  <source bridge='${networkBridgeName(nic.network)}'/>`, `  <target dev='${tap}'/>`);
  }
  lines.push(`  <model type='virtio'/>`);
  if (feedsOvs) lines.push(`  ${CSUM_OFF}`);
  lines.push(`</interface>`);
  return lines.join("\n");
}

export function domainXml(spec: VmSpec, o: DomainOptions): string {
  const x = xmlEscape;
  const nics = spec.nics.map((n) => interfaceXml(spec, n, o.nicMode).replace(/^/gm, "    "));
  const tcg = o.domainType === "qemu" ? [`    <tcg><tb-cache unit='MiB'>${o.tbCacheMiB ?? 16}</tb-cache></tcg>`] : [];
  return [
    `<domain type='${o.domainType}'>`,
    `  <name>${x(domainName(spec.vm.name))}</name>`,
    `  <title>vnet VM ${x(spec.vm.name)}</title>`,
    `  <metadata>`,
    `    <vnet:vm xmlns:vnet='urn:vnet:vm:1' id='${x(spec.vm.id)}' name='${x(spec.vm.name)}' tenant='${x(spec.vm.tenantId)}' host='${x(spec.host.id)}'/>`,
    `  </metadata>`,
    `  <memory unit='MiB'>${o.memoryMiB ?? 128}</memory>`,
    `  <vcpu>${o.vcpus ?? 1}</vcpu>`,
    `  <os>`,
    `    <type arch='x86_64' machine='pc'>hvm</type>`,
    `    <kernel>${x(o.kernel)}</kernel>`,
    `    <initrd>${x(o.initrd)}</initrd>`,
    `    <cmdline>${x(kernelCmdline(spec.vm.name))}</cmdline>`,
    `  </os>`,
    `  <features>`,
    `    <acpi/>`,
    ...tcg,
    `  </features>`,
    `  <clock offset='utc'/>`,
    `  <on_poweroff>destroy</on_poweroff>`,
    `  <on_reboot>restart</on_reboot>`,
    `  <on_crash>destroy</on_crash>`,
    `  <devices>`,
    ...nics,
    `    <serial type='pty'>`,
    `      <log file='${x(o.consoleLog)}' append='off'/>`,
    `      <target port='0'/>`,
    `    </serial>`,
    `    <console type='pty'><target type='serial' port='0'/></console>`,
    `    <controller type='usb' model='none'/>`,
    `    <memballoon model='none'/>`,
    `  </devices>`,
    ...(o.runAsRoot ? [`  <seclabel type='static' model='dac' relabel='no'><label>+0:+0</label></seclabel>`] : []),
    `</domain>`,
    ``,
  ].join("\n");
}

/** Parses `virsh domiflist DOMAIN` (pure): the NICs a domain has, by MAC. */
export function parseDomiflist(text: string): Array<{ ifname: string; type: string; source: string; mac: string }> {
  return text
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 5 && /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(f[f.length - 1]!))
    .map((f) => ({ ifname: f[0]!, type: f[1]!, source: f[2]!, mac: f[f.length - 1]!.toLowerCase() }));
}

/** Maps `virsh domstate` output to the driver's states (pure). */
export function parseDomstate(text: string): "running" | "stopped" {
  const s = text.trim().split("\n")[0]!.trim();
  return /^(running|paused|idle|in shutdown|blocked|pmsuspended)/.test(s) ? "running" : "stopped";
}
