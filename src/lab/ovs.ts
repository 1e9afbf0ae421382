// A private Open vSwitch: its own database, ovsdb-server and (optionally) ovs-vswitchd, with every
// file (db, sockets, pidfiles, logs) inside one run directory, optionally inside a network
// namespace. The lab makes one per host; tests make one to talk to a real server.

import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { inNetns, run, tryRun } from "./exec";

export const VSWITCH_SCHEMA_PATH = "/usr/share/openvswitch/vswitch.ovsschema";

export interface OvsPaths {
  dir: string;
  db: string;
  /** unix socket of ovsdb-server. */
  sock: string;
  dbPidfile: string;
  vswitchdPidfile: string;
}

export function ovsPaths(dir: string): OvsPaths {
  return {
    dir,
    db: join(dir, "conf.db"),
    sock: join(dir, "db.sock"),
    dbPidfile: join(dir, "ovsdb-server.pid"),
    vswitchdPidfile: join(dir, "ovs-vswitchd.pid"),
  };
}

/** Environment that keeps every OVS file (control sockets, bridge mgmt sockets) in the run dir. */
export function ovsEnv(dir: string): NodeJS.ProcessEnv {
  return { ...process.env, OVS_RUNDIR: dir, OVS_DBDIR: dir, OVS_LOGDIR: dir, OVS_SYSCONFDIR: dir };
}

export interface OvsdbServerOptions {
  dir: string;
  netns?: string;
  /** Extra remotes, e.g. "ptcp:6640:192.0.2.2" or "pssl:6641:127.0.0.1". */
  remotes?: string[];
  /** For pssl remotes (and ssl targets of the server). */
  ssl?: { privateKey: string; certificate: string; caCert: string };
  /** Written to Open_vSwitch external_ids:system-id at init. */
  systemId?: string;
  /** Create the database if missing (default true). */
  create?: boolean;
}

/** Creates the db when missing, starts ovsdb-server detached, and initialises the root row. */
export async function startOvsdbServer(o: OvsdbServerOptions): Promise<number> {
  const p = ovsPaths(o.dir);
  mkdirSync(o.dir, { recursive: true });
  const env = ovsEnv(o.dir);
  const fresh = !existsSync(p.db);
  if (fresh && o.create !== false) await run(["ovsdb-tool", "create", p.db, VSWITCH_SCHEMA_PATH], { env });
  const argv = [
    "ovsdb-server",
    p.db,
    `--remote=punix:${p.sock}`,
    ...(o.remotes ?? []).map((r) => `--remote=${r}`),
    `--pidfile=${p.dbPidfile}`,
    `--unixctl=${join(o.dir, "ovsdb-server.ctl")}`,
    `--log-file=${join(o.dir, "ovsdb-server.log")}`,
    "--no-chdir",
    "--detach",
  ];
  if (o.ssl) argv.push(`--private-key=${o.ssl.privateKey}`, `--certificate=${o.ssl.certificate}`, `--ca-cert=${o.ssl.caCert}`);
  await run(inNetns(o.netns, argv), { env });
  if (fresh) {
    const init = ["ovs-vsctl", `--db=unix:${p.sock}`, "--no-wait", "--", "init"];
    if (o.systemId) init.push("--", "set", "Open_vSwitch", ".", `external_ids:system-id=${o.systemId}`);
    await run(init, { env });
  }
  return readPid(p.dbPidfile) ?? 0;
}

export interface VswitchdOptions {
  dir: string;
  netns?: string;
}

/** Starts ovs-vswitchd detached (it returns once initialised), inside the namespace if given. */
export async function startVswitchd(o: VswitchdOptions): Promise<number> {
  const p = ovsPaths(o.dir);
  const argv = [
    "ovs-vswitchd",
    `unix:${p.sock}`,
    `--pidfile=${p.vswitchdPidfile}`,
    `--unixctl=${join(o.dir, "ovs-vswitchd.ctl")}`,
    `--log-file=${join(o.dir, "ovs-vswitchd.log")}`,
    "--no-chdir",
    "--detach",
  ];
  await run(inNetns(o.netns, argv), { env: ovsEnv(o.dir) });
  return readPid(p.vswitchdPidfile) ?? 0;
}

export function readPid(pidfile: string): number | undefined {
  try {
    const n = Number(readFileSync(pidfile, "utf8").trim());
    return Number.isInteger(n) && n > 1 ? n : undefined;
  } catch {
    return undefined;
  }
}

/**
 * True while the process runs. A detached daemon's parent is init, which may reap it late: a zombie
 * (state Z in /proc/PID/stat) has finished and counts as gone.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL if the process is still there after `graceMs`. Resolves when it is gone. */
export async function killPid(pid: number, graceMs = 2000): Promise<void> {
  if (!isAlive(pid)) return;
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(20);
  if (isAlive(pid)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* already gone */
    }
    while (isAlive(pid)) await sleep(10);
  }
}

/** Kills the process named by a pidfile, after checking it is the program we expect. */
export async function killPidfile(pidfile: string, program: string, graceMs?: number): Promise<void> {
  const pid = readPid(pidfile);
  if (pid === undefined) return;
  // A stale pidfile may name a recycled pid: only kill if the command line is ours.
  let cmdline = "";
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return;
  }
  if (!cmdline.includes(program)) return;
  await killPid(pid, graceMs);
}

export async function stopOvs(dir: string): Promise<void> {
  const p = ovsPaths(dir);
  await killPidfile(p.vswitchdPidfile, "ovs-vswitchd");
  await killPidfile(p.dbPidfile, "ovsdb-server");
}

/** ovs-vsctl against this instance, for debugging and tests that want a second opinion. */
export function vsctl(dir: string, args: readonly string[]): Promise<string> {
  return run(["ovs-vsctl", `--db=unix:${ovsPaths(dir).sock}`, "--no-wait", ...args], { env: ovsEnv(dir) });
}

export function appctl(dir: string, daemon: "ovs-vswitchd" | "ovsdb-server", args: readonly string[]): Promise<string> {
  return run(["ovs-appctl", `--target=${join(dir, `${daemon}.ctl`)}`, ...args], { env: ovsEnv(dir) });
}

export { tryRun };

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
