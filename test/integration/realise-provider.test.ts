// Provider networks and host wiring on a real 2-host lab, with Geneve tunnels:
//   - tunnel ports follow hosts as they enter and leave the model (OVSDB, Geneve by setting);
//   - an overlay network across the Geneve tunnel;
//   - a flat provider network bridged to the site LAN: VMs on both hosts lease from the LAN's own
//     dnsmasq, reach its gateway and each other, and the controller answers none of their DHCP;
//   - a VLAN provider network: OVS pushes the tag on the uplink and pops it on the other host, and
//     it stays isolated from an overlay network using the same subnet.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { spawn } from "node:child_process";
import { startLab, plugHypervisors, tearDownRealiserTest, type Endpoint, type Lab, type PluggedVm } from "../support/lab";
import { Controller } from "../../src/controller/controller";
import { setLogLevel } from "../../src/log";
import { applyChanges, EMPTY_MODEL, type ModelChange, type NetworkModel } from "../../src/model";
import { bridgePorts } from "../../src/ovsdb/vswitch";
import { startRealisation, type Realisation } from "../../src/realise";
import { tryRun } from "../../src/lab/exec";

setLogLevel("silent");

let lab: Lab;
let controller: Controller;
let realisation: Realisation;
let model: NetworkModel;
let workDir: string;
let target = "";
const eps = new Map<string, Endpoint>();

function must<T>(r: { ok: true; value: T } | { ok: false; errors: unknown }): T {
  if (!r.ok) throw new Error(`model refused: ${JSON.stringify(r.errors)}`);
  return r.value;
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const UDHCPC_SCRIPT = `#!/bin/sh
case "$1" in
  deconfig) ip -4 addr flush dev "$interface"; ip link set "$interface" up ;;
  bound|renew)
    ip -4 addr flush dev "$interface"
    busybox ifconfig "$interface" "$ip" netmask "$subnet"
    printf 'ip=%s\\nrouter=%s\\nserverid=%s\\n' "$ip" "$router" "$serverid" > "$RZ_OUT" ;;
esac
exit 0
`;

async function dhcpClient(ep: Endpoint): Promise<Record<string, string>> {
  const out = join(workDir, `${ep.name}.lease`);
  const r = await tryRun(ep.argv(["env", `RZ_OUT=${out}`, "udhcpc", "-i", "eth0", "-n", "-q", "-t", "6", "-T", "1", "-s", join(workDir, "udhcpc.sh")]), { timeoutMs: 15_000 });
  if (r.code !== 0) throw new Error(`udhcpc in ${ep.name} failed: ${r.stdout}${r.stderr}`);
  return Object.fromEntries(readFileSync(out, "utf8").trim().split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
}

/** True when at least one of three pings is answered (the first may die resolving a tunnel's neighbour). */
async function pings(ep: Endpoint, ip: string): Promise<boolean> {
  return (await tryRun(ep.argv(["busybox", "ping", "-c", "3", "-i", "0.3", "-W", "1", ip]))).code === 0;
}

function tunnelsOf(host: string): Promise<Array<{ name: string; type: string; remote: string | undefined }>> {
  return lab.client(host).then((c) =>
    bridgePorts(c.replica, "br-int")
      .filter((p) => p.type === "vxlan" || p.type === "geneve")
      .map((p) => ({ name: p.name, type: p.type, remote: p.options.remote_ip })),
  );
}

function hostChange(h: Lab["plan"]["hosts"][number]): ModelChange {
  return {
    op: "add_host",
    host: { id: h.name, name: h.name, managementAddress: h.mgmtAddress, ovsdbTarget: h.ovsdbTarget, backend: "ovs", tunnelIp: h.underlayAddress, uplink: h.uplinkIface },
  };
}

const H2_PORTS: ModelChange[] = [
  { op: "add_port", port: { id: "o2", networkId: "ov", hostId: "h2", mac: "02:00:00:00:0c:02", ip: "192.0.2.12" } },
  { op: "add_port", port: { id: "p2", networkId: "flat", hostId: "h2", mac: "02:00:00:00:0d:02" } },
  { op: "add_port", port: { id: "v2", networkId: "vlan", hostId: "h2", mac: "02:00:00:00:0e:02", ip: "192.0.2.32" } },
];

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), "rz-"));
  writeFileSync(join(workDir, "udhcpc.sh"), UDHCPC_SCRIPT);
  chmodSync(join(workDir, "udhcpc.sh"), 0o755);
  lab = await startLab({ hosts: 2, name: `rz${randomBytes(3).toString("hex")}` });
  const plan = lab.plan;
  controller = new Controller({ echoIntervalMs: 2000, deadAfterMs: 6000 });
  const info = await controller.listenTcp(0, lab.controllerAddress);
  target = `tcp:${lab.controllerAddress}:${info.port}`;
  // h1 only, at first: h2 joins in the first test.
  model = must(
    applyChanges(EMPTY_MODEL, [
      { op: "set_settings", settings: { tunnelType: "geneve" } },
      { op: "add_tenant", tenant: { id: "T", name: "tenant" } },
      { op: "add_tenant", tenant: { id: "S", name: "site" } },
      hostChange(plan.hosts[0]!),
      { op: "add_network", network: { id: "ov", tenantId: "T", name: "overlay", kind: "overlay", segmentationId: 300, subnet: "192.0.2.0/24", gateway: "192.0.2.1", dhcpRange: null, dns: [] } },
      {
        op: "add_network",
        network: { id: "flat", tenantId: "S", name: "lan", kind: "provider", segmentationId: null, subnet: plan.lanCidr, gateway: plan.gateway, dhcpRange: { start: plan.dhcpRange[0], end: plan.dhcpRange[1] }, dns: [] },
      },
      { op: "add_network", network: { id: "vlan", tenantId: "S", name: "v42", kind: "provider", segmentationId: 42, subnet: "192.0.2.0/24", gateway: null, dhcpRange: null, dns: [] } },
      { op: "add_port", port: { id: "o1", networkId: "ov", hostId: "h1", mac: "02:00:00:00:0c:01", ip: "192.0.2.11" } },
      { op: "add_port", port: { id: "p1", networkId: "flat", hostId: "h1", mac: "02:00:00:00:0d:01" } },
      { op: "add_port", port: { id: "v1", networkId: "vlan", hostId: "h1", mac: "02:00:00:00:0e:01", ip: "192.0.2.31" } },
    ]),
  );
  const vms: PluggedVm[] = [
    { id: "o1", host: "h1", mac: "02:00:00:00:0c:01", ip: "192.0.2.11/24" },
    { id: "o2", host: "h2", mac: "02:00:00:00:0c:02", ip: "192.0.2.12/24" },
    { id: "p1", host: "h1", mac: "02:00:00:00:0d:01" },
    { id: "p2", host: "h2", mac: "02:00:00:00:0d:02" },
    { id: "v1", host: "h1", mac: "02:00:00:00:0e:01", ip: "192.0.2.31/24" },
    { id: "v2", host: "h2", mac: "02:00:00:00:0e:02", ip: "192.0.2.32/24" },
  ];
  for (const [id, ep] of await plugHypervisors(lab, target, vms)) eps.set(id, ep);
  realisation = startRealisation({ model, controller, controllerTarget: target, reconcileIntervalMs: 0 });
  await until("h1 programmed", () => realisation.realiser("h1")?.status().inSync === true);
}, 90_000);

afterAll(async () => {
  await tearDownRealiserTest({ realisation, controller, lab, workDir });
}, 60_000);

describe("provider networks and host wiring (Geneve)", () => {
  it("tunnel ports follow hosts into the model", async () => {
    expect(await tunnelsOf("h1")).toEqual([]);
    model = must(applyChanges(model, [hostChange(lab.plan.hosts[1]!), ...H2_PORTS]));
    realisation.update(model);
    await until("both hosts in sync", () => ["h1", "h2"].every((h) => realisation.realiser(h)?.status().inSync === true && !realisation.realiser(h)!.busy));
    await realisation.settled();
    expect(await tunnelsOf("h1")).toEqual([expect.objectContaining({ type: "geneve", remote: lab.host("h2").underlayAddress })]);
    expect(await tunnelsOf("h2")).toEqual([expect.objectContaining({ type: "geneve", remote: lab.host("h1").underlayAddress })]);
  });

  it("an overlay network crosses hosts over Geneve", async () => {
    expect(await pings(eps.get("o1")!, "192.0.2.12")).toBe(true);
  });

  it("a flat provider network leases from the site's DHCP server and reaches its gateway and the other host", async () => {
    const [l1, l2] = await Promise.all([dhcpClient(eps.get("p1")!), dhcpClient(eps.get("p2")!)]);
    const inRange = (ip: string) => {
      const last = (x: string) => Number(x.split(".")[3]);
      return last(ip) >= last(lab.plan.dhcpRange[0]) && last(ip) <= last(lab.plan.dhcpRange[1]);
    };
    for (const l of [l1!, l2!]) {
      expect(inRange(l.ip!)).toBe(true);
      expect(l.router).toBe(lab.plan.gateway);
      // The site's server answered, not the controller.
      expect(l.serverid).toBe(lab.plan.gateway);
    }
    expect(realisation.dhcp!.answered).toBe(0);
    expect(await pings(eps.get("p1")!, lab.plan.gateway)).toBe(true);
    expect(await pings(eps.get("p1")!, l2!.ip!)).toBe(true);
    // The site's server saw only the provider VMs.
    expect(lab.leases().map((l) => l.mac).sort()).toEqual(["02:00:00:00:0d:01", "02:00:00:00:0d:02"]);
  });

  it("a VLAN provider network is tagged on the site LAN and isolated from an overlay on the same subnet", async () => {
    // Watch the site LAN for frames tagged 42 while v1 pings v2 across it.
    const capture = spawn("ip", ["netns", "exec", lab.plan.lanNetns, "timeout", "8", "tcpdump", "-l", "-n", "-e", "-c", "2", "-i", "br0", "vlan 42 and icmp"], { stdio: ["ignore", "pipe", "ignore"] });
    let seen = "";
    capture.stdout.on("data", (d: Buffer) => (seen += d.toString()));
    const done = new Promise<void>((r) => capture.on("close", () => r()));
    await new Promise((r) => setTimeout(r, 500));
    expect(await pings(eps.get("v1")!, "192.0.2.32")).toBe(true);
    await done;
    expect(seen).toMatch(/vlan 42/);
    // 192.0.2.11 is o1 on the overlay network: same subnet, other segment.
    expect(await pings(eps.get("v1")!, "192.0.2.11")).toBe(false);
    expect(await pings(eps.get("o2")!, "192.0.2.31")).toBe(false);
  });

  it("tunnel ports follow hosts out of the model", async () => {
    model = must(applyChanges(model, [...["o2", "p2", "v2"].map((id): ModelChange => ({ op: "remove_port", id })), { op: "remove_host", id: "h2" }]));
    realisation.update(model);
    await realisation.settled();
    expect(await tunnelsOf("h1")).toEqual([]);
    expect(realisation.realiser("h2")).toBeUndefined();
  });
});


