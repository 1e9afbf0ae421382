// `vnet demo` as a person runs it: a child process that builds the lab, starts vnet, registers
// hosts, tenants and VMs, and prints a "ready" block. The test reads what it printed, uses the
// admin and tenant tokens against the API, runs the printed ping command, then sends SIGINT and
// checks that nothing is left: no namespace, no OVS or DHCP process, no lab directory.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tryRun } from "../../src/lab/exec";
import { labDown } from "../../src/lab/lab";
import { runRoot } from "../../src/lab/state";

const root = resolve(__dirname, "../..");
const main = join(root, "src/cli/main.ts");
const children: ChildProcess[] = [];
const labs: string[] = [];

interface Ready {
  child: ChildProcess;
  url: string;
  admin: string;
  tokens: Record<string, string>;
  ping: string;
  output: () => string;
  exited: Promise<number | null>;
}

function startDemo(backend: string, lab: string): Promise<Ready> {
  const child = spawn(process.execPath, ["--import", "tsx", main, "demo", "--backend", backend, "--lab", lab, "--port", "0", "--controller-port", "0"], {
    cwd: root,
    env: { ...process.env, VNET_LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let out = "";
  let err = "";
  child.stderr!.on("data", (b: Buffer) => (err += b.toString()));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`no ready line after 90 s:\n${out}\n${err}`)), 90_000);
    void exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`vnet demo exited with ${code}:\n${out}\n${err}`));
    });
    child.stdout!.on("data", (b: Buffer) => {
      out += b.toString();
      if (!/vnet demo: ready/.test(out)) return;
      clearTimeout(timer);
      const tokens: Record<string, string> = {};
      for (const m of out.matchAll(/^\s+(\w+) token:\s+(vnet_\S+)$/gm)) tokens[m[1]!] = m[2]!;
      done({
        child,
        url: /dashboard:\s+(http:\/\/\S+?)\/?$/m.exec(out)![1]!,
        admin: tokens.admin!,
        tokens,
        ping: /^\s+(ip netns exec \S+ busybox ping .*)$/m.exec(out)![1]!,
        output: () => out + err,
        exited,
      });
    });
  });
}

async function call<T = any>(d: Ready, path: string, token: string): Promise<T> {
  const res = await fetch(d.url + path, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
}

/** Everything a lab named `lab` could leave: namespaces, links, processes, its run directory. */
async function leftovers(lab: string): Promise<string[]> {
  const out: string[] = [];
  const ns = (await tryRun(["ip", "netns", "list"])).stdout;
  out.push(...ns.split("\n").filter((l) => l.includes(`lb-${lab}`)));
  const links = (await tryRun(["ip", "-o", "link", "show"])).stdout;
  out.push(...links.split("\n").filter((l) => l.includes(`lb-${lab}`)));
  const ps = (await tryRun(["ps", "-eo", "pid,args"])).stdout;
  out.push(...ps.split("\n").filter((l) => l.includes(`vnet-lab/${lab}/`) || l.includes(`lb-${lab}-`)));
  if (existsSync(join(runRoot(), lab))) out.push(`${runRoot()}/${lab}`);
  return out;
}

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  for (const l of labs) await labDown(l).catch(() => undefined);
}, 60_000);

describe.each(["ovs", "mixed"])("vnet demo --backend %s", (backend) => {
  const lab = `dm${randomBytes(3).toString("hex").slice(0, 5)}`;
  labs.push(lab);
  let d: Ready;

  it("prints a ready block whose tokens, URL and ping command work", async () => {
    const t0 = Date.now();
    d = await startDemo(backend, lab);
    console.log(`vnet demo --backend ${backend}: ready after ${Date.now() - t0} ms`);
    expect(d.output()).toMatch(/\[1\/7\] lab/);
    expect(d.output()).toMatch(/\[6\/7\] DHCP: 8\/8 VMs leased/);

    const hosts = await call<Array<{ name: string; backend: string; status: { openflowConnected: boolean } }>>(d, "/api/hosts", d.admin);
    expect(hosts.map((h) => `${h.name}:${h.backend}`)).toEqual(backend === "mixed" ? ["h1:ovs", "h2:bridge"] : ["h1:ovs", "h2:ovs"]);
    expect(hosts.find((h) => h.name === "h1")!.status.openflowConnected).toBe(true);
    const vms = await call<Array<{ name: string; state: string }>>(d, "/api/vms", d.admin);
    expect(vms.map((v) => v.state)).toEqual(Array(8).fill("running"));

    // A tenant token sees its own VMs only.
    const redVms = await call<Array<{ name: string }>>(d, "/api/vms", d.tokens.red!);
    expect(redVms.map((v) => v.name).sort()).toEqual(["red1", "red2", "red3", "red4"]);

    // The printed command: red1 on h1 to red3 on h2, across the tunnel.
    const ping = await tryRun(["sh", "-c", d.ping.replace("-c 5", "-c 3 -W 2")]);
    expect(ping.code, ping.stdout + ping.stderr).toBe(0);
  }, 120_000);

  it("SIGINT removes everything it made", async () => {
    expect(d, "the demo started").toBeDefined();
    const t0 = Date.now();
    d.child.kill("SIGINT");
    expect(await d.exited).toBe(0);
    console.log(`vnet demo --backend ${backend}: clean exit ${Date.now() - t0} ms after SIGINT`);
    expect(d.output()).toMatch(/everything removed/);
    expect(await leftovers(lab)).toEqual([]);
  }, 60_000);
});
