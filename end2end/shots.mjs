// Screenshots of the main pages at phone, tablet and laptop widths, for a person to look at:
// BASE_URL=http://127.0.0.1:3918 OUT=/tmp/shots node shots.mjs
import { chromium } from "@playwright/test";

const base = process.env.BASE_URL ?? "http://127.0.0.1:3000";
const out = process.env.OUT ?? "shots";
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});
for (const [name, width, height] of [["phone", 390, 844], ["tablet", 820, 1180], ["laptop", 1440, 900]]) {
  const page = await browser.newPage({ viewport: { width, height } });
  await page.goto(`${base}/login`);
  await page.waitForSelector("body[data-hydrated]");
  await page.screenshot({ path: `${out}/${name}-login.png` });
  await page.getByLabel("Username").fill("adm_561403");
  await page.getByLabel("Password").fill("Sakti#2026");
  await page.getByRole("button", { name: "Masuk" }).click();
  await page.waitForSelector("table.pejabat tbody tr[tabindex]");
  await page.screenshot({ path: `${out}/${name}-pejabat.png`, fullPage: true });
  await page.getByRole("button", { name: "+ Rekam" }).click();
  await page.getByRole("button", { name: "Simpan" }).click();
  await page.screenshot({ path: `${out}/${name}-rekam.png` });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  console.log(name, "horizontal overflow:", overflow);
  await page.close();
  const cso = await browser.newPage({ viewport: { width, height } });
  await cso.goto(`${base}/login`);
  await cso.waitForSelector("body[data-hydrated]");
  await cso.getByLabel("Username").fill("cso_jakarta6");
  await cso.getByLabel("Password").fill("Sakti#2026");
  await cso.getByRole("button", { name: "Masuk" }).click();
  await cso.waitForSelector(".console");
  await cso.waitForTimeout(500);
  const pick = cso.locator(".waiting .pick").first();
  if (await pick.count()) await pick.click();
  await cso.screenshot({ path: `${out}/${name}-cso.png`, fullPage: true });
  console.log(name, "cso overflow:", await cso.evaluate(() => document.documentElement.scrollWidth > window.innerWidth));
  await cso.close();
}
await browser.close();
