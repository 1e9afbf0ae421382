import { chromium } from "playwright-core";
const URL = "http://127.0.0.1:7401";
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless","--no-sandbox","--disable-gpu"] });
try {
  const ctx = await browser.newContext({ viewport: { width: 420, height: 800 } });
  const page = await ctx.newPage();
  await page.goto(URL + "/"); await page.fill("#login-token", process.env.TOK!); await page.click("#login-form button[type=submit]");
  await page.waitForSelector("body[data-live=up]");
  await page.goto(URL + "/#/" + (process.env.ROUTE ?? "manage")); await page.waitForTimeout(1500);
  console.log(await page.evaluate(() => JSON.stringify({ doc: document.documentElement.scrollWidth, lists: [...document.querySelectorAll(".list, .flows-wrap, main, section")].map((e) => [e.className, e.clientWidth, e.scrollWidth, getComputedStyle(e).overflowX]) })));
} finally { await browser.close(); }
