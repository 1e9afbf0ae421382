// `vnet lab up|down|status`: build, remove and show simulated hosts on this machine.
import type { Command } from "commander";
import { labUp, labDown, allLabStatus, type LabStatus } from "../../lab/lab";
import { listLabs } from "../../lab/state";

const DEFAULT_LAB = "lab";

function printStatus(s: LabStatus): void {
  const lines = [
    `lab ${s.name} (${s.phase}), run dir ${s.runDir}`,
    `  controller: listen on ${s.controllerAddress} (hosts' OVS connect to ${s.controllerTarget}); management ${s.mgmtCidr}`,
    `  underlay ${s.underlayCidr} on ${s.underlay === "ovs" ? "br-phy" : "the underlay veth"} (namespace ${s.underlayNetns}); site LAN ${s.lan.cidr} gateway ${s.lan.gateway}, DHCP ${s.lan.dhcpRange.join("-")} (namespace ${s.lan.netns}, dnsmasq ${s.lan.dnsmasqAlive ? `pid ${s.lan.dnsmasqPid}` : "not running"})`,
  ];
  for (const h of s.hosts) {
    const proc = (alive: boolean, pid?: number): string => (alive ? String(pid) : "dead");
    lines.push(
      `  ${h.name}: namespace ${h.netns}, management ${h.mgmtAddress}, underlay ${h.underlayAddress} on ${h.underlayDevice}, uplink "${h.uplink}"; ` +
        `ovsdb-server ${proc(h.alive.ovsdbServer, h.pids.ovsdbServer)}, ovs-vswitchd ${proc(h.alive.ovsVswitchd, h.pids.ovsVswitchd)}`,
      `      ovs-vsctl --db=${h.ovsdbTarget} show    |    ip netns exec ${h.netns} ip addr`,
    );
  }
  for (const e of s.endpoints) lines.push(`  endpoint ${e.name} on ${e.host}/${e.bridge}: ip netns exec ${e.netns} ...`);
  process.stdout.write(lines.join("\n") + "\n");
}

function parseHosts(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--hosts must be a positive integer, got "${text}"`);
  return n;
}

export function register(program: Command): void {
  const lab = program.command("lab").description("simulated hosts (namespaces with their own Open vSwitch) on this machine");
  lab
    .command("up")
    .description("build a lab of N hosts and print how to reach them")
    .option("--hosts <n>", "number of hosts", parseHosts, 2)
    .option("--name <name>", "lab name: a lowercase letter and up to 7 letters or digits", DEFAULT_LAB)
    .option("--underlay <mode>", 'underlay address on OVS br-phy ("ovs") or on the veth ("kernel", for Linux-bridge hosts)', "ovs")
    .option("--json", "print the status as JSON")
    .action(async (o: { hosts: number; name: string; underlay: string; json?: boolean }) => {
      if (o.underlay !== "ovs" && o.underlay !== "kernel") throw new Error(`--underlay must be ovs or kernel, got "${o.underlay}"`);
      const built = await labUp({ name: o.name, hosts: o.hosts, underlay: o.underlay, log: o.json ? undefined : (l) => process.stderr.write(`${l}\n`) });
      built.closeClients();
      const status = allLabStatus().find((s) => s.name === o.name)!;
      if (o.json) process.stdout.write(JSON.stringify(status, null, 2) + "\n");
      else printStatus(status);
    });
  lab
    .command("down")
    .description("remove everything a lab made (also after a crash)")
    .option("--name <name>", "lab name", DEFAULT_LAB)
    .option("--all", "remove every lab")
    .action(async (o: { name: string; all?: boolean }) => {
      const names = o.all ? listLabs() : [o.name];
      for (const name of names) {
        const removed = await labDown(name);
        process.stdout.write(`lab ${name} down: removed ${removed.netns.length} namespaces, ${removed.links.length} root links\n`);
      }
    });
  lab
    .command("status")
    .description("show labs: namespaces, addresses, OVSDB targets, process ids")
    .option("--name <name>", "only this lab")
    .option("--json", "JSON for scripts")
    .action((o: { name?: string; json?: boolean }) => {
      const all = allLabStatus().filter((s) => !o.name || s.name === o.name);
      if (o.json) process.stdout.write(JSON.stringify(all, null, 2) + "\n");
      else if (all.length === 0) process.stdout.write(o.name ? `no lab "${o.name}" (vnet lab status lists them all)\n` : "no labs\n");
      else all.forEach(printStatus);
    });
}
