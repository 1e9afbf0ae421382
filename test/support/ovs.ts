// A private ovsdb-server (and optionally ovs-vswitchd inside its own namespace) for tests that
// talk to a real Open vSwitch. Unique names per call; `stop()` removes processes, namespace and
// files, and is safe to call twice (put it in afterAll).

import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { randomBytes } from "node:crypto";
import { startOvsdbServer, startVswitchd, stopOvs, ovsPaths, killPidfile, isAlive, readPid } from "../../src/lab/ovs";
import { run, tryRun } from "../../src/lab/exec";
import { writePrivateResolvConf, removePrivateResolvConf } from "../../src/lab/netns";

export interface PrivateOvs {
  dir: string;
  /** "unix:DIR/db.sock". */
  unixTarget: string;
  /** "tcp:127.0.0.1:PORT" when tcpPort was given. */
  tcpTarget?: string;
  sslTarget?: string;
  netns?: string;
  dbPid(): number | undefined;
  /** Kills ovsdb-server (SIGKILL, like a crash). */
  killDb(): Promise<void>;
  /** Starts ovsdb-server again on the same database and sockets. */
  restartDb(): Promise<void>;
  stop(): Promise<void>;
}

export interface PrivateOvsOptions {
  vswitchd?: boolean;
  tcpPort?: number;
  ssl?: { port: number; privateKey: string; certificate: string; caCert: string };
  systemId?: string;
}

export function uniqueSuffix(): string {
  return `${process.pid.toString(36)}${randomBytes(2).toString("hex")}`.slice(-6);
}

export async function startPrivateOvs(o: PrivateOvsOptions = {}): Promise<PrivateOvs> {
  const dir = mkdtempSync(join(tmpdir(), "lb-ovs-"));
  const netns = o.vswitchd ? `lb-o${uniqueSuffix()}` : undefined;
  const remotes: string[] = [];
  if (o.tcpPort) remotes.push(`ptcp:${o.tcpPort}:127.0.0.1`);
  if (o.ssl) remotes.push(`pssl:${o.ssl.port}:127.0.0.1`);
  const ssl = o.ssl ? { privateKey: o.ssl.privateKey, certificate: o.ssl.certificate, caCert: o.ssl.caCert } : undefined;
  const startDb = (): Promise<number> =>
    startOvsdbServer({ dir, remotes, ...(ssl ? { ssl } : {}), systemId: o.systemId ?? `test-${uniqueSuffix()}` });
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await stopOvs(dir);
    if (netns) {
      const pids = await tryRun(["ip", "netns", "pids", netns]);
      for (const pid of pids.stdout.split(/\s+/).filter(Boolean)) await tryRun(["kill", "-9", pid]);
      await tryRun(["ip", "netns", "del", netns]);
      removePrivateResolvConf(netns);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await startDb();
    if (netns) {
      writePrivateResolvConf(netns);
      await run(["ip", "netns", "add", netns]);
      await run(["ip", "-n", netns, "link", "set", "lo", "up"]);
      await startVswitchd({ dir, netns });
    }
  } catch (err) {
    await stop();
    throw err;
  }
  const out: PrivateOvs = {
    dir,
    unixTarget: `unix:${ovsPaths(dir).sock}`,
    dbPid: () => readPid(ovsPaths(dir).dbPidfile),
    killDb: async () => {
      const pid = readPid(ovsPaths(dir).dbPidfile);
      if (pid !== undefined && isAlive(pid)) {
        process.kill(pid, "SIGKILL");
        while (isAlive(pid)) await new Promise((r) => setTimeout(r, 5));
      }
      // A killed server leaves its pidfile and socket; the restart replaces both.
      rmSync(ovsPaths(dir).sock, { force: true });
      rmSync(ovsPaths(dir).dbPidfile, { force: true });
    },
    restartDb: async () => {
      await startDb();
    },
    stop,
  };
  if (o.tcpPort) out.tcpTarget = `tcp:127.0.0.1:${o.tcpPort}`;
  if (o.ssl) out.sslTarget = `ssl:127.0.0.1:${o.ssl.port}`;
  if (netns) out.netns = netns;
  return out;
}

/** A free TCP port on 127.0.0.1 (the kernel picks it; a tiny race is acceptable in tests). */
export async function freePort(): Promise<number> {
  const { createServer } = await import("node:net");
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** A throwaway CA, server and client certificate (EC P-256) for ssl: targets. */
export async function makeCertificates(dir: string): Promise<{ caCert: string; serverKey: string; serverCert: string; clientKey: string; clientCert: string }> {
  const f = (n: string): string => join(dir, n);
  const ossl = (args: string[]): Promise<string> => run(["openssl", ...args]);
  await ossl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", f("ca.key"), "-out", f("ca.crt"), "-days", "2", "-subj", "/CN=lb-test-ca"]);
  for (const who of ["server", "client"]) {
    await ossl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", f(`${who}.key`), "-out", f(`${who}.csr`), "-subj", `/CN=lb-test-${who}`]);
    await ossl(["x509", "-req", "-in", f(`${who}.csr`), "-CA", f("ca.crt"), "-CAkey", f("ca.key"), "-CAcreateserial", "-out", f(`${who}.crt`), "-days", "2"]);
  }
  return { caCert: f("ca.crt"), serverKey: f("server.key"), serverCert: f("server.crt"), clientKey: f("client.key"), clientCert: f("client.crt") };
}

export { killPidfile };
