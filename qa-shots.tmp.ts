import { chromium } from "playwright-core";
const URL = process.env.URL ?? "http://127.0.0.1:7401";
const TOKEN = process.env.TOK!;
const OUT = process.env.OUT ?? "/tmp/qa-shots";
const tag = process.env.TAG ?? "admin";
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless","--no-sandbox","--disable-gpu","--disable-quic","--no-first-run","--disable-background-networking","--disable-component-update","--disable-sync"] });
try {
  for (const [w, h] of [[1280, 800], [420, 800]] as const) {
    const ctx = await browser.newContext({ viewport: { width: w, height: h } });
    const page = await ctx.newPage();
    page.on("pageerror", (e) => console.error("page error:", e.message));
    page.on("console", (m) => { if (m.type() === "error") console.error("console:", m.text()); });
    await page.goto(URL + "/");
    await page.waitForTimeout(500);
    await page.screenshot({ path: `${OUT}/${tag}-login-${w}.png` });
    if (w === 1280) { await page.fill("#login-token", "vnet_wrong"); await page.click("#login-form button[type=submit]"); await page.waitForTimeout(500); await page.screenshot({ path: `${OUT}/${tag}-login-bad-${w}.png` }); }
    await page.fill("#login-token", TOKEN);
    await page.click("#login-form button[type=submit]");
    await page.waitForSelector("body[data-live=up]");
    for (const route of ["topology", "flows", "manage"]) {
      await page.goto(URL + "/#/" + route);
      await page.waitForTimeout(2500);
      await page.screenshot({ path: `${OUT}/${tag}-${route}-${w}.png`, fullPage: route !== "topology" });
    }
    await ctx.close();
  }
} finally { await browser.close(); }
