// The netns driver: a VM is a network namespace next to its host's, each NIC a veth pair whose
// VM end is ethN (with the port's MAC) and whose host end, named after the port, is plugged into
// the host's switch (see ../plug.ts). For tests, demos and large simulated labs.
//
// Lifecycle, mirroring a libvirt guest whose taps exist only while it runs:
//   create   the namespace (lo down): the VM is "stopped"
//   start    lo up, one veth pair per NIC, plugged into the switch, one udhcpc per NIC
//   stop     DHCP clients stopped, ports removed from the switch, veth pairs deleted, lo down
//   destroy  all of that, then every process left in the namespace, the namespace, its run dir
// The state is read from the system, never remembered: no namespace = absent, lo up = running.

import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { run, tryRun, inNetns, type RunResult } from "../../lab/exec";
import { killPid } from "../../lab/ovs";
import type { VmDriver, VmSpec } from "../../api/vm-driver";
import { HostNotLocalError, VmDriverError } from "../errors";
import { locateHost, type LocalHost } from "../locate";
import { checkSpec, nicHostIfName, vmNetnsName } from "../names";
import { listLinks, plugNic, unplugNic, OvsdbPool, type HostSide } from "../plug";
import { clientRunning, readLeases, startClient, stopClients, type Lease } from "./dhcp";
import { planNics } from "./plan";
import { netnsExists, removePrivateResolvConf, writePrivateResolvConf } from "../../lab/netns";
import { KeyedQueue } from "../keyed-queue";

export interface NetnsDriverOptions {
  /** Where to find lab hosts (tests pass their own); default: every lab on this machine. */
  locate?: (spec: VmSpec) => LocalHost;
}

interface Where {
  side: HostSide;
  netns: string;
  dir: string;
}


export class NetnsDriver implements VmDriver {
  private readonly pool = new OvsdbPool();
  /** Operations on one VM run one at a time (a start racing a stop would leave half of each). */
  private readonly queue = new KeyedQueue();

  constructor(private readonly options: NetnsDriverOptions = {}) {}

  private where(spec: VmSpec): Where {
    checkSpec(spec);
    const local = this.options.locate ? this.options.locate(spec) : locateHost(spec.host, "netns VMs");
    return {
      side: { hostName: spec.host.name, backend: spec.host.backend, netns: local.netns, ovsdbTarget: local.ovsdbTarget, pool: this.pool },
      netns: vmNetnsName(local.netns, spec.vm.name),
      dir: join(local.runDir, `vm-${spec.vm.name}`),
    };
  }

  /** True when the spec is valid but its host is not a lab host here (its lab went down). */
  private unreachable(spec: VmSpec): boolean {
    try {
      this.where(spec);
      return false;
    } catch (err) {
      return err instanceof HostNotLocalError;
    }
  }

  private serial<T>(spec: VmSpec, op: (w: Where) => Promise<T>): Promise<T> {
    let w: Where;
    try {
      w = this.where(spec);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.queue.run(w.netns, () => op(w));
  }

  create(spec: VmSpec): Promise<{ netns?: string }> {
    return this.serial(spec, async (w) => {
      await this.ensureNamespace(w);
      return { netns: w.netns };
    });
  }

  start(spec: VmSpec): Promise<void> {
    return this.serial(spec, async (w) => {
      await this.ensureNamespace(w);
      await run(["ip", "-n", w.netns, "link", "set", "lo", "up"]);
      try {
        await this.applyNics(spec, w);
      } catch (err) {
        // Half a start is no start: leave the VM stopped, with nothing plugged.
        await this.teardown(w).catch(() => undefined);
        throw err;
      }
    });
  }

  stop(spec: VmSpec): Promise<void> {
    return this.serial(spec, async (w) => {
      if (!netnsExists(w.netns)) return;
      await this.teardown(w, spec);
    });
  }

  reboot(spec: VmSpec): Promise<void> {
    return this.stop(spec).then(() => this.start(spec));
  }

  destroy(spec: VmSpec): Promise<void> {
    // A netns VM exists only next to a lab host here: on any other host there is nothing to remove.
    if (this.unreachable(spec)) return Promise.resolve();
    return this.serial(spec, async (w) => {
      if (netnsExists(w.netns)) {
        await this.teardown(w, spec);
        const r = await tryRun(["ip", "netns", "pids", w.netns]);
        await Promise.all(r.stdout.split(/\s+/).filter(Boolean).map(Number).filter((p) => p > 1).map((p) => killPid(p, 1000)));
        const del = await tryRun(["ip", "netns", "del", w.netns]);
        if (del.code !== 0 && netnsExists(w.netns)) throw new VmDriverError(`could not delete namespace ${w.netns}: ${del.stderr.trim()}`);
        removePrivateResolvConf(w.netns);
      } else {
        // A namespace removed by hand may have left ports behind on the switch.
        for (const nic of spec.nics) {
          const ifname = nicHostIfName(nic.port.id);
          await unplugNic(w.side, ifname);
          await tryRun(["ip", "-n", w.side.netns, "link", "del", ifname]);
        }
      }
      rmSync(w.dir, { recursive: true, force: true });
    });
  }

  async state(spec: VmSpec): Promise<"running" | "stopped" | "absent"> {
    if (this.unreachable(spec)) return "absent";
    const w = this.where(spec);
    if (!netnsExists(w.netns)) return "absent";
    const lo = (await listLinks(w.netns)).find((l) => l.name === "lo");
    return lo?.up ? "running" : "stopped";
  }

  /**
   * Brings a running VM's NICs in line with the spec after NICs were added, removed or moved to
   * another network; a stopped VM gets them at its next start. Idempotent.
   */
  syncNics(spec: VmSpec): Promise<void> {
    return this.serial(spec, async (w) => {
      if (!netnsExists(w.netns)) return;
      const lo = (await listLinks(w.netns)).find((l) => l.name === "lo");
      if (lo?.up) await this.applyNics(spec, w);
    });
  }

  /** DHCP leases the VM's NICs hold now. */
  leases(spec: VmSpec): Lease[] {
    return readLeases(this.where(spec).dir);
  }

  /** Runs a command inside the VM (never rejects: see the exit code). */
  exec(spec: VmSpec, argv: readonly string[], timeoutMs?: number): Promise<RunResult> {
    return tryRun(inNetns(this.where(spec).netns, argv), timeoutMs !== undefined ? { timeoutMs } : {});
  }

  /** The VM-side interface name of each NIC, by port id (running VMs only). */
  async guestIfNames(spec: VmSpec): Promise<Record<string, string>> {
    const w = this.where(spec);
    if (!netnsExists(w.netns)) return {};
    const links = await listLinks(w.netns);
    const out: Record<string, string> = {};
    for (const nic of spec.nics) {
      const l = links.find((x) => x.alias === nicHostIfName(nic.port.id));
      if (l) out[nic.port.id] = l.name;
    }
    return out;
  }

  close(): void {
    this.pool.close();
  }

  private async ensureNamespace(w: Where): Promise<void> {
    if (!netnsExists(w.netns)) {
      // Before the namespace exists: anything run in it by `ip netns exec` (a guest's own DHCP
      // client, say) must write this file, never the machine's /etc/resolv.conf.
      writePrivateResolvConf(w.netns);
      const r = await tryRun(["ip", "netns", "add", w.netns]);
      if (r.code !== 0 && !netnsExists(w.netns)) throw new VmDriverError(`could not create namespace ${w.netns}: ${r.stderr.trim()}`);
    }
    mkdirSync(w.dir, { recursive: true });
  }

  private async applyNics(spec: VmSpec, w: Where): Promise<void> {
    const wanted = spec.nics.map((n) => ({ hostIf: nicHostIfName(n.port.id), mac: n.port.mac }));
    const plan = planNics(wanted, await listLinks(w.netns));
    for (const r of plan.remove) {
      await stopClients(w.dir, w.netns, r.guestIf);
      await unplugNic(w.side, r.hostIf);
      await tryRun(["ip", "-n", w.netns, "link", "del", r.guestIf]);
    }
    const hostLinks = new Set((await listLinks(w.side.netns)).map((l) => l.name));
    for (const a of plan.add) {
      // A host end without its VM end is a leftover of a crash: replace it.
      if (hostLinks.has(a.hostIf)) await tryRun(["ip", "-n", w.side.netns, "link", "del", a.hostIf]);
      await run(["ip", "-n", w.side.netns, "link", "add", a.hostIf, "type", "veth", "peer", "name", a.guestIf, "netns", w.netns]);
      await run(["ip", "-n", w.netns, "-batch", "-"], {
        input: [`link set ${a.guestIf} address ${a.mac}`, `link set ${a.guestIf} alias ${a.hostIf}`, `link set ${a.guestIf} up`].join("\n") + "\n",
      });
      // OVS netdev never fills in checksums a veth left to offload: TCP would silently fail.
      if (w.side.backend === "ovs") await run(inNetns(w.netns, ["ethtool", "-K", a.guestIf, "tx", "off"]));
    }
    for (const k of plan.keep) {
      if (k.setMac) await run(["ip", "-n", w.netns, "link", "set", k.guestIf, "address", k.setMac]);
      await run(["ip", "-n", w.netns, "link", "set", k.guestIf, "up"]);
    }
    const guestOf = new Map([...plan.add, ...plan.keep].map((x) => [x.hostIf, x.guestIf]));
    for (const nic of spec.nics) {
      const hostIf = nicHostIfName(nic.port.id);
      await plugNic(w.side, hostIf, spec, nic);
      const guestIf = guestOf.get(hostIf)!;
      // A NIC moved to another network keeps its veth, but its lease belongs to the old network:
      // drop the address and ask the new network's DHCP server from scratch.
      const marker = join(w.dir, `network-${guestIf}`);
      const was = existsSync(marker) ? readFileSync(marker, "utf8") : null;
      if (was !== null && was !== nic.network.id && clientRunning(w.dir, guestIf)) {
        await stopClients(w.dir, w.netns, guestIf);
        await tryRun(["ip", "-n", w.netns, "-4", "addr", "flush", "dev", guestIf]);
      }
      writeFileSync(marker, nic.network.id);
      if (!clientRunning(w.dir, guestIf)) startClient({ dir: w.dir, netns: w.netns, ifname: guestIf, hostname: spec.vm.name });
    }
  }

  /** Stops the clients and deletes every NIC of the VM (and, with a spec, stray host ends). */
  private async teardown(w: Where, spec?: VmSpec): Promise<void> {
    await stopClients(w.dir, w.netns);
    const links = await listLinks(w.netns);
    const nicIfs = new Set(spec?.nics.map((n) => nicHostIfName(n.port.id)) ?? []);
    for (const l of links) {
      if (l.alias && /^vnp[0-9a-f]{12}$/.test(l.alias)) {
        nicIfs.add(l.alias);
        await unplugNic(w.side, l.alias);
        await tryRun(["ip", "-n", w.netns, "link", "del", l.name]);
      }
    }
    const hostLinks = new Set((await listLinks(w.side.netns)).map((l) => l.name));
    for (const ifname of nicIfs) {
      // Unplugging is idempotent: an OVS port may outlive its interface (deleted by hand).
      await unplugNic(w.side, ifname);
      if (hostLinks.has(ifname)) await tryRun(["ip", "-n", w.side.netns, "link", "del", ifname]);
    }
    if (netnsExists(w.netns)) await tryRun(["ip", "-n", w.netns, "link", "set", "lo", "down"]);
  }
}
