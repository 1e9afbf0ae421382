import { chromium } from "playwright-core";
const URL = "http://127.0.0.1:7401"; const OUT = "/tmp/qa-shots"; const tag = process.env.TAG ?? "admin";
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless","--no-sandbox","--disable-gpu","--disable-quic","--no-first-run","--disable-background-networking","--disable-component-update","--disable-sync"] });
try {
  for (const w of [1280, 420]) {
    const ctx = await browser.newContext({ viewport: { width: w, height: 800 } });
    const page = await ctx.newPage();
    page.on("pageerror", (e) => console.error("page error:", e.message));
    await page.goto(URL + "/"); await page.fill("#login-token", process.env.TOK!); await page.click("#login-form button[type=submit]");
    await page.waitForSelector("body[data-live=up]");
    await page.goto(URL + "/#/flows"); await page.waitForTimeout(1500);
    const sels = await page.$$(".why select");
    const opts = await sels[1]!.$$eval("option", (os) => os.map((o) => [o.value, o.textContent]));
    const to = opts.find((o) => String(o[1]).startsWith(process.env.TO ?? "red3"));
    if (to) await sels[1]!.selectOption(String(to[0]));
    await page.click(".why button");
    await page.waitForTimeout(1500);
    await page.locator(".why-result").scrollIntoViewIfNeeded().catch(() => {});
    await page.screenshot({ path: `${OUT}/${tag}-why-${w}.png`, fullPage: true });
    await ctx.close();
  }
} finally { await browser.close(); }
