// Benchmark (not a test): the dashboard's flow page in Chromium with 10,000 flows whose counters
// all change every second. Prints how long after each dump the page shows the new counters, and
// how busy the page's main thread is.
//   npx tsx test/e2e/bench-dashboard.ts [flows=10000] [rounds=10]
import { chromium } from "playwright-core";
import { LiveView } from "../../src/live/view";
import type { ObservedFlow } from "../../src/live/types";
import { startFixture } from "./fixtures";

const FLOWS = Number(process.argv[2] ?? 10_000);
const ROUNDS = Number(process.argv[3] ?? 10);
const DPID = "00000000000000be";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

function dump(round: number): ObservedFlow[] {
  return Array.from({ length: FLOWS }, (_, i) => ({
    tableId: i % 6,
    priority: 60000 - i, // a stable order: flow 0 is the first row
    cookie: 0n,
    packetCount: BigInt(round * 1000 + i),
    byteCount: BigInt((round * 1000 + i) * 90),
    match: `reg6=0x${(i + 1).toString(16)},dl_dst=02:00:00:00:${((i >> 8) & 255).toString(16).padStart(2, "0")}:${(i & 255).toString(16).padStart(2, "0")}`,
    actions: `output:${(i % 48) + 1}`,
  }));
}

async function main(): Promise<void> {
  const f = await startFixture({ dashboard: true, live: new LiveView() });
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ARGS });
  try {
    f.live.topologyChanged({ switches: [{ dpid: DPID, host: "hv1", name: "br-int", connected: true, ports: [] }] });
    f.live.flowsChanged(DPID, dump(0), 0);
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${f.server.url}/`);
    await page.fill("#login-token", f.adminToken);
    await page.click("#login-form button[type=submit]");
    await page.waitForSelector("body[data-live=up]");
    const t0 = performance.now();
    await page.click("#nav-flows");
    await page.waitForSelector("#flows-table-view tbody tr");
    console.log(`flow page with ${FLOWS} flows drawn in ${(performance.now() - t0).toFixed(0)} ms`);
    // Long tasks on the page's main thread, as the browser reports them.
    await page.evaluate(() => {
      (window as unknown as { busy: number }).busy = 0;
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) (window as unknown as { busy: number }).busy += e.duration;
      }).observe({ type: "longtask", buffered: false });
    });
    const lags: number[] = [];
    const wall = performance.now();
    for (let r = 1; r <= ROUNDS; r++) {
      const start = performance.now();
      f.live.flowsChanged(DPID, dump(r), r * 1000);
      await page.waitForFunction((want) => document.querySelector("#flows-table-view tbody tr")?.textContent?.includes(want), `n_packets=${r * 1000},`, { timeout: 10_000 });
      lags.push(performance.now() - start);
      await new Promise((res) => setTimeout(res, Math.max(0, 1000 - (performance.now() - start))));
    }
    const elapsed = performance.now() - wall;
    const busy = await page.evaluate(() => (window as unknown as { busy: number }).busy);
    lags.sort((a, b) => a - b);
    console.log(
      `dump → new counters visible: median ${lags[Math.floor(lags.length / 2)]!.toFixed(0)} ms, max ${lags[lags.length - 1]!.toFixed(0)} ms; ` +
        `page main thread in long tasks ${((busy / elapsed) * 100).toFixed(0)}% of the time`,
    );
  } finally {
    await browser.close();
    await f.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
