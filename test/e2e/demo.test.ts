// The dashboard in Debian's Chromium against the real thing: `startDemo` builds a 2-host lab, runs
// vnet (controller, realisers, netns VMs, live feed) and registers two tenants, exactly as
// `vnet demo` does. The topology shows the hosts and VMs the realisers reported, a flow's packet
// counter grows in the flows view after a real ping, and a tenant token never sees the other
// tenant. Screenshots go to docs/screenshots/demo-*.png.
import { mkdirSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../src/lab/exec";
import { setLogLevel } from "../../src/log";
import { startDemo, type RunningDemo } from "../../src/demo/run";
import { SHOTS } from "../support/screenshots";

setLogLevel("warn");
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const lab = `dm${randomBytes(3).toString("hex").slice(0, 5)}`;

let demo: RunningDemo | undefined;
let browser: Browser | undefined;

async function login(token: string): Promise<Page> {
  const context = await browser!.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on("pageerror", (e) => console.error("page error:", e.message));
  await page.goto(demo!.url + "/");
  await page.fill("#login-token", token);
  await page.click("#login-form button[type=submit]");
  await page.waitForSelector("body[data-live=up]");
  return page;
}

async function waitForIds(page: Page, ids: string[]): Promise<void> {
  await page.waitForFunction(
    (want) => {
      const have = (document.querySelector("#topology-graph") as HTMLElement | null)?.dataset.ids?.split(" ") ?? [];
      return want.every((id) => have.includes(id));
    },
    ids,
    { timeout: 15_000 },
  );
}

const graphIds = async (page: Page) => ((await page.getAttribute("#topology-graph", "data-ids")) ?? "").split(" ");
const vmNamed = (name: string) => demo!.vnet.store.state().vms.find((v) => v.name === name)!;
const ipOf = (name: string) => demo!.vnet.store.state().model.ports.find((p) => p.vmId === vmNamed(name).id)!.ip!;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  demo = await startDemo({ backend: "ovs", vm: "netns", listen: "127.0.0.1", port: 0, lab, controllerPort: 0, print: () => undefined });
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
}, 60_000);

describe("the dashboard on a live demo", () => {
  it("the topology shows both hosts, their switches and all eight VMs", async () => {
    const admin = await login(demo!.adminToken);
    const s = demo!.vnet.store.state();
    const dpids = demo!.vnet.realisation.status().map((x) => x.dpid);
    await waitForIds(admin, ["host:h1", "host:h2", ...dpids.map((d) => `sw:${d}`), ...s.vms.map((v) => `vm:${v.id}`)]);
    expect((await graphIds(admin)).filter((id) => id.startsWith("vm:"))).toHaveLength(8);
    await admin.waitForTimeout(1500); // the layout settles
    await admin.screenshot({ path: join(SHOTS, "demo-topology.png") });
    await admin.context().close();
  }, 60_000);

  it("a ping makes red1's flow counter grow in the flows view", async () => {
    const admin = await login(demo!.adminToken);
    const h1 = demo!.vnet.realisation.status().find((x) => demo!.vnet.store.state().model.hosts.find((h) => h.id === x.hostId)?.name === "h1")!;
    const ofport = h1.wiring!.vmPorts[demo!.vnet.store.state().model.ports.find((p) => p.vmId === vmNamed("red1").id)!.id]!;
    await admin.goto(`${demo!.url}/#/flows?dpid=${h1.dpid}`);
    await admin.waitForSelector("#flows-table-view tbody tr");
    await admin.selectOption("#flows-vm", "red1");
    // red1's classify flow: every packet it sends passes it.
    const row = admin.locator("#flows-table-view tbody tr", { hasText: `priority=100,in_port=${ofport} ` });
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(1);
    const packets = async () => Number(/n_packets=(\d+)/.exec((await row.textContent()) ?? "")?.[1] ?? NaN);
    const before = await packets();
    expect(before).toBeGreaterThanOrEqual(0);
    await run(["ip", "netns", "exec", vmNamed("red1").netns!, "busybox", "ping", "-c", "5", "-i", "0.2", ipOf("red3")]);
    await expect.poll(packets, { timeout: 10_000 }).toBeGreaterThanOrEqual(before + 5);
    await admin.screenshot({ path: join(SHOTS, "demo-flows.png") });
    await admin.context().close();
  }, 60_000);

  it("a tenant token sees its own VMs and flows only", async () => {
    const red = await login(demo!.tenantTokens.red!);
    const s = demo!.vnet.store.state();
    const tenantOf = (tenantId: string) => s.model.tenants.find((t) => t.id === tenantId)!.name;
    await waitForIds(red, s.vms.filter((v) => tenantOf(v.tenantId) === "red").map((v) => `vm:${v.id}`));
    const ids = await graphIds(red);
    for (const vm of s.vms) expect(ids.includes(`vm:${vm.id}`), vm.name).toBe(tenantOf(vm.tenantId) === "red");
    expect(await red.textContent("#whoami")).toBe("tenant red");
    await red.screenshot({ path: join(SHOTS, "demo-tenant.png") });
    await red.click("#nav-flows");
    await red.waitForSelector("#flows-table-view tbody tr");
    const macOf = (vm: string) => s.model.ports.find((p) => p.vmId === vmNamed(vm).id)!.mac;
    await expect.poll(() => red.textContent("#flows-table-view tbody")).toContain(macOf("red1"));
    expect(await red.textContent("#flows-table-view tbody")).not.toContain(macOf("blue1"));
    const status = await red.evaluate(async (id) => (await fetch(`/api/vms/${id}`)).status, vmNamed("blue1").id);
    expect(status).toBe(404);
    await red.context().close();
  }, 60_000);
});
