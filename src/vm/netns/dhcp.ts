// The DHCP client of a netns VM: busybox udhcpc in the VM's namespace, one per NIC, detached so
// that it outlives the process that started it (a VM keeps running when `vnet serve` restarts).
// Its event script configures the address and records the lease in the VM's run directory. It
// never touches /etc/resolv.conf: `ip netns exec` shares the host's /etc, and udhcpc's default
// script would overwrite the machine's resolver configuration.

import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isAlive, killPid, readPid } from "../../lab/ovs";
import { tryRun } from "../../lab/exec";

/** The udhcpc event script for a VM whose run directory is `dir` (pure). */
export function udhcpcScript(dir: string): string {
  const q = `'${dir.replace(/'/g, `'\\''`)}'`;
  return `#!/bin/sh
# vnet netns VM: udhcpc calls this with deconfig, bound, renew, leasefail or nak.
dir=${q}
out="$dir/lease-$interface"
case "$1" in
  deconfig)
    ip -4 addr flush dev "$interface"
    ip link set "$interface" up
    rm -f "$out"
    ;;
  bound|renew)
    if ! ip -4 -o addr show dev "$interface" | grep -q " $ip/\${mask:-24} "; then
      ip -4 addr flush dev "$interface"
      ip addr add "$ip/\${mask:-24}" dev "$interface"
    fi
    # Option 26: overlay networks carry VXLAN/Geneve headers, so the server may lower the MTU.
    if [ -n "$mtu" ]; then
      ip link set "$interface" mtu "$mtu"
    fi
    if [ -n "$router" ]; then
      set -- $router
      ip route replace default via "$1" dev "$interface"
    fi
    printf 'ip=%s/%s\\nrouter=%s\\ndns=%s\\nlease=%s\\nserver=%s\\nmtu=%s\\n' "$ip" "\${mask:-24}" "$router" "$dns" "$lease" "$serverid" "$mtu" > "$out.tmp"
    mv "$out.tmp" "$out"
    ;;
esac
exit 0
`;
}

export interface Lease {
  ifname: string;
  /** "A.B.C.D/LEN" */
  ip: string;
  router: string | null;
  dns: string[];
  leaseSeconds: number | null;
  server: string | null;
  /** The MTU the server handed out (option 26), if any. */
  mtu: number | null;
}

/** Parses a lease file the script wrote (pure). */
export function parseLease(ifname: string, text: string): Lease | undefined {
  const kv = new Map(
    text
      .split("\n")
      .map((l) => l.split("="))
      .filter((p) => p.length >= 2)
      .map((p) => [p[0]!, p.slice(1).join("=").trim()] as const),
  );
  const ip = kv.get("ip");
  if (!ip || !/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(ip)) return undefined;
  const lease = Number(kv.get("lease"));
  const mtuText = kv.get("mtu");
  const mtu = mtuText ? Number(mtuText) : undefined;
  return {
    ifname,
    ip,
    router: kv.get("router")?.split(" ")[0] || null,
    dns: (kv.get("dns") ?? "").split(" ").filter(Boolean),
    leaseSeconds: Number.isFinite(lease) && lease > 0 ? lease : null,
    server: kv.get("server") || null,
    mtu: mtu !== undefined && Number.isInteger(mtu) && mtu >= 68 ? mtu : null,
  };
}

export function readLeases(dir: string): Lease[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => /^lease-eth\d+$/.test(f)).sort();
  } catch {
    return [];
  }
  return files
    .map((f) => {
      try {
        return parseLease(f.slice("lease-".length), readFileSync(join(dir, f), "utf8"));
      } catch {
        return undefined;
      }
    })
    .filter((l): l is Lease => l !== undefined);
}

const pidfileOf = (dir: string, ifname: string): string => join(dir, `udhcpc-${ifname}.pid`);

/**
 * True when the pid runs udhcpc. The command line is checked, not the name: just after the spawn
 * the process is still `ip netns exec ... udhcpc`, and a stale pidfile may name a recycled pid.
 */
function isUdhcpc(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes("udhcpc");
  } catch {
    return false;
  }
}

export function clientRunning(dir: string, ifname: string): boolean {
  const pid = readPid(pidfileOf(dir, ifname));
  return pid !== undefined && isAlive(pid) && isUdhcpc(pid);
}

/** Starts udhcpc on one NIC unless it already runs there. */
export function startClient(o: { dir: string; netns: string; ifname: string; hostname: string }): void {
  if (clientRunning(o.dir, o.ifname)) return;
  const script = join(o.dir, "udhcpc.sh");
  if (!existsSync(script)) writeFileSync(script, udhcpcScript(o.dir), { mode: 0o755 });
  const log = openSync(join(o.dir, `udhcpc-${o.ifname}.log`), "a");
  try {
    const child = spawn(
      "ip",
      [
        "netns", "exec", o.netns,
        "udhcpc", "-f", "-i", o.ifname, "-s", script, "-p", pidfileOf(o.dir, o.ifname),
        // Three DISCOVERs one second apart, then a 3 s pause, forever (until stopped).
        "-t", "3", "-T", "1", "-A", "3",
        "-x", `hostname:${o.hostname}`,
      ],
      { detached: true, stdio: ["ignore", log, log] },
    );
    child.on("error", () => undefined);
    child.unref();
    // `ip netns exec` execs udhcpc, so the child's pid is udhcpc's; write it now rather than
    // waiting for udhcpc to write it, so that a stop right after a start finds it.
    if (child.pid !== undefined) writeFileSync(pidfileOf(o.dir, o.ifname), `${child.pid}\n`);
  } finally {
    closeSync(log);
  }
}

/** Stops the DHCP client of one NIC (or of every NIC), and forgets its lease. */
export async function stopClients(dir: string, netns: string, ifname?: string): Promise<void> {
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => /^udhcpc-eth\d+\.pid$/.test(f));
  } catch {
    // No run directory: nothing was started from here.
  }
  const wanted = ifname === undefined ? files : files.filter((f) => f === `udhcpc-${ifname}.pid`);
  await Promise.all(
    wanted.map(async (f) => {
      const pid = readPid(join(dir, f));
      if (pid !== undefined && isUdhcpc(pid)) await killPid(pid, 1000);
      rmSync(join(dir, f), { force: true });
      rmSync(join(dir, f.replace(/^udhcpc-(eth\d+)\.pid$/, "lease-$1")), { force: true });
    }),
  );
  if (ifname !== undefined) return;
  // Any client left in the namespace whose pidfile was lost.
  const r = await tryRun(["ip", "netns", "pids", netns]);
  const left = r.stdout.split(/\s+/).filter(Boolean).map(Number).filter((p) => Number.isInteger(p) && p > 1 && isUdhcpc(p));
  await Promise.all(left.map((p) => killPid(p, 1000)));
}
