// A private Open vSwitch for the controller's integration tests: its own ovsdb-server and
// ovs-vswitchd in a temp run directory, in the root namespace, so tests never touch a system OVS
// or each other's. Every bridge is userspace (datapath_type=netdev, set in the same transaction as
// the bridge, see /work/shared/lab-notes.md). stop() deletes the bridges first (netdev taps
// outlive vswitchd otherwise), then the daemons, then the directory.

import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface OvsTls {
  key: string;
  cert: string;
  ca: string;
}

export class PrivateOvs {
  private readonly bridges = new Set<string>();

  private constructor(
    readonly dir: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** `tls` gives vswitchd the key, certificate and CA it uses for ssl: controller targets. */
  static async start(prefix: string, tls?: OvsTls): Promise<PrivateOvs> {
    const dir = mkdtempSync(join(tmpdir(), `${prefix}-ovs-`));
    const env = { ...process.env, OVS_RUNDIR: dir, OVS_DBDIR: dir, OVS_LOGDIR: dir, OVS_SYSCONFDIR: dir };
    const ovs = new PrivateOvs(dir, env);
    try {
      const db = join(dir, "conf.db");
      await ovs.exec("ovsdb-tool", ["create", db, "/usr/share/openvswitch/vswitch.ovsschema"]);
      await ovs.exec("ovsdb-server", [
        db,
        `--remote=punix:${join(dir, "db.sock")}`,
        `--pidfile=${join(dir, "ovsdb-server.pid")}`,
        `--unixctl=${join(dir, "ovsdb-server.ctl")}`,
        `--log-file=${join(dir, "ovsdb-server.log")}`,
        "--detach",
      ]);
      await ovs.vsctl("--no-wait", "init");
      const ssl = tls ? [`--private-key=${tls.key}`, `--certificate=${tls.cert}`, `--ca-cert=${tls.ca}`] : [];
      await ovs.exec("ovs-vswitchd", [
        `unix:${join(dir, "db.sock")}`,
        `--pidfile=${join(dir, "ovs-vswitchd.pid")}`,
        `--unixctl=${join(dir, "ovs-vswitchd.ctl")}`,
        `--log-file=${join(dir, "ovs-vswitchd.log")}`,
        ...ssl,
        "--detach",
      ]);
      return ovs;
    } catch (err) {
      await ovs.stop();
      throw err;
    }
  }

  async exec(command: string, args: string[]): Promise<string> {
    try {
      const { stdout } = await run(command, args, { env: this.env, timeout: 20_000 });
      return stdout;
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`${command} ${args.join(" ")} failed: ${e.stderr?.trim() || e.message}`);
    }
  }

  vsctl(...args: string[]): Promise<string> {
    return this.exec("ovs-vsctl", [`--db=unix:${join(this.dir, "db.sock")}`, "--timeout=10", ...args]);
  }

  ofctl(...args: string[]): Promise<string> {
    return this.exec("ovs-ofctl", ["-O", "OpenFlow13", ...args]);
  }

  /**
   * A userspace bridge under a controller: OpenFlow 1.3 only, fail_mode secure (nothing forwards
   * without the controller), a fixed datapath id, and a 1 s reconnect back-off for tests.
   */
  async addBridge(name: string, datapathId: bigint, controllerTarget: string): Promise<void> {
    this.bridges.add(name);
    await this.vsctl(
      "add-br", name,
      "--", "set", "bridge", name, "datapath_type=netdev", "protocols=OpenFlow13", "fail_mode=secure",
      `other-config:datapath-id=${datapathId.toString(16).padStart(16, "0")}`,
      "--", "set-controller", name, controllerTarget,
      "--", "set", "controller", name, "max_backoff=1000",
    );
  }

  async addPort(bridge: string, port: string): Promise<void> {
    await this.vsctl("add-port", bridge, port);
  }

  /** Freezes (SIGSTOP) or thaws (SIGCONT) ovs-vswitchd: a switch that stops answering, then recovers. */
  freezeVswitchd(frozen: boolean): void {
    const pid = this.pidOf("ovs-vswitchd");
    if (pid !== undefined && alive(pid)) process.kill(pid, frozen ? "SIGSTOP" : "SIGCONT");
  }

  private pidOf(daemon: string): number | undefined {
    const pidFile = join(this.dir, `${daemon}.pid`);
    return existsSync(pidFile) ? Number(readFileSync(pidFile, "utf8").trim()) : undefined;
  }

  /** The log of ovs-vswitchd, for a failing test's message. */
  vswitchdLog(): string {
    const file = join(this.dir, "ovs-vswitchd.log");
    return existsSync(file) ? readFileSync(file, "utf8") : "";
  }

  async stop(): Promise<void> {
    this.freezeVswitchd(false); // a test that failed while it was frozen must not hang the teardown
    for (const bridge of this.bridges) await this.vsctl("--if-exists", "del-br", bridge).catch(() => {});
    for (const daemon of ["ovs-vswitchd", "ovsdb-server"]) {
      const pid = this.pidOf(daemon);
      if (pid === undefined) continue;
      await this.exec("ovs-appctl", ["-t", join(this.dir, `${daemon}.ctl`), "exit"]).catch(() => {});
      for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 20));
      if (alive(pid)) process.kill(pid, "SIGKILL");
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
