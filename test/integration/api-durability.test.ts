// `vnet serve` as a child process: every write the API acknowledged survives kill -9, and the
// CLI (`vnet token create`, `vnet vm list --json`, ...) drives the same server.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const root = resolve(__dirname, "../..");
const tsx = join(root, "node_modules/.bin/tsx");
const main = join(root, "src/cli/main.ts");
const run = promisify(execFile);

function vnet(args: string[], env: Record<string, string> = {}) {
  return run(tsx, [main, ...args], { cwd: root, env: { ...process.env, VNET_LOG_LEVEL: "silent", ...env } });
}

/**
 * Starts `vnet serve` and resolves with its URL once it prints the line scripts wait for. It runs
 * as ONE process (node with tsx's loader), not under the tsx launcher: the launcher forks the real
 * server, and SIGKILL to the launcher would leave the server running.
 */
function serve(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", main, "serve", "--data-dir", dataDir, "--port", "0", "--no-dashboard"], {
    cwd: root,
    env: { ...process.env, VNET_LOG_LEVEL: "silent" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolveUrl, reject) => {
    let out = "";
    let err = "";
    const timer = setTimeout(() => reject(new Error(`vnet serve did not start: ${out} ${err}`)), 20_000);
    child.stderr!.on("data", (b: Buffer) => (err += b.toString()));
    child.stdout!.on("data", (b: Buffer) => {
      out += b.toString();
      const m = /serving (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolveUrl({ child, url: m[1]! });
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`vnet serve exited with ${code}: ${err}`));
    });
  });
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function killHard(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    child.once("exit", () => done());
    child.kill("SIGKILL");
  });
}

describe("vnet serve durability and CLI", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "wb-durable-"));
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const c of children) await killHard(c);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("keeps every acknowledged write across kill -9, and the CLI sees it", async () => {
    const { stdout: token } = await vnet(["token", "create", "--role", "admin", "--name", "durability", "--data-dir", dataDir]);
    const secret = token.trim();
    expect(secret).toMatch(/^vnet_[A-Za-z0-9_-]{40,}$/);

    const first = await serve(dataDir);
    children.push(first.child);
    // A second server on the same inventory would diverge from the first: refused.
    await expect(serve(dataDir)).rejects.toThrow(/another vnet serve \(pid \d+\) is using/);
    const call = async (url: string, method: string, path: string, body?: unknown) => {
      const res = await fetch(url + path, {
        method,
        headers: { authorization: `Bearer ${secret}`, ...(body ? { "content-type": "application/json" } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return { status: res.status, body: res.status === 204 ? null : await res.json() };
    };
    expect((await call(first.url, "POST", "/api/tenants", { name: "red" })).status).toBe(201);
    expect((await call(first.url, "POST", "/api/hosts", { name: "hv1", managementAddress: "192.0.2.1", ovsdbTarget: "tcp:192.0.2.1:6640", backend: "bridge", tunnelIp: null })).status).toBe(201);
    const net = await call(first.url, "POST", "/api/networks", { name: "web", tenant: "red", subnet: "198.51.100.0/24", gateway: "198.51.100.1" });
    expect(net.status).toBe(201);
    // Sequential writes, then a concurrent burst killed half-way: SIGKILL lands while requests
    // are in flight, right after the 10th acknowledgement of the burst.
    const names: string[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await call(first.url, "POST", "/api/vms", { name: `vm${i}`, tenant: "red", host: "hv1", nics: [{ network: net.body.id }] });
      expect(r.status).toBe(201);
      names.push(`vm${i}`);
    }
    const acked: string[] = [];
    let killed: Promise<void> | undefined;
    await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        call(first.url, "POST", "/api/tenants", { name: `burst${i}` }).then(
          (r) => {
            if (r.status !== 201) throw new Error(`burst${i}: ${r.status}`);
            acked.push(`burst${i}`);
            if (acked.length === 10) killed = killHard(first.child);
          },
          () => undefined, // cut off by the kill: not acknowledged, may or may not be stored
        ),
      ),
    );
    await killed;
    expect(first.child.signalCode).toBe("SIGKILL");
    expect(isRunning(first.child.pid!)).toBe(false); // the server itself died, not a launcher
    expect(acked.length).toBeGreaterThanOrEqual(10);

    const second = await serve(dataDir);
    children.push(second.child);
    const tenants = (await call(second.url, "GET", "/api/tenants")).body.map((t: any) => t.name);
    for (const name of acked) expect(tenants).toContain(name);
    const vms = await call(second.url, "GET", "/api/vms");
    expect(vms.body.map((v: any) => v.name).sort()).toEqual([...names].sort());
    expect(vms.body.find((v: any) => v.name === "vm19").nics[0].ip).toBe("198.51.100.21");

    // The CLI client against the restarted server.
    const env = { VNET_SERVER: second.url, VNET_TOKEN: secret };
    const { stdout: listed } = await vnet(["vm", "list", "--json"], env);
    const parsed = JSON.parse(listed);
    expect(parsed).toHaveLength(20);
    expect(parsed[0]).toMatchObject({ host: "hv1", driver: "netns", state: "defined", nics: [{ network: "web", mac: expect.stringMatching(/^02:/), ip: expect.any(String) }] });
    await vnet(["tenant", "add", "blue"], env);
    await vnet(["net", "add", "db", "--tenant", "blue", "--subnet", "203.0.113.0/24", "--gateway", "203.0.113.1"], env);
    await vnet(["vm", "add", "b1", "--tenant", "blue", "--host", "hv1", "--nic", "db,ip=203.0.113.50"], env);
    await vnet(["net", "set", "db", "--dns", "192.0.2.53"], env);
    const { stdout: withNic } = await vnet(["vm", "nic", "add", "b1", "db", "--json"], env);
    expect(JSON.parse(withNic).nics.map((n: any) => n.ip)).toEqual(["203.0.113.50", "203.0.113.2"]);
    const { stdout: table } = await vnet(["vm", "list"], env);
    expect(table).toMatch(/b1\s+blue\s+hv1\s+netns\s+defined\s+db:02:[0-9a-f:]+\/203\.0\.113\.50 db:02:[0-9a-f:]+\/203\.0\.113\.2/);
    // A refused request: the CLI exits non-zero with the API's message.
    await expect(vnet(["host", "rm", "hv1"], env)).rejects.toMatchObject({ stderr: expect.stringMatching(/still has 21 VM\(s\).*\[in_use\]/s) });
    await killHard(second.child);
  }, 90_000);
});
