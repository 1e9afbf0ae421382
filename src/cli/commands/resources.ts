// `vnet host|tenant|net|vm ...`: a client of the running server's REST API (the same ground the
// dashboard covers). Server and token come from --server/--token or VNET_SERVER/VNET_TOKEN.
// `--json` prints the API's own JSON, for scripts; otherwise a compact table.
import type { Command } from "commander";
import { DEFAULT_PORT } from "./serve";

interface ClientOpts {
  server?: string;
  token?: string;
  json?: boolean;
}

class ApiClientError extends Error {}

async function call(opts: ClientOpts, method: string, path: string, body?: unknown): Promise<unknown> {
  const server = (opts.server ?? process.env.VNET_SERVER ?? `http://127.0.0.1:${DEFAULT_PORT}`).replace(/\/+$/, "");
  const token = opts.token ?? process.env.VNET_TOKEN;
  if (!token) throw new ApiClientError("no token: pass --token or set VNET_TOKEN (create one with `vnet token create --role admin`)");
  let res: Response;
  try {
    res = await fetch(server + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch (err) {
    throw new ApiClientError(`cannot reach ${server}: ${err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err)} (is \`vnet serve\` running?)`);
  }
  if (res.status === 204) return null;
  const text = await res.text();
  const data = text ? (JSON.parse(text) as unknown) : null;
  if (!res.ok) {
    const e = (data as { error?: { code?: string; message?: string; details?: Array<{ path: string; message: string }> } })?.error;
    const details = (e?.details ?? []).filter((d) => d.message !== e?.message).map((d) => `\n  ${d.path}: ${d.message}`).join("");
    throw new ApiClientError(`${e?.message ?? res.statusText} [${e?.code ?? res.status}]${details}`);
  }
  return data;
}

function clientOptions(cmd: Command, json = false): Command {
  cmd.option("--server <url>", `vnet server (default $VNET_SERVER or http://127.0.0.1:${DEFAULT_PORT})`).option("--token <token>", "API token (default $VNET_TOKEN)");
  if (json) cmd.option("--json", "print JSON");
  return cmd;
}

function table(rows: string[][]): string {
  if (rows.length === 0) return "";
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ")).join("\n") + "\n";
}

function print(opts: ClientOpts, data: unknown, rows: () => string[][]): void {
  process.stdout.write(opts.json ? JSON.stringify(data, null, 2) + "\n" : table(rows()));
}

const enc = encodeURIComponent;

/** NETWORK[,mac=MAC][,ip=IP] → the API's NIC object. */
function parseNic(spec: string): Record<string, unknown> {
  const [network, ...kv] = spec.split(",");
  if (!network) throw new ApiClientError(`bad NIC "${spec}": expected NETWORK[,mac=MAC][,ip=IP]`);
  const nic: Record<string, unknown> = { network };
  for (const pair of kv) {
    const [k, v] = pair.split("=");
    if ((k !== "mac" && k !== "ip") || !v) throw new ApiClientError(`bad NIC "${spec}": expected NETWORK[,mac=MAC][,ip=IP]`);
    nic[k] = v;
  }
  return nic;
}
type Obj = Record<string, unknown>;

/** An integer option, or a clear error naming it ("none" → null where clearing is allowed). */
function intOption(name: string, raw: string, clearable = false): number | null {
  if (clearable && raw === "none") return null;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new ApiClientError(`${name} must be an integer${clearable ? ' or "none"' : ""} (got "${raw}")`);
  return n;
}
const s = (v: unknown) => (v === null || v === undefined ? "-" : String(v));

export function register(program: Command): void {
  // ---- tenants ----
  const tenant = program.command("tenant").description("tenants (via the running server)");
  clientOptions(tenant.command("list").description("list tenants"), true).action(async (o: ClientOpts) => {
    const data = (await call(o, "GET", "/api/tenants")) as Obj[];
    print(o, data, () => [["ID", "NAME"], ...data.map((t) => [s(t.id), s(t.name)])]);
  });
  clientOptions(tenant.command("add <name>").description("create a tenant"), true).action(async (name: string, o: ClientOpts) => {
    const t = (await call(o, "POST", "/api/tenants", { name })) as Obj;
    print(o, t, () => [[s(t.id), s(t.name)]]);
  });
  clientOptions(tenant.command("rm <tenant>").description("delete a tenant")).action(async (ref: string, o: ClientOpts) => {
    await call(o, "DELETE", `/api/tenants/${enc(ref)}`);
  });

  // ---- hosts ----
  const host = program.command("host").description("hosts (via the running server)");
  clientOptions(host.command("list").description("list hosts with live status"), true).action(async (o: ClientOpts) => {
    const data = (await call(o, "GET", "/api/hosts")) as Obj[];
    print(o, data, () => [
      ["NAME", "BACKEND", "ADDRESS", "OVSDB", "OPENFLOW", "DPID", "VMS"],
      ...data.map((h) => {
        // A tenant token gets hosts without status or counts: "-" (not shown), never "down".
        const st = h.status as Obj | undefined;
        const c = h.counts as Obj | undefined;
        const updown = (v: unknown) => (st === undefined ? "-" : v ? "up" : "down");
        return [s(h.name), s(h.backend), s(h.managementAddress), updown(st?.ovsdbConnected), updown(st?.openflowConnected), s(st?.dpid), c ? `${s(c.runningVms)}/${s(c.vms)}` : "-"];
      }),
    ]);
  });
  clientOptions(
    host
      .command("add <name>")
      .description("register a host")
      .requiredOption("--address <addr>", "management address")
      .requiredOption("--ovsdb <target>", "OVSDB target: tcp:HOST:PORT, ssl:HOST:PORT or unix:/path")
      .option("--backend <backend>", "ovs or bridge", "ovs")
      .option("--tunnel-ip <ip>", "tunnel endpoint (VTEP) address")
      .option("--uplink <ifname>", "uplink interface for provider networks")
      .option("--libvirt <uri>", "libvirt URI"),
    true,
  ).action(async (name: string, o: ClientOpts & { address: string; ovsdb: string; backend: string; tunnelIp?: string; uplink?: string; libvirt?: string }) => {
    const h = (await call(o, "POST", "/api/hosts", {
      name,
      managementAddress: o.address,
      ovsdbTarget: o.ovsdb,
      backend: o.backend,
      tunnelIp: o.tunnelIp ?? null,
      uplink: o.uplink ?? null,
      libvirtUri: o.libvirt ?? null,
    })) as Obj;
    print(o, h, () => [[s(h.id), s(h.name)]]);
  });
  clientOptions(
    host
      .command("set <host>")
      .description("change a host (only the options given)")
      .option("--address <addr>", "management address")
      .option("--ovsdb <target>", "OVSDB target")
      .option("--backend <backend>", "ovs or bridge")
      .option("--tunnel-ip <ip>", 'tunnel endpoint ("none" to clear)')
      .option("--uplink <ifname>", 'uplink interface ("none" to clear)')
      .option("--libvirt <uri>", 'libvirt URI ("none" to clear)'),
    true,
  ).action(async (ref: string, o: ClientOpts & { address?: string; ovsdb?: string; backend?: string; tunnelIp?: string; uplink?: string; libvirt?: string }) => {
    const orNull = (v: string) => (v === "none" ? null : v);
    const body: Obj = {};
    if (o.address !== undefined) body.managementAddress = o.address;
    if (o.ovsdb !== undefined) body.ovsdbTarget = o.ovsdb;
    if (o.backend !== undefined) body.backend = o.backend;
    if (o.tunnelIp !== undefined) body.tunnelIp = orNull(o.tunnelIp);
    if (o.uplink !== undefined) body.uplink = orNull(o.uplink);
    if (o.libvirt !== undefined) body.libvirtUri = orNull(o.libvirt);
    const h = (await call(o, "PATCH", `/api/hosts/${enc(ref)}`, body)) as Obj;
    print(o, h, () => [[s(h.name), s(h.managementAddress), s(h.tunnelIp)]]);
  });
  // Always JSON (every field, nested NICs); --json is accepted like on the other sub-commands.
  clientOptions(host.command("show <host>").description("one host with live status, as JSON"), true).action(async (ref: string, o: ClientOpts) => {
    process.stdout.write(JSON.stringify(await call(o, "GET", `/api/hosts/${enc(ref)}`), null, 2) + "\n");
  });
  clientOptions(host.command("rm <host>").description("unregister a host").option("--force", "also forget the VMs that live there")).action(
    async (ref: string, o: ClientOpts & { force?: boolean }) => {
      await call(o, "DELETE", `/api/hosts/${enc(ref)}${o.force ? "?force=true" : ""}`);
    },
  );

  // ---- networks ----
  const net = program.command("net").description("networks (via the running server)");
  clientOptions(net.command("list").description("list networks").option("--tenant <tenant>", "only this tenant's"), true).action(
    async (o: ClientOpts & { tenant?: string }) => {
      const data = (await call(o, "GET", `/api/networks${o.tenant ? `?tenant=${enc(o.tenant)}` : ""}`)) as Obj[];
      print(o, data, () => [["ID", "TENANT", "NAME", "KIND", "SEG", "SUBNET", "GATEWAY", "MTU"], ...data.map((n) => [s(n.id), s(n.tenant), s(n.name), s(n.kind), s(n.segmentationId), s(n.subnet), s(n.gateway), s(n.mtu)])]);
    },
  );
  clientOptions(
    net
      .command("add <name>")
      .description("create a network")
      .requiredOption("--subnet <cidr>", "IPv4 subnet, e.g. 203.0.113.0/24")
      .option("--tenant <tenant>", "tenant id or name (a tenant token may omit it)")
      .option("--kind <kind>", "overlay or provider", "overlay")
      .option("--vni <n>", "VNI (overlay) or VLAN id (provider)")
      .option("--gateway <ip>", "gateway address")
      .option("--dhcp-range <start-end>", "DHCP range, e.g. 203.0.113.100-203.0.113.200")
      .option("--dns <ips>", "comma-separated DNS servers")
      .option("--mtu <n>", "interface MTU handed out by DHCP, 68-9216 (e.g. 1450 under VXLAN)"),
    true,
  ).action(async (name: string, o: ClientOpts & { subnet: string; tenant?: string; kind: string; vni?: string; gateway?: string; dhcpRange?: string; dns?: string; mtu?: string }) => {
    let dhcpRange: { start: string; end: string } | null = null;
    if (o.dhcpRange) {
      const [start, end] = o.dhcpRange.split("-");
      if (!start || !end) throw new ApiClientError("--dhcp-range must be START-END");
      dhcpRange = { start, end };
    }
    const body: Obj = { name, subnet: o.subnet, kind: o.kind, gateway: o.gateway ?? null, dhcpRange, dns: o.dns ? o.dns.split(",").map((x) => x.trim()) : [] };
    if (o.tenant) body.tenant = o.tenant;
    if (o.vni !== undefined) body.segmentationId = intOption("--vni", o.vni);
    if (o.mtu !== undefined) body.mtu = intOption("--mtu", o.mtu);
    const n = (await call(o, "POST", "/api/networks", body)) as Obj;
    print(o, n, () => [[s(n.id), s(n.name), s(n.segmentationId), s(n.subnet)]]);
  });
  clientOptions(
    net
      .command("set <network>")
      .description("change a network (only the options given)")
      .option("--name <name>", "new name")
      .option("--vni <n>", "VNI (overlay) or VLAN id (provider)")
      .option("--subnet <cidr>", "IPv4 subnet")
      .option("--gateway <ip>", 'gateway ("none" to clear)')
      .option("--dhcp-range <start-end>", 'DHCP range ("none" to clear)')
      .option("--dns <ips>", "comma-separated DNS servers (empty to clear)")
      .option("--mtu <n>", 'interface MTU handed out by DHCP ("none" to clear)'),
    true,
  ).action(async (ref: string, o: ClientOpts & { name?: string; vni?: string; subnet?: string; gateway?: string; dhcpRange?: string; dns?: string; mtu?: string }) => {
    const body: Obj = {};
    if (o.name !== undefined) body.name = o.name;
    if (o.subnet !== undefined) body.subnet = o.subnet;
    if (o.gateway !== undefined) body.gateway = o.gateway === "none" ? null : o.gateway;
    if (o.dns !== undefined) body.dns = o.dns ? o.dns.split(",").map((x) => x.trim()) : [];
    if (o.vni !== undefined) body.segmentationId = intOption("--vni", o.vni);
    if (o.mtu !== undefined) body.mtu = intOption("--mtu", o.mtu, true);
    if (o.dhcpRange !== undefined) {
      if (o.dhcpRange === "none") body.dhcpRange = null;
      else {
        const [start, end] = o.dhcpRange.split("-");
        if (!start || !end) throw new ApiClientError("--dhcp-range must be START-END");
        body.dhcpRange = { start, end };
      }
    }
    const n = (await call(o, "PATCH", `/api/networks/${enc(ref)}`, body)) as Obj;
    print(o, n, () => [[s(n.id), s(n.name), s(n.segmentationId), s(n.subnet), s(n.gateway)]]);
  });
  // Always JSON (every field, nested NICs); --json is accepted like on the other sub-commands.
  clientOptions(net.command("show <network>").description("one network, as JSON"), true).action(async (ref: string, o: ClientOpts) => {
    process.stdout.write(JSON.stringify(await call(o, "GET", `/api/networks/${enc(ref)}`), null, 2) + "\n");
  });
  clientOptions(net.command("rm <network>").description("delete a network")).action(async (ref: string, o: ClientOpts) => {
    await call(o, "DELETE", `/api/networks/${enc(ref)}`);
  });

  // ---- VMs ----
  const vm = program.command("vm").description("VMs (via the running server)");
  clientOptions(vm.command("list").description("list VMs: host, driver, state, NICs (--json for scripts)"), true).action(async (o: ClientOpts) => {
    const data = (await call(o, "GET", "/api/vms")) as Obj[];
    print(o, data, () => [
      ["NAME", "TENANT", "HOST", "DRIVER", "STATE", "NICS"],
      ...data.map((v) => [
        s(v.name),
        s(v.tenant),
        s(v.host),
        s(v.driver),
        s(v.state),
        (v.nics as Obj[]).map((n) => `${s(n.network)}:${s(n.mac)}/${s(n.ip)}${n.netns ? `@${s(n.netns)}` : ""}`).join(" "),
      ]),
    ]);
  });
  clientOptions(
    vm
      .command("add <name>")
      .description("create a VM")
      .requiredOption("--host <host>", "host id or name")
      .option("--tenant <tenant>", "tenant id or name (a tenant token may omit it)")
      .option("--driver <driver>", "netns or libvirt", "netns")
      .option("--nic <spec...>", "NIC as NETWORK[,mac=MAC][,ip=IP]; repeatable")
      .option("--start", "start it once created (otherwise it stays stopped: vnet vm start NAME)"),
    true,
  ).action(async (name: string, o: ClientOpts & { host: string; tenant?: string; driver: string; nic?: string[]; start?: boolean }) => {
    const nics = (o.nic ?? []).map(parseNic);
    const body: Obj = { name, host: o.host, driver: o.driver, nics };
    if (o.tenant) body.tenant = o.tenant;
    let v = (await call(o, "POST", "/api/vms", body)) as Obj;
    // Created first, started second: a start that fails leaves the VM defined, and says why.
    if (o.start) v = (await call(o, "POST", `/api/vms/${enc(s(v.id))}/start`)) as Obj;
    print(o, v, () => [[s(v.id), s(v.name), s(v.state)]]);
  });
  // Always JSON (every field, nested NICs); --json is accepted like on the other sub-commands.
  clientOptions(vm.command("show <vm>").description("one VM, as JSON"), true).action(async (ref: string, o: ClientOpts) => {
    process.stdout.write(JSON.stringify(await call(o, "GET", `/api/vms/${enc(ref)}`), null, 2) + "\n");
  });
  for (const action of ["start", "stop", "reboot"] as const) {
    clientOptions(vm.command(`${action} <vm>`).description(`${action} a VM`), true).action(async (ref: string, o: ClientOpts) => {
      const v = (await call(o, "POST", `/api/vms/${enc(ref)}/${action}`)) as Obj;
      print(o, v, () => [[s(v.name), s(v.state)]]);
    });
  }
  const nic = vm.command("nic").description("a VM's NICs");
  clientOptions(nic.command("add <vm> <spec>").description("add a NIC: NETWORK[,mac=MAC][,ip=IP]"), true).action(async (ref: string, spec: string, o: ClientOpts) => {
    const v = (await call(o, "POST", `/api/vms/${enc(ref)}/nics`, parseNic(spec))) as Obj;
    print(o, v, () => [[s(v.name), (v.nics as Obj[]).map((n) => `${s(n.network)}:${s(n.mac)}/${s(n.ip)}`).join(" ")]]);
  });
  clientOptions(
    vm
      .command("move <vm> <network>")
      .description("move a VM's NIC to another network of its tenant (a running VM's NIC moves at once)")
      .option("--nic <nic>", "which NIC (id or MAC); needed when the VM has several")
      .option("--ip <ip>", "a fixed address in the new network (default: the IPAM's choice)"),
    true,
  ).action(async (ref: string, network: string, o: ClientOpts & { nic?: string; ip?: string }) => {
    let nicRef = o.nic;
    if (nicRef === undefined) {
      const nics = ((await call(o, "GET", `/api/vms/${enc(ref)}`)) as Obj).nics as Obj[];
      if (nics.length !== 1) throw new ApiClientError(`VM "${ref}" has ${nics.length} NICs: say which with --nic (${nics.map((n) => s(n.mac)).join(", ") || "none"})`);
      nicRef = s(nics[0]!.id);
    }
    const v = (await call(o, "PATCH", `/api/vms/${enc(ref)}/nics/${enc(nicRef)}`, { network, ...(o.ip ? { ip: o.ip } : {}) })) as Obj;
    print(o, v, () => [[s(v.name), (v.nics as Obj[]).map((n) => `${s(n.network)}:${s(n.mac)}/${s(n.ip)}`).join(" ")]]);
  });
  clientOptions(nic.command("rm <vm> <nic>").description("remove a NIC (by id or MAC)")).action(async (ref: string, nicRef: string, o: ClientOpts) => {
    await call(o, "DELETE", `/api/vms/${enc(ref)}/nics/${enc(nicRef)}`);
  });
  clientOptions(vm.command("rm <vm>").description("delete a VM and its NICs").option("--force", "forget it even if no driver can destroy it")).action(
    async (ref: string, o: ClientOpts & { force?: boolean }) => {
      await call(o, "DELETE", `/api/vms/${enc(ref)}${o.force ? "?force=true" : ""}`);
    },
  );
}
