// One set of tenant-network checks, run over the three layouts a site can have: both hosts on Open
// vSwitch, both on the Linux kernel bridge, and one of each (issue 6). Each layout gets its own
// 2-host lab built as `vnet serve` builds a site (test/support/tenant-lab.ts): the controller, the
// orchestrator with the kernel realiser behind its bridge seam, and netns VMs started through the
// production VM drivers. Two tenants share 192.0.2.0/24 (and one address).
//
// Per layout: every VM leases its model address by DHCP (busybox udhcpc started by the driver),
// answered by its own host's backend, with option 26 where the network sets an MTU;
// the full ping matrix (same tenant: yes, across hosts too; other tenant: never, and the shared
// address resolves to the source's own tenant); TCP across the hosts both ways (the checksum
// offload trap of OVS netdev shows only with TCP); a full-size frame across the tunnel; a spoofing
// VM on each host is dropped and the drop counted by that host's backend; in `mixed`, the tunnel
// between the OVS host and the bridge host exists at both ends.

import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run, tryRun } from "../../src/lab/exec";
import { setLogLevel } from "../../src/log";
import { vmNetnsName } from "../../src/vm/names";
import type { Lease } from "../../src/vm/netns/dhcp";
import { waitFor } from "../support/vm-lab";
import { DNS, GATEWAY, LAYOUTS, LEASE_SECONDS, MTU, NETWORK, VNI, startTenantLab, type Layout, type TenantLab, type TenantVm } from "../support/tenant-lab";

setLogLevel("silent");

const numbers: string[] = [];
afterAll(() => console.log(`backend-matrix numbers:\n  ${numbers.join("\n  ")}`));

describe.each(LAYOUTS.map((l) => [l]))("tenant networks, layout %s", (layout: Layout) => {
  let t: TenantLab | undefined;
  const lab = (): TenantLab => {
    if (!t) throw new Error("the tenant lab did not come up (see beforeAll)");
    return t;
  };
  // Every VM's lease, waited for once: the tests after the DHCP one need the addresses, and each
  // can also run alone (-t).
  let leased: Promise<Array<readonly [TenantVm, Lease]>> | null = null;
  const leases = () =>
    (leased ??= Promise.all(lab().vms.map(async (vm) => [vm, await waitFor(`${vm.id}'s lease`, () => lab().drivers.netns.leases(vm.spec)[0], 25_000, 50)] as const)));

  beforeAll(async () => {
    t = await startTenantLab(layout);
    numbers.push(`${layout}: controller start → hosts programmed ${t.timings.hostsReady.toFixed(0)} ms; 8 VMs started in ${t.timings.vmsStarted.toFixed(0)} ms`);
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  }, 60_000);

  it("every VM leases its model address, router, DNS and lease time from vnet's DHCP", async () => {
    const { vms } = lab();
    const t0 = performance.now();
    const got = await leases();
    numbers.push(`${layout}: all 8 VMs leased ${(performance.now() - t0).toFixed(0)} ms after their start returned`);
    for (const [vm, lease] of got) {
      expect({ vm: vm.id, ip: lease.ip, router: lease.router, dns: lease.dns, lease: lease.leaseSeconds, server: lease.server }).toEqual({
        vm: vm.id,
        ip: `${vm.ip}/24`,
        router: GATEWAY,
        dns: [DNS],
        lease: LEASE_SECONDS,
        // Both backends answer as the same server (the network's gateway address).
        server: GATEWAY,
      });
    }
    // Each host's own backend answered its VMs: the controller's DHCP app for OVS hosts (a bound
    // lease per port), the host's kernel agent for bridge hosts (an OFFER and an ACK per VM).
    const site = lab();
    for (const host of ["h1", "h2"] as const) {
      const mine = vms.filter((vm) => vm.host === host);
      if (site.backendOf(host) === "ovs") {
        for (const vm of mine) expect(site.realisation.dhcp!.leases.get(vm.id), `controller lease of ${vm.id}`).toMatchObject({ state: "bound" });
      } else {
        const stats = await site.kernel.call(host, "dhcpStats", {});
        for (const network of Object.values(NETWORK)) {
          const here = mine.filter((vm) => NETWORK[vm.tenant] === network).length;
          expect(stats[network] ?? 0, `DHCP replies from ${host}'s agent on ${network}`).toBeGreaterThanOrEqual(2 * here);
        }
        // No OVS host leased a bridge host's VM.
        for (const vm of mine) expect(site.realisation.dhcp!.leases.has(vm.id)).toBe(false);
      }
    }
  }, 40_000);

  it("hands out the network's interface MTU (option 26) only where the network sets one", async () => {
    await leases();
    // The driver's udhcpc script records no MTU, so ask once more with a script that prints what
    // the server sent, and changes nothing on the NIC (the address stays the same anyway).
    const site = lab();
    const dir = site.lab.state.runDir;
    const script = join(dir, "mx-dhcp-probe.sh");
    writeFileSync(script, '#!/bin/sh\n[ "$1" = bound ] && printf "ip=%s mtu=%s\\n" "$ip" "$mtu" > "$MX_OUT"\nexit 0\n', { mode: 0o755 });
    const probes = ["a1", "a3", "b1", "b3"].map((id) => site.vm(id));
    const got = await Promise.all(
      probes.map(async (vm) => {
        const out = join(dir, `mx-dhcp-${vm.id}.txt`);
        const r = await site.exec(vm, ["env", `MX_OUT=${out}`, "udhcpc", "-i", "eth0", "-n", "-q", "-t", "4", "-T", "1", "-s", script], 15_000);
        return [vm, existsSync(out) ? readFileSync(out, "utf8").trim() : `no lease: ${r.stdout}${r.stderr}`] as const;
      }),
    );
    for (const [vm, line] of got) expect(line, `${vm.id} on ${site.backendOf(vm.host)}`).toBe(`ip=${vm.ip} mtu=${MTU[vm.tenant] ?? ""}`);
  }, 20_000);

  it("ping matrix: the same tenant reaches every VM, across hosts too; the other tenant never, even on a shared address", async () => {
    await leases();
    const { vms } = lab();
    const results = await Promise.all(
      vms.map(async (src) => {
        const targets = [...new Set(vms.filter((d) => d.id !== src.id && d.ip !== src.ip).map((d) => d.ip))];
        return [src, targets, await lab().reachable(src, targets)] as const;
      }),
    );
    const wrong: string[] = [];
    let crossHost = 0;
    let sent = 0;
    let lost = 0;
    for (const [src, targets, { replies, neigh }] of results) {
      for (const ip of targets) {
        const own = vms.find((d) => d.ip === ip && d.tenant === src.tenant && d.id !== src.id);
        const got = replies.get(ip) ?? 0;
        if (Boolean(own) !== got > 0) wrong.push(`${src.id} → ${ip}: expected ${own ? "replies" : "silence"}, got ${got} of 3`);
        if (own && neigh.get(ip) !== own.mac) wrong.push(`${src.id} resolved ${ip} to ${neigh.get(ip)}, not ${own.mac} (${own.id})`);
        if (own && own.host !== src.host && got > 0) crossHost++;
        if (own) {
          sent += 3;
          lost += 3 - got;
        }
      }
    }
    expect(wrong).toEqual([]);
    // Each VM has two same-tenant peers on the other host.
    expect(crossHost).toBe(vms.length * 2);
    numbers.push(`${layout}: ping matrix, same-tenant echoes lost: ${lost} of ${sent}`);
  }, 30_000);

  it("carries TCP across the hosts, both ways", async () => {
    await leases();
    const pairs: Array<[string, string]> = [
      ["a1", "a3"],
      ["b4", "b2"],
    ];
    for (const [serverId, clientId] of pairs) {
      const server = lab().vm(serverId);
      const client = lab().vm(clientId);
      const listener = lab().exec(server, ["timeout", "6", "busybox", "nc", "-l", "-p", "5001"], 10_000);
      const payload = `mx-${randomBytes(6).toString("hex")}`;
      // The listener needs a moment; the client retries until it connects.
      await waitFor(
        `${clientId} to connect to ${serverId}`,
        async () => (await tryRun(["ip", "netns", "exec", netnsOf(lab(), client), "timeout", "3", "busybox", "nc", "-w", "2", server.ip, "5001"], { input: `${payload}\n`, timeoutMs: 5000 })).code === 0,
        8000,
        200,
      );
      const got = await listener;
      expect(got.stdout, `${clientId} → ${serverId} over TCP`).toContain(payload);
    }
  }, 40_000);

  it("a full-size frame (a 1500-byte IP packet, 1550 bytes once encapsulated) crosses the tunnel both ways", async () => {
    await leases();
    // With a 1500 MTU in the VM, the underlay must carry VXLAN's 50 extra bytes.
    const replies = async (from: string, to: string) => {
      const r = await lab().exec(lab().vm(from), ["sh", "-c", `busybox ping -c 3 -i 0.3 -W 1 -w 3 -s 1472 ${lab().vm(to).ip} | grep -c "bytes from"`]);
      return Number(r.stdout.trim() || 0);
    };
    // Tenant A's network sets no MTU; B's hands out 1450, which a guest applying it would honour.
    expect(await replies("a1", "a3"), "a1 → a3 with 1472 bytes of payload").toBeGreaterThan(0);
    expect(await replies("a4", "a2"), "a4 → a2 with 1472 bytes of payload").toBeGreaterThan(0);
  }, 20_000);

  it.each([["a2"], ["a4"]])("a spoofing VM (%s) is dropped and the drop counted by its host's backend", async (id) => {
    await leases();
    const vm = lab().vm(id);
    const peer = lab().vms.find((d) => d.tenant === vm.tenant && d.host !== vm.host)!;
    const exec = (argv: string[]) => lab().exec(vm, argv);
    // An honest exchange first: with the peer's ARP entry in place, every forged echo is sent
    // (and dropped), rather than waiting behind an ARP request.
    const warm = await exec(["busybox", "ping", "-c", "3", "-i", "0.3", "-W", "1", "-w", "3", peer.ip]);
    expect(warm.stdout, "the honest VM reaches its peer before spoofing").toContain("bytes from");
    const before = await lab().spoofDrops(vm);
    // A forged source IP: a second address on the VM's NIC.
    await run(["ip", "netns", "exec", netnsOf(lab(), vm), "ip", "addr", "add", "192.0.2.99/24", "dev", "eth0"]);
    try {
      const r = await exec(["busybox", "ping", "-c", "3", "-i", "0.2", "-W", "1", "-w", "2", "-I", "192.0.2.99", peer.ip]);
      expect(r.code, "a ping from a forged address got through").not.toBe(0);
    } finally {
      await run(["ip", "netns", "exec", netnsOf(lab(), vm), "ip", "addr", "del", "192.0.2.99/24", "dev", "eth0"]);
    }
    const afterIp = await lab().spoofDrops(vm);
    expect(afterIp - before, `${lab().backendOf(vm.host)} drop counter for forged IPs`).toBeGreaterThanOrEqual(3);
    // A forged MAC (and so a forged ARP sender): the VM changes its NIC's address.
    await run(["ip", "netns", "exec", netnsOf(lab(), vm), "ip", "link", "set", "eth0", "address", "02:00:00:6d:ff:99"]);
    try {
      const r = await exec(["busybox", "ping", "-c", "3", "-i", "0.2", "-W", "1", "-w", "2", peer.ip]);
      expect(r.code, "a ping from a forged MAC got through").not.toBe(0);
    } finally {
      await run(["ip", "netns", "exec", netnsOf(lab(), vm), "ip", "link", "set", "eth0", "address", vm.mac]);
    }
    expect((await lab().spoofDrops(vm)) - afterIp, `${lab().backendOf(vm.host)} drop counter for a forged MAC`).toBeGreaterThanOrEqual(1);
    // The honest VM still gets through.
    const honest = await exec(["busybox", "ping", "-c", "3", "-i", "0.3", "-W", "1", "-w", "3", peer.ip]);
    expect(honest.code, honest.stdout + honest.stderr).toBe(0);
  }, 30_000);

  if (layout === "mixed") {
    it("the OVS host and the bridge host hold the two ends of one VXLAN tunnel per network", async () => {
      const site = lab();
      const [h1, h2] = [site.lab.host("h1"), site.lab.host("h2")];
      // h1 (OVS): one tunnel port towards h2, bound by the realiser.
      const s = site.realisation.status().find((x) => x.hostId === "h1")!;
      expect(Object.keys(s.wiring?.tunnels ?? {})).toEqual(["h2"]);
      // h2 (bridge): a VXLAN device per network whose VNI is the one OVS puts in tunnel_id, with
      // head-end replication to h1's underlay address.
      for (const vni of Object.values(VNI)) {
        const link = await run(["ip", "-n", h2.netns, "-d", "-j", "link", "show", `vnvx${vni}`]);
        const info = (JSON.parse(link) as Array<{ linkinfo: { info_kind: string; info_data: { id: number; local: string } } }>)[0]!.linkinfo;
        expect(info).toMatchObject({ info_kind: "vxlan", info_data: { id: vni, local: h2.underlayAddress } });
        const fdb = await run(["bridge", "-n", h2.netns, "fdb", "show", "dev", `vnvx${vni}`]);
        expect(fdb).toContain(`00:00:00:00:00:00 dst ${h1.underlayAddress}`);
      }
    });
  }
});

/** A VM's namespace, as the netns driver names it. */
function netnsOf(t: TenantLab, vm: TenantVm): string {
  return vmNetnsName(t.lab.host(vm.host).netns, vm.spec.vm.name);
}
