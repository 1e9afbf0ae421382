// `vnet serve` as a child process: every write the API acknowledged survives kill -9, and the
// CLI (`vnet token create`, `vnet net list --json`, ...) drives the same server.
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
 * server, and SIGKILL to the launcher would leave the server running. Its OpenFlow controller
 * listens on any free loopback port: 6653 may belong to another test or a running demo.
 */
function serve(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", main, "serve", "--data-dir", dataDir, "--port", "0", "--no-dashboard", "--controller-listen", "127.0.0.1:0"], {
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
    // Sequential writes (networks: `vnet serve` runs real VM drivers, which refuse VMs on hosts
    // that are not real here), then a concurrent burst killed half-way: SIGKILL lands while
    // requests are in flight, right after the 10th acknowledgement of the burst.
    const names: string[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await call(first.url, "POST", "/api/networks", { name: `web${i}`, tenant: "red", subnet: "198.51.100.0/24", gateway: "198.51.100.1" });
      expect(r.status).toBe(201);
      names.push(`web${i}`);
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
    const nets = await call(second.url, "GET", "/api/networks?tenant=red");
    expect(nets.body.map((n: any) => n.name).sort()).toEqual([...names].sort());
    expect(nets.body.find((n: any) => n.name === "web19").segmentationId).toBe(20);

    // The CLI client against the restarted server.
    const env = { VNET_SERVER: second.url, VNET_TOKEN: secret };
    const { stdout: listed } = await vnet(["net", "list", "--tenant", "red", "--json"], env);
    expect(JSON.parse(listed)).toHaveLength(20);
    await vnet(["tenant", "add", "blue"], env);
    await vnet(["net", "add", "db", "--tenant", "blue", "--subnet", "203.0.113.0/24", "--gateway", "203.0.113.1", "--mtu", "1450"], env);
    await vnet(["net", "set", "db", "--dns", "192.0.2.53"], env);
    await expect(vnet(["net", "set", "db", "--mtu", "20"], env)).rejects.toMatchObject({ stderr: expect.stringMatching(/MTU must be an integer from 68 to 9216 \[validation_failed\]/) });
    const { stdout: table } = await vnet(["net", "list", "--tenant", "blue"], env);
    expect(table).toMatch(/db\s+overlay\s+21\s+203\.0\.113\.0\/24\s+203\.0\.113\.1\s+1450/);
    // A refused request: the CLI exits non-zero with the API's message.
    await expect(vnet(["tenant", "rm", "red"], env)).rejects.toMatchObject({ stderr: expect.stringMatching(/still has network "web\d+".*\[in_use\]/s) });
    await killHard(second.child);
  }, 90_000);
});
