// The libvirt driver: a VM is a QEMU guest defined by domain XML (./xml.ts) that boots the
// project's guest image (../image/). On a lab host, each NIC is a tap libvirt creates in its own
// namespace, which the driver moves into the host's namespace (QEMU keeps its file descriptor)
// and plugs into the host's switch like any VM NIC (../plug.ts). On a host that is this machine
// (libvirtUri qemu:///system, OVS at its default paths), libvirt plugs NICs itself.
//
//   create   build (or reuse) the guest image, `virsh define` the domain: "stopped"
//   start    redefine (NICs may have changed), `virsh start`, move and plug the taps
//   stop     `virsh destroy` (the guest has no ACPI daemon to shut down gracefully), unplug
//   reboot   `virsh reset`: the taps survive
//   destroy  stop, `virsh undefine`, remove the XML and the console log
// State comes from `virsh domstate`; "absent" when libvirt does not know the domain.

import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { run, tryRun } from "../../lab/exec";
import type { VmDriver, VmSpec } from "../../api/vm-driver";
import { VmDriverError } from "../errors";
import { buildGuestImage, type GuestImage } from "../image/build";
import { leasesFromConsole } from "../image/guest";
import { matchLabHost, readLabs, type LocalHost } from "../locate";
import { checkSpec, domainName, nicHostIfName } from "../names";
import { listLinks, plugNic, unplugNic, OvsdbPool, type HostSide } from "../plug";
import { LOCAL_URI, ensureLibvirtd, isLocalUri, virsh, virshOk } from "./virsh";
import { domainXml, interfaceXml, parseDomiflist, parseDomstate, type NicMode } from "./xml";
import { KeyedQueue } from "../keyed-queue";

export interface LibvirtDriverOptions {
  dataDir: string;
  /** Default "qemu" (TCG): KVM guests hang on this kind of machine (lab-notes). */
  domainType?: "qemu" | "kvm";
  /** Lab host lookup; default: the labs on this machine. */
  locate?: (spec: VmSpec) => LocalHost | undefined;
  /** The image to boot; default: buildGuestImage in dataDir. */
  image?: () => Promise<GuestImage>;
  log?: (line: string) => void;
}

interface Where {
  uri: string;
  domain: string;
  mode: NicMode;
  /** Set in "tap" mode: where the taps go. */
  side?: HostSide;
  xmlPath: string;
  consoleLog: string;
}

export class LibvirtDriver implements VmDriver {
  private readonly pool = new OvsdbPool();
  private imagePromise: Promise<GuestImage> | undefined;
  private daemons: Promise<string[]> | undefined;
  private readonly queue = new KeyedQueue();

  constructor(private readonly options: LibvirtDriverOptions) {}

  private where(spec: VmSpec): Where {
    checkSpec(spec);
    const domain = domainName(spec.vm.name);
    const dir = join(this.options.dataDir, "libvirt");
    const files = { xmlPath: join(dir, `${domain}.xml`), consoleLog: join(dir, `${domain}.console.log`) };
    const local = this.options.locate ? this.options.locate(spec) : matchLabHost(spec.host, readLabs());
    if (local) {
      const side: HostSide = { hostName: spec.host.name, backend: spec.host.backend, netns: local.netns, ovsdbTarget: local.ovsdbTarget, pool: this.pool };
      return { uri: LOCAL_URI, domain, mode: "tap", side, ...files };
    }
    const uri = spec.host.libvirtUri;
    if (uri && isLocalUri(uri)) return { uri, domain, mode: spec.host.backend === "ovs" ? "ovs" : "bridge", ...files };
    throw new VmDriverError(
      uri
        ? `host ${spec.host.name} has libvirt URI ${uri}: remote libvirt hosts need the guest image on them, which vnet does not copy yet; use a lab host or a host whose libvirtUri is ${LOCAL_URI}`
        : `host ${spec.host.name} is not a lab host on this machine and has no libvirt URI: set libvirtUri (${LOCAL_URI} for this machine)`,
    );
  }

  private serial<T>(spec: VmSpec, op: (w: Where) => Promise<T>): Promise<T> {
    let w: Where;
    try {
      w = this.where(spec);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.queue.run(w.domain, () => op(w));
  }

  private image(): Promise<GuestImage> {
    if (!this.imagePromise) {
      const build = this.options.image ?? (() => buildGuestImage({ dataDir: this.options.dataDir, ...(this.options.log ? { log: this.options.log } : {}) }));
      this.imagePromise = build();
      this.imagePromise.catch(() => (this.imagePromise = undefined));
    }
    return this.imagePromise;
  }

  private async ready(w: Where): Promise<void> {
    if (!this.daemons) {
      this.daemons = ensureLibvirtd(w.uri, this.options.log);
      this.daemons.catch(() => (this.daemons = undefined));
    }
    await this.daemons;
  }

  private async domstate(w: Where): Promise<"running" | "stopped" | "absent"> {
    const r = await virsh(w.uri, ["domstate", w.domain]);
    if (r.code !== 0) {
      if (/failed to get domain|Domain not found|no domain with matching name/i.test(r.stderr)) return "absent";
      throw new VmDriverError(`asking libvirt for ${w.domain}'s state failed: ${r.stderr.trim()}`);
    }
    return parseDomstate(r.stdout);
  }

  private async define(spec: VmSpec, w: Where): Promise<void> {
    const img = await this.image();
    mkdirSync(join(this.options.dataDir, "libvirt"), { recursive: true });
    const xml = domainXml(spec, {
      domainType: this.options.domainType ?? "qemu",
      kernel: img.kernel,
      initrd: img.initrd,
      consoleLog: w.consoleLog,
      nicMode: w.mode,
      runAsRoot: w.mode === "tap",
    });
    writeFileSync(w.xmlPath, xml);
    await virshOk(w.uri, ["define", w.xmlPath], `defining domain ${w.domain}`);
  }

  create(spec: VmSpec): Promise<{ netns?: string }> {
    return this.serial(spec, async (w) => {
      await this.ready(w);
      if ((await this.domstate(w)) !== "running") await this.define(spec, w);
      return {};
    });
  }

  start(spec: VmSpec): Promise<void> {
    return this.serial(spec, async (w) => {
      await this.ready(w);
      const state = await this.domstate(w);
      if (state === "running") {
        await this.applyNics(spec, w);
        return;
      }
      await this.define(spec, w);
      await virshOk(w.uri, ["start", w.domain], `starting ${w.domain}`);
      try {
        for (const nic of spec.nics) await this.plugTap(spec, w, nic);
      } catch (err) {
        await virsh(w.uri, ["destroy", w.domain]);
        await this.unplugAll(spec, w);
        throw err;
      }
    });
  }

  stop(spec: VmSpec): Promise<void> {
    return this.serial(spec, async (w) => {
      await this.ready(w);
      if ((await this.domstate(w)) === "running") await virshOk(w.uri, ["destroy", w.domain], `stopping ${w.domain}`);
      await this.unplugAll(spec, w);
    });
  }

  reboot(spec: VmSpec): Promise<void> {
    return this.serial(spec, async (w) => {
      await this.ready(w);
      if ((await this.domstate(w)) !== "running") throw new VmDriverError(`VM "${spec.vm.name}" is not running`);
      await virshOk(w.uri, ["reset", w.domain], `resetting ${w.domain}`);
    });
  }

  destroy(spec: VmSpec): Promise<void> {
    return this.serial(spec, async (w) => {
      await this.ready(w);
      const state = await this.domstate(w);
      if (state === "running") await virshOk(w.uri, ["destroy", w.domain], `stopping ${w.domain}`);
      if (state !== "absent") await virshOk(w.uri, ["undefine", w.domain], `undefining ${w.domain}`);
      await this.unplugAll(spec, w);
      rmSync(w.xmlPath, { force: true });
      rmSync(w.consoleLog, { force: true });
    });
  }

  async state(spec: VmSpec): Promise<"running" | "stopped" | "absent"> {
    const w = this.where(spec);
    await this.ready(w);
    return this.domstate(w);
  }

  /** Hot-plugs NICs added to a running VM's spec and unplugs those removed; redefines a stopped one. */
  syncNics(spec: VmSpec): Promise<void> {
    return this.serial(spec, async (w) => {
      await this.ready(w);
      const state = await this.domstate(w);
      if (state === "stopped") await this.define(spec, w);
      if (state === "running") await this.applyNics(spec, w);
    });
  }

  /** What the guest printed on its serial console so far. */
  console(spec: VmSpec): string {
    try {
      return readFileSync(this.where(spec).consoleLog, "utf8");
    } catch {
      return "";
    }
  }

  /** Leases the guest reported on its console: guest interface -> "A.B.C.D/LEN". */
  leases(spec: VmSpec): Record<string, string> {
    return leasesFromConsole(this.console(spec));
  }

  close(): void {
    this.pool.close();
  }

  private async applyNics(spec: VmSpec, w: Where): Promise<void> {
    const have = parseDomiflist(await virshOk(w.uri, ["domiflist", w.domain], `listing ${w.domain}'s NICs`));
    const wanted = new Set(spec.nics.map((n) => n.port.mac));
    for (const nic of have.filter((h) => !wanted.has(h.mac))) {
      await virshOk(w.uri, ["detach-interface", w.domain, nic.type, "--mac", nic.mac, "--live", "--config"], `unplugging ${nic.mac} from ${w.domain}`);
      if (w.side && /^vnp[0-9a-f]{12}$/.test(nic.ifname)) {
        await unplugNic(w.side, nic.ifname);
        await tryRun(["ip", "-n", w.side.netns, "link", "del", nic.ifname]);
      }
    }
    for (const nic of spec.nics) {
      if (!have.some((h) => h.mac === nic.port.mac)) {
        const file = join(this.options.dataDir, "libvirt", `${w.domain}.nic.xml`);
        writeFileSync(file, interfaceXml(spec, nic, w.mode) + "\n");
        await virshOk(w.uri, ["attach-device", w.domain, file, "--live", "--config"], `plugging ${nic.port.mac} into ${w.domain}`);
        rmSync(file, { force: true });
      }
      await this.plugTap(spec, w, nic);
    }
  }

  /** Tap mode: moves a NIC's tap from libvirt's namespace into the host's, then plugs it. */
  private async plugTap(spec: VmSpec, w: Where, nic: VmSpec["nics"][number]): Promise<void> {
    if (!w.side) return;
    const tap = nicHostIfName(nic.port.id);
    const inRoot = (await tryRun(["ip", "link", "show", "dev", tap])).code === 0;
    if (inRoot) await run(["ip", "link", "set", "dev", tap, "netns", w.side.netns]);
    else if (!(await listLinks(w.side.netns)).some((l) => l.name === tap)) {
      throw new VmDriverError(`the tap ${tap} of ${w.domain} is neither in libvirt's namespace nor on host ${spec.host.name}`);
    }
    await plugNic(w.side, tap, spec, nic);
  }

  private async unplugAll(spec: VmSpec, w: Where): Promise<void> {
    if (!w.side) return;
    for (const nic of spec.nics) {
      const tap = nicHostIfName(nic.port.id);
      await unplugNic(w.side, tap);
      // QEMU's exit removes a tap it created; one left by a crash goes here.
      await tryRun(["ip", "-n", w.side.netns, "link", "del", tap]);
    }
  }
}
