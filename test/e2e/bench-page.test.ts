// The Benchmarks page in Chromium against a real server whose data directory holds runs written
// by the bench's own writer; and the page's empty state on a server without runs.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeRun } from "../../src/bench/dataplane/index";
import { sampleRun } from "../unit/bench/fixture";
import { startFixture, type Fixture } from "./fixtures";
import { SHOTS } from "../support/screenshots";

const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const OLD = "20261126-140000-abcd";
const NEW = "20261126-150000-beef";

async function openBench(browser: Browser, f: Fixture, hash = "#/bench"): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on("pageerror", (e) => console.error("page error:", e.message));
  await page.goto(f.server.url + "/");
  await page.fill("#login-token", f.adminToken);
  await page.click("#login-form button[type=submit]");
  await page.waitForSelector("#nav-bench");
  await page.click("#nav-bench");
  if (hash !== "#/bench") await page.evaluate((h) => (location.hash = h), hash);
  return page;
}

/** How many of the page's plot images the browser actually decoded. */
const loadedPlots = (page: Page) =>
  page.evaluate(() => [...document.querySelectorAll<HTMLImageElement>("#bench-plots img")].filter((i) => i.complete && i.naturalWidth > 0).length);

describe("Benchmarks page in Chromium", () => {
  let browser: Browser;
  let f: Fixture;
  let empty: Fixture;
  let benchData: string;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    benchData = mkdtempSync(join(tmpdir(), `bp-e2e-${process.pid}-`));
    writeRun(benchData, sampleRun(OLD));
    writeRun(benchData, { ...sampleRun(NEW), startedAt: "2026-11-26T15:00:00.000Z", cases: sampleRun(NEW).cases.map((c, i) => (i === 3 ? { ...c, status: "failed" as const } : c)) });
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
    f = await startFixture({ dashboard: true, dataDir: benchData });
    empty = await startFixture({ dashboard: true, buildDashboard: false });
  });
  afterAll(async () => {
    await browser?.close();
    await f?.close();
    await empty?.close();
    if (benchData) rmSync(benchData, { recursive: true, force: true });
  });

  it("lists the runs newest first and shows the newest run's machine and plots, loaded", async () => {
    const page = await openBench(browser, f);
    await page.waitForSelector("#bench-runs tbody tr");
    const rows = await page.$$eval("#bench-runs tbody tr", (trs) => trs.map((tr) => ({ run: tr.getAttribute("data-run"), text: tr.textContent ?? "" })));
    expect(rows.map((r) => r.run)).toEqual([NEW, OLD]);
    expect(rows[0]!.text).toContain("2026-11-26 15:00 UTC");
    expect(rows[1]!.text).toContain("2026-11-26 14:00 UTC");
    expect(rows[0]!.text).toContain("2 min 0 s");
    expect(rows[0]!.text).toContain("2 × 3"); // scenarios × backends
    expect(rows[0]!.text).toContain("1 of 5"); // failed cases
    expect(rows[1]!.text).toContain("0 of 5");
    await page.waitForSelector(`#bench-run[data-run="${NEW}"]`);
    expect(await page.textContent("#bench-machine")).toContain("2 × Test CPU, 6.1.0");
    const captions = await page.$$eval("#bench-plots figcaption", (els) => els.map((e) => e.textContent));
    expect(captions[0]).toBe("TCP, 1 stream"); // the report's order: throughput first
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>("#bench-plots img")].some((i) => i.complete && i.naturalWidth > 0));
    const total = await page.$$eval("#bench-plots img", (imgs) => imgs.length);
    await page.waitForFunction((n) => [...document.querySelectorAll<HTMLImageElement>("#bench-plots img")].filter((i) => i.complete && i.naturalWidth > 0).length === n, total);
    expect(await loadedPlots(page)).toBe(total);
    await page.screenshot({ path: join(SHOTS, "bench.png"), fullPage: true });
    await page.context().close();
  });

  it("selects an older run from the list", async () => {
    const page = await openBench(browser, f);
    await page.waitForSelector(`#bench-run[data-run="${NEW}"]`);
    await page.click(`#bench-runs tr[data-run="${OLD}"] a`);
    await page.waitForSelector(`#bench-run[data-run="${OLD}"]`);
    expect(await page.getAttribute("#bench-runs tr.selected", "data-run")).toBe(OLD);
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>("#bench-plots img")].some((i) => i.complete && i.naturalWidth > 0));
    await page.context().close();
  });

  it("tells how to make a run when there is none", async () => {
    const page = await openBench(browser, empty);
    await page.waitForSelector("#bench-empty");
    expect(await page.textContent("#bench-empty")).toContain("vnet bench dataplane --quick");
    expect(await page.$("#bench-runs")).toBeNull();
    await page.context().close();
  });
});
