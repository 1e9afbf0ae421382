import { describe, expect, it } from "vitest";
import { domainXml, interfaceXml, parseDomiflist, parseDomstate, xmlEscape } from "../../../src/vm/libvirt/xml";
import { nicHostIfName } from "../../../src/vm/names";
import { host, overlay, spec } from "./fixtures";

const opts = { domainType: "qemu" as const, kernel: "/d/vmlinuz", initrd: "/d/initrd.img", consoleLog: "/d/vm-web1.console.log", nicMode: "tap" as const };

/** Every element opened is closed, in order (a tiny well-formedness check: libvirt rejects less). */
function balanced(xml: string): boolean {
  const stack: string[] = [];
  for (const m of xml.matchAll(/<(\/?)([A-Za-z][\w:.-]*)[^>]*?(\/?)>/g)) {
    if (m[3]) continue;
    if (!m[1]) stack.push(m[2]!);
    else if (stack.pop() !== m[2]) return false;
  }
  return stack.length === 0;
}

describe("libvirt domain XML", () => {
  it("is well formed in every NIC mode, with and without a root seclabel", () => {
    for (const nicMode of ["tap", "ovs", "bridge"] as const) {
      for (const runAsRoot of [false, true]) expect(balanced(domainXml(spec(), { ...opts, nicMode, runAsRoot })), `${nicMode} ${runAsRoot}`).toBe(true);
    }
    expect(balanced("<a><b></a></b>")).toBe(false);
    expect(domainXml(spec(), { ...opts, runAsRoot: true })).toContain("<seclabel type='static' model='dac' relabel='no'><label>+0:+0</label></seclabel>");
    expect(domainXml(spec(), opts)).not.toContain("seclabel");
  });

  it("boots the guest image directly under TCG with 128 MiB, no balloon, a 16 MiB TB cache, console logged", () => {
    const xml = domainXml(spec(), opts);
    expect(xml).toMatch(/^<domain type='qemu'>/);
    expect(xml).toContain("<name>vm-web1</name>");
    expect(xml).toContain("<memory unit='MiB'>128</memory>");
    expect(xml).toContain("<kernel>/d/vmlinuz</kernel>");
    expect(xml).toContain("<initrd>/d/initrd.img</initrd>");
    expect(xml).toContain("<cmdline>console=ttyS0 loglevel=3 panic=-1 vnet.hostname=web1</cmdline>");
    expect(xml).toContain("<tcg><tb-cache unit='MiB'>16</tb-cache></tcg>");
    expect(xml).toContain("<memballoon model='none'/>");
    expect(xml).toContain("<log file='/d/vm-web1.console.log' append='off'/>");
    expect(xml).not.toMatch(/<disk/);
    expect(domainXml(spec(), { ...opts, domainType: "kvm" })).not.toContain("tb-cache");
  });

  it("tap mode: a named tap with the port's MAC, checksum offload off on OVS hosts only", () => {
    const s = spec();
    const nic = interfaceXml(s, s.nics[0]!, "tap");
    expect(nic).toContain("<interface type='ethernet'>");
    expect(nic).toContain(`<target dev='${nicHostIfName("p1")}'/>`);
    expect(nic).toContain("<mac address='02:00:00:00:00:01'/>");
    expect(nic).toContain("<model type='virtio'/>");
    expect(nic).toContain("<host csum='off' gso='off' tso4='off' tso6='off' ecn='off' ufo='off'/>");
    const bridged = spec({ host: { ...host, backend: "bridge" } });
    expect(interfaceXml(bridged, bridged.nics[0]!, "tap")).not.toContain("csum");
  });

  it("ovs mode: br-int with an openvswitch virtualport carrying the iface-id; bridge mode: the network's bridge", () => {
    const s = spec();
    const ovs = interfaceXml(s, s.nics[0]!, "ovs");
    expect(ovs).toContain("<source bridge='br-int'/>");
    expect(ovs).toContain("<virtualport type='openvswitch'><parameters interfaceid='if-p1'/></virtualport>");
    const b = spec({ host: { ...host, backend: "bridge" } });
    expect(interfaceXml(b, b.nics[0]!, "bridge")).toContain(`<source bridge='vnbr${overlay.segmentationId}'/>`);
  });

  it("escapes what it interpolates", () => {
    expect(xmlEscape(`a<b>&"'`)).toBe("a&lt;b&gt;&amp;&quot;&apos;");
    const xml = domainXml(spec(), { ...opts, kernel: "/d/<x>&'k" });
    expect(xml).toContain("<kernel>/d/&lt;x&gt;&amp;&apos;k</kernel>");
  });

  it("reads virsh domiflist and domstate", () => {
    const text = [
      " Interface        Type       Source   Model    MAC",
      "-----------------------------------------------------------",
      " vnp0123456789ab  ethernet   -        virtio   02:00:00:00:00:01",
      " vnet3            bridge     br-int   virtio   02:00:00:00:00:0B",
    ].join("\n");
    expect(parseDomiflist(text)).toEqual([
      { ifname: "vnp0123456789ab", type: "ethernet", source: "-", mac: "02:00:00:00:00:01" },
      { ifname: "vnet3", type: "bridge", source: "br-int", mac: "02:00:00:00:00:0b" },
    ]);
    expect(parseDomstate("running\n")).toBe("running");
    expect(parseDomstate("shut off\n")).toBe("stopped");
    expect(parseDomstate("crashed\n")).toBe("stopped");
  });
});
