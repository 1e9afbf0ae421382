// The dashboard in Debian's Chromium, driven by playwright-core, against a real server with a
// real inventory. Screenshots of the main pages go to docs/screenshots/.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pipelineTracer } from "../../src/api/pipeline-tracer";
import { cookieOwners } from "../../src/live/owners";
import type { ObservedFlow } from "../../src/live/types";
import { observedFlow } from "../../src/live/observe";
import { tableId } from "../../src/pipeline/tables";
import { LiveView } from "../../src/live/view";
import { seedTwoTenants, startFixture, switchViews, type Fixture } from "./fixtures";
import { SHOTS } from "../support/screenshots";

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const DPID = "0000000000000001";

async function login(browser: Browser, f: Fixture, token: string, width = 1280, height = 800): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  page.on("pageerror", (e) => console.error("page error:", e.message));
  await page.goto(f.server.url + "/");
  await page.fill("#login-token", token);
  await page.click("#login-form button[type=submit]");
  await page.waitForSelector("body[data-live=up]");
  return page;
}

const graphIds = (page: Page) => page.getAttribute("#topology-graph", "data-ids").then((s) => (s ?? "").split(" "));

describe("dashboard in Chromium", () => {
  let f: Fixture;
  let browser: Browser;
  let admin: Page;
  let flowsAt: (k: number) => ObservedFlow[];
  let compiled: Array<Omit<ObservedFlow, "packetCount" | "byteCount">>;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    // Playwright gives every launch a fresh temporary profile (its own --user-data-dir).
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
    // The "why" view asks the real pipeline: each host's flows compiled from the inventory.
    let fixture: Fixture | undefined;
    const tracer = pipelineTracer(() => fixture!.store.state(), () => switchViews(fixture!));
    // Flow owners come from the pipeline's cookies and the inventory, as in `vnet serve`.
    f = fixture = await startFixture({ dashboard: true, tracer, live: new LiveView({ flowOwner: cookieOwners(() => fixture!.store.state()) }) });
    await seedTwoTenants(f);
    // What the controller would report for hv1: the flows compiled for it, its NIC and tunnel
    // ports, and counters that grow by 10×(i+1) packets a second for the i-th flow.
    const state = f.store.state();
    const hv1 = state.model.hosts.find((h) => h.name === "hv1")!;
    const hv1View = switchViews(f).get(hv1.id)!;
    f.live.hostStatus("hv1", { ovsdbConnected: true, openflowConnected: true, dpid: DPID, libvirtReachable: true });
    f.live.hostStatus("hv2", { ovsdbConnected: true, openflowConnected: false });
    const nicPorts = Object.entries(hv1View.wiring.vmPorts).map(([portId, portNo]) => {
      const port = state.model.ports.find((p) => p.id === portId)!;
      const vm = state.vms.find((v) => v.id === port.vmId)!;
      const tenant = state.model.tenants.find((t) => t.id === vm.tenantId)!.name;
      return { portNo, name: `tap-${vm.name}`, hwAddr: port.mac, up: true, vm: vm.name, tenant };
    });
    const tunnelPorts = Object.values(hv1View.wiring.tunnels).map((portNo) => ({ portNo, name: "vx-hv2", hwAddr: "02:00:00:00:01:0a", up: true, tunnel: "hv1->hv2" }));
    f.live.topologyChanged({
      switches: [{ dpid: DPID, host: "hv1", name: "br-int", connected: true, ports: [...nicPorts, ...tunnelPorts] }],
      tunnels: [{ id: "hv1->hv2", fromHost: "hv1", toHost: "hv2", kind: "vxlan", remoteIp: "198.51.100.2", up: true }],
    });
    // Formatted as the controller's FLOW_STATS would be, with the codec's ovs-ofctl printer.
    compiled = hv1View.desired.flows.map((fl) => {
      const { packetCount: _p, byteCount: _b, ...rest } = observedFlow({
        tableId: tableId(fl.table),
        priority: fl.priority,
        cookie: fl.cookie,
        match: fl.match,
        instructions: fl.instructions,
        packetCount: 0n,
        byteCount: 0n,
        durationSec: 0,
        durationNsec: 0,
        idleTimeout: 0,
        hardTimeout: 0,
        flags: 0,
      });
      return rest;
    });
    flowsAt = (k: number) => compiled.map((fl, i) => ({ ...fl, packetCount: BigInt(k * 10 * (i + 1)), byteCount: BigInt(k * 980 * (i + 1)) }));
    const ports = (k: number) =>
      [...nicPorts, ...tunnelPorts].map(({ portNo }) => ({ portNo, rxPackets: BigInt(k * 10), txPackets: BigInt(k * 10), rxBytes: BigInt(k * (portNo % 7 + 1) * 125_000), txBytes: BigInt(k * (portNo % 7 + 1) * 60_000) }));
    f.live.flowsChanged(DPID, flowsAt(1), 1000);
    f.live.flowsChanged(DPID, flowsAt(2), 2000);
    f.live.portStats(DPID, ports(1), 1000);
    f.live.portStats(DPID, ports(2), 2000);
    admin = await login(browser, f, f.adminToken);
  });

  afterAll(async () => {
    await browser?.close();
    await f?.close();
  });

  it("the topology shows the hosts, the switch, the VMs and the tunnel, with live rates", async () => {
    await page_waitForIds(admin, ["host:hv1", "host:hv2", `sw:${DPID}`]);
    const ids = await graphIds(admin);
    const vms = f.store.state().vms;
    for (const vm of vms) expect(ids).toContain(`vm:${vm.id}`);
    const labels = await admin.getAttribute("#topology-graph", "data-labels");
    expect(labels).toMatch(/vxlan\s+\d+(\.\d)? Mbit\/s/); // the tunnel edge shows its traffic
    await admin.screenshot({ path: join(SHOTS, "topology.png") });
  });

  it("clicking a host shows its live status", async () => {
    await page_waitForIds(admin, ["host:hv1"]);
    // Cytoscape draws on a canvas: find where the host box is drawn and click inside its padding
    // as a person would; a tunnel edge may cross one corner, so try the corners in turn.
    const points = await admin.evaluate(() => {
      const el = document.querySelector("#topology-graph") as HTMLElement;
      const cy = (globalThis as any).vnetGraph;
      const p = cy.getElementById("host:hv1").renderedBoundingBox({ includeLabels: false, includeOverlays: false });
      const r = el.getBoundingClientRect();
      return [
        [p.x1 + 6, p.y1 + 6],
        [p.x2 - 6, p.y1 + 6],
        [p.x1 + 6, p.y2 - 6],
        [p.x2 - 6, p.y2 - 6],
      ].map(([x, y]) => ({ x: r.left + x!, y: r.top + y! }));
    });
    for (const pt of points) {
      await admin.mouse.click(pt.x, pt.y);
      // A missed click leaves no heading: wait briefly (Playwright would otherwise wait its whole
      // default timeout for the element) and try the next corner.
      if ((await admin.textContent("#topology-details h3", { timeout: 1500 }).catch(() => "")) === "Host hv1") break;
    }
    expect(await admin.textContent("#topology-details h3")).toBe("Host hv1");
    const text = await admin.textContent("#topology-details");
    expect(text).toContain("hv1");
    expect(text).toMatch(/OpenFlow\s*connected \(0000000000000001\)/);
  });

  it("the flow table shows ovs-ofctl text with counters and rates, filtered by tenant and table", async () => {
    await admin.click("#nav-flows");
    await admin.waitForSelector("#flows-table-view tbody tr");
    const rows = admin.locator("#flows-table-view tbody tr");
    expect(await rows.count()).toBe(compiled.length);
    expect(await admin.locator("#flows-table-view tbody tr.hot").count()).toBe(compiled.length); // every counter moves
    // The first compiled flow, in ovs-ofctl form with its counters (second dump: 20 packets) and
    // its rate (10 packets a second).
    const c0 = compiled[0]!;
    const row0 = rows.filter({ hasText: `n_packets=20, n_bytes=1960, priority=${c0.priority}${c0.match ? "," + c0.match : ""} actions=${c0.actions}` });
    expect(await row0.count()).toBe(1);
    expect(await row0.locator("td").nth(4).textContent()).toBe("10");
    // Tenant and table filters, against what the cookies say.
    const owner = cookieOwners(() => f.store.state());
    const redFlows = compiled.filter((c) => owner(c.cookie).tenant === "red");
    expect(redFlows.length).toBeGreaterThan(0);
    await admin.selectOption("#flows-tenant", "red");
    await expect.poll(() => rows.count()).toBe(redFlows.length);
    const red1Mac = f.store.state().model.ports.find((p) => p.vmId === f.store.state().vms.find((v) => v.name === "red1")!.id)!.mac;
    const blue1Mac = f.store.state().model.ports.find((p) => p.vmId === f.store.state().vms.find((v) => v.name === "blue1")!.id)!.mac;
    expect(await admin.textContent("#flows-table-view tbody")).toContain(red1Mac);
    expect(await admin.textContent("#flows-table-view tbody")).not.toContain(blue1Mac);
    await admin.selectOption("#flows-table", "40");
    await expect.poll(() => rows.count()).toBe(redFlows.filter((c) => c.tableId === 40).length);
    await admin.selectOption("#flows-table", "");
    await admin.selectOption("#flows-tenant", "");
    // Live: new counters arrive without reloading.
    f.live.flowsChanged(DPID, flowsAt(3), 3000);
    await expect.poll(() => admin.textContent("#flows-table-view tbody")).toContain("n_packets=30, n_bytes=2940");
    await admin.selectOption("#why-from", { label: "red1 (red)" });
    await admin.selectOption("#why-to", { label: "red2 (red)" });
    await admin.click("#why-form button");
    await admin.waitForSelector("#why-result .verdict");
    expect(await admin.textContent("#why-result")).toMatch(/delivered to red2 \(203\.0\.113\.3\) on hv2/);
    expect(await admin.locator("#why-result li").count()).toBeGreaterThan(3);
    await admin.screenshot({ path: join(SHOTS, "flows.png") });
  });

  it("creating a VM from the form makes it appear live in the list and the topology; bad input is flagged in place", async () => {
    await admin.click("#nav-manage");
    await admin.waitForSelector("#vm-form");
    // A network with a bad subnet: the model's message appears under the subnet field.
    await admin.fill("#net-form-name", "bad");
    await admin.fill("#net-form-subnet", "203.0.113.0/33");
    await admin.click("#net-form button[type=submit]");
    await expect.poll(() => admin.textContent('#net-form .field-error[data-for="subnet"]')).toMatch(/33/);
    expect(f.store.state().model.networks.some((n) => n.name === "bad")).toBe(false);
    // An MTU outside the model's range: its message appears under the MTU field.
    await admin.fill("#net-form-subnet", "203.0.113.0/24");
    await admin.fill("#net-form-mtu", "40");
    await admin.click("#net-form button[type=submit]");
    await expect.poll(() => admin.textContent('#net-form .field-error[data-for="mtu"]')).toMatch(/MTU must be an integer from 68 to 9216/);
    expect(f.store.state().model.networks.some((n) => n.name === "bad")).toBe(false);

    await admin.fill("#vm-form-name", "red9");
    await admin.selectOption("#vm-form-host", { label: "hv2" });
    await admin.selectOption("#vm-form-network", { label: "red / web (203.0.113.0/24)" });
    await admin.click("#vm-form button[type=submit]");
    await admin.waitForSelector('tr[data-vm="red9"]');
    expect(await admin.textContent('tr[data-vm="red9"]')).toMatch(/red.*red9.*hv2.*netns.*defined.*web 203\.0\.113\.\d+/);
    await admin.evaluate(() => window.scrollTo(0, 0));
    await admin.screenshot({ path: join(SHOTS, "manage.png"), fullPage: true });
    // Starting it needs a VM driver, which this server has not: the message says so.
    await admin.click('tr[data-vm="red9"] button:has-text("Start")');
    await expect.poll(() => admin.textContent("#manage-error")).toMatch(/no "netns" VM driver.*hv2/);
    await admin.click("#nav-topology");
    const id = f.store.state().vms.find((v) => v.name === "red9")!.id;
    await page_waitForIds(admin, [`vm:${id}`]);
  });

  it("a tenant sees only its own tenant: graph, lists, flows and direct API calls", async () => {
    const red = await login(browser, f, f.tokenFor("red"));
    await page_waitForIds(red, ["host:hv1"]);
    const ids = await graphIds(red);
    for (const vm of f.store.state().vms) {
      const tenant = f.store.state().model.tenants.find((t) => t.id === vm.tenantId)!.name;
      expect(ids.includes(`vm:${vm.id}`), vm.name).toBe(tenant === "red");
    }
    expect(await red.textContent("#whoami")).toBe("tenant red");
    await red.screenshot({ path: join(SHOTS, "tenant-topology.png") });
    await red.click("#nav-flows");
    await red.waitForSelector("#flows-table-view tbody tr");
    const flowText = await red.textContent("#flows-table-view tbody");
    const macOf = (vm: string) => f.store.state().model.ports.find((p) => p.vmId === f.store.state().vms.find((v) => v.name === vm)!.id)!.mac;
    expect(flowText).toContain(macOf("red1"));
    expect(flowText).not.toContain(macOf("blue1"));
    await red.click("#nav-manage");
    await red.waitForSelector('tr[data-vm="red1"]');
    expect(await red.locator('tr[data-vm^="blue"]').count()).toBe(0);
    expect(await red.locator("#host-form").count()).toBe(0);
    const blue1 = f.store.state().vms.find((v) => v.name === "blue1")!.id;
    const status = await red.evaluate(async (id) => (await fetch(`/api/vms/${id}`)).status, blue1);
    expect(status).toBe(404);
    await red.context().close();
  });

  it("works in a narrow window", async () => {
    const narrow = await login(browser, f, f.adminToken, 420, 800);
    await page_waitForIds(narrow, ["host:hv1"]);
    const overflow = await narrow.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await narrow.screenshot({ path: join(SHOTS, "narrow.png") });
    // Wide tables (VM list, flow table) scroll inside their own box: no card reaches past the
    // window's edge, where its last columns (the buttons) could not be reached.
    for (const route of ["manage", "flows"]) {
      await narrow.click(`#nav-${route}`);
      await narrow.waitForSelector(route === "manage" ? 'tr[data-vm="red1"]' : "table.flows tbody tr");
      const sticksOut = await narrow.evaluate(() =>
        [...document.querySelectorAll(".card, .flows-wrap")].filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5).map((e) => e.className),
      );
      expect(sticksOut, route).toEqual([]);
    }
    // The flow text keeps a readable width (the table scrolls sideways) instead of a few
    // letters a line.
    const flowCell = await narrow.evaluate(() => document.querySelector("table.flows td.mono")!.getBoundingClientRect().width);
    expect(flowCell).toBeGreaterThan(200);
    await narrow.context().close();
  });

  it("shows connection loss and recovers by itself when the server comes back", async () => {
    await admin.click("#nav-topology");
    await f.stop();
    await admin.waitForSelector("body[data-live=down]");
    expect(await admin.isVisible("#connection-banner")).toBe(true);
    await admin.screenshot({ path: join(SHOTS, "connection-lost.png") });
    // Changed while the dashboard was cut off: must show up after the reconnect's snapshot.
    const net = f.store.state().model.networks.find((n) => f.store.state().model.tenants.find((t) => t.id === n.tenantId)?.name === "blue")!;
    await f.restart();
    const r = await f.call("POST", "/api/vms", { name: "blue9", tenant: "blue", host: "hv1", nics: [{ network: net.id }] });
    expect(r.status).toBe(201);
    await admin.waitForSelector("body[data-live=up]", { timeout: 15_000 });
    expect(await admin.isVisible("#connection-banner")).toBe(false);
    await page_waitForIds(admin, [`vm:${r.body.id}`]);
  });
});

async function page_waitForIds(page: Page, ids: string[]): Promise<void> {
  await page.waitForFunction(
    (want) => {
      const have = (document.querySelector("#topology-graph") as HTMLElement | null)?.dataset.ids?.split(" ") ?? [];
      return want.every((id) => have.includes(id));
    },
    ids,
    { timeout: 10_000 },
  );
}
