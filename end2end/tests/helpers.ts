import { Browser, BrowserContext, BrowserContextOptions, expect, Page, test } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "fs";
import { createHash, createHmac } from "crypto";
import { execFileSync } from "child_process";

export const PASSWORD = "Sakti#2026";

/** Waits until the WASM has hydrated the page, so clicks reach Leptos. */
export async function hydrated(page: Page) {
  await page.waitForSelector("body[data-hydrated]", { timeout: 30_000 });
}

/** The demo staff (Admin Lokal, CSO, operator, Kanwil, Pusat) sign in with a second factor. */
export function isStaff(username: string): boolean {
  return /^(adm|cso|opr|kwl|pst)_/.test(username);
}

/** RFC 6238: the six digits of an authenticator app with `key` for 30-second step `step`. */
export function totpAt(key: Buffer, step: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac("sha1", key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const value = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return value.toString().padStart(6, "0");
}

/** The demo seed's authenticator secret of a staff user (backend::provisi::demo::totp_secret). */
export function demoKey(username: string): Buffer {
  return createHash("sha256").update(`aktivasi-otp-sakti demo ${username}`).digest().subarray(0, 20);
}

/** A code of `key` the app has not seen yet: a code is good once, so a second login in the
 *  same 30 seconds takes the next step's (allowed for clock drift) or waits. The steps used
 *  are kept beside the secrets file, for the whole run. */
export async function freshTotp(_page: Page | null, username: string, key: Buffer = demoKey(username)): Promise<string> {
  const file = `${process.env.SECRETS_FILE ?? "/tmp/e2e-secrets.txt"}.totp.json`;
  const used: Record<string, number> = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};
  let now = Date.now() / 1000;
  // the previous step's code is still good, but only for the rest of the current step (one
  // step either side is accepted): it is used only while 20 s of that are left, longer than
  // an action may take (expect's 10 s), so a code never expires on its way to the server
  const current = Math.floor(now / 30);
  const oldest = now - current * 30 < 10 ? current - 1 : current;
  const step = Math.max(oldest, (used[username] ?? 0) + 1);
  if (step > Math.floor(now / 30) + 1) {
    const wait = ((step - 1) * 30 - now) * 1000 + 200;
    console.log(`  waiting ${(wait / 1000).toFixed(1)} s for a fresh authenticator code of ${username}`);
    await new Promise((done) => setTimeout(done, wait));
  }
  used[username] = step;
  writeFileSync(file, JSON.stringify(used));
  return totpAt(key, step);
}

/** Logs in through the login form (with the second factor of the demo staff) and waits for
 *  the start page of the role: the Tabel Pejabat, the console for a CSO, the board for Kanwil
 *  and Pusat. */
export async function login(page: Page, username: string) {
  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Masuk" }).click();
  if (isStaff(username)) await secondFactor(page, username);
  const start = startPage(username);
  await expect(page).toHaveURL(start.url);
  await expect(page.getByRole("heading", { name: start.heading })).toBeVisible();
  await hydrated(page);
}

/** Where a user lands after signing in: the console for a CSO, the board for Kanwil and
 *  Pusat, the Tabel Pejabat for everyone else. */
function startPage(username: string): { path: string; url: RegExp; heading: string } {
  if (username.startsWith("cso_")) return { path: "/cso", url: /\/cso$/, heading: "Konsol Aktivasi OTP" };
  if (/^(kwl|pst)_/.test(username)) return { path: "/pantau", url: /\/pantau$/, heading: "Pantau Aktivasi" };
  return { path: "/pejabat", url: /\/pejabat$/, heading: "Tabel Pejabat" };
}

type StorageState = Awaited<ReturnType<BrowserContext["storageState"]>>;
const signedInStates = new Map<string, StorageState>();

/** A new browser context (with `options`) in which `username` is signed in: the first time
 *  through the login API (password, then the authenticator code for staff), then with the
 *  same session's cookie. For tests about something after the login: a user who signs in a
 *  third time within 30 seconds waits for a fresh authenticator code. */
export async function signedInContext(
  browser: Browser,
  username: string,
  options: BrowserContextOptions = {},
): Promise<BrowserContext> {
  const state = signedInStates.get(username);
  const context = await browser.newContext({ ...options, storageState: state });
  if (!state) {
    const res = await context.request.post("/api/auth_login", { form: { username, password: PASSWORD } });
    expect(res.ok(), `login ${username}`).toBe(true);
    if (isStaff(username)) {
      const kode = await freshTotp(null, username);
      const second = await context.request.post("/api/masuk_kode", { form: { kode } });
      expect(second.ok(), `second factor ${username}`).toBe(true);
    }
    signedInStates.set(username, await context.storageState());
  }
  return context;
}

/** A page of a new browser context (with `options`: a screen size, touch) in which `username`
 *  is signed in ({@link signedInContext}: one session per user, as a second tab of the same
 *  browser would share it), on the user's start page. */
export async function signedIn(browser: Browser, username: string, options: BrowserContextOptions = {}): Promise<Page> {
  const page = await (await signedInContext(browser, username, options)).newPage();
  const start = startPage(username);
  await page.goto(start.path);
  await expect(page.getByRole("heading", { name: start.heading })).toBeVisible();
  await hydrated(page);
  return page;
}

/** The second step of a staff login: the code of the demo authenticator app. */
export async function secondFactor(page: Page, username: string) {
  await expect(page).toHaveURL(/\/masuk\/faktor/);
  await hydrated(page);
  await page.getByLabel("Kode dari aplikasi autentikator").fill(await freshTotp(page, username));
  await page.getByRole("button", { name: "Masuk" }).click();
}

/** The newest message on the simulated phone `phone`, or "" when there is none, as the /hp
 *  page shows it: the inbox names the number whose messages it holds (`data-nomor`) and is
 *  refreshed every second, so a message may show up to a second after it arrived. */
export async function newest(hp: Page, phone: string): Promise<string> {
  if (!hp.url().endsWith("/hp")) {
    await hp.goto("/hp");
    await hydrated(hp);
  }
  const input = hp.getByLabel("Nomor HP");
  if ((await input.inputValue()) !== phone) {
    await input.fill(phone);
    await input.blur();
  }
  await hp.locator(`ol.inbox[data-nomor="${phone}"]`).waitFor({ state: "attached" });
  const first = hp.locator(".inbox .sms-body").first();
  return (await first.count()) ? await first.innerText() : "";
}

/** Waits for a new code SMS on `phone` (newer than `before`) and returns the code. */
export async function nextCode(hp: Page, phone: string, before: string): Promise<string> {
  let text = "";
  await expect
    .poll(async () => {
      text = await newest(hp, phone);
      return text !== before && text.includes("Kode Otentifikasi Anda: ");
    }, { timeout: 20_000 })
    .toBe(true);
  const code = /Kode Otentifikasi Anda: (\d{6})\./.exec(text)![1];
  // scripts/test.sh checks afterwards that no code ever reached the server's log
  if (process.env.SECRETS_FILE) appendFileSync(process.env.SECRETS_FILE, `${code}\n`);
  return code;
}


/** Records a secret the test typed or received (a password, a set-password token):
 *  scripts/test.sh checks afterwards that none reached the server's log. */
export function secret(value: string) {
  if (process.env.SECRETS_FILE) appendFileSync(process.env.SECRETS_FILE, `${value}\n`);
}

/** A statement on the browser tests' database (E2E_DATABASE_URL, set by scripts/test.sh),
 *  to make a session look older than it is: the server's clock is real. */
export function sql(statement: string) {
  const url = process.env.E2E_DATABASE_URL;
  if (!url) throw new Error("E2E_DATABASE_URL is not set (scripts/test.sh sets it)");
  execFileSync("psql", [url, "-v", "ON_ERROR_STOP=1", "-q", "-c", statement]);
}

/** The single value a query on the browser tests' database answers, as text. */
export function sqlValue(query: string): string {
  const url = process.env.E2E_DATABASE_URL;
  if (!url) throw new Error("E2E_DATABASE_URL is not set (scripts/test.sh sets it)");
  return execFileSync("psql", [url, "-v", "ON_ERROR_STOP=1", "-At", "-c", query]).toString().trim();
}

/** Makes `username`'s sessions look `minutes` older (idle and since login). */
export function age(username: string, minutes: number, column: "seen_at" | "auth_at" = "seen_at") {
  sql(
    `UPDATE sesi SET created_at = created_at - interval '${minutes} minutes', ${column} = ${column} - interval '${minutes} minutes'
     WHERE user_id = (SELECT id FROM app_user WHERE username = '${username}')`,
  );
}

/** Ends the one-minute cool-down of the codes sent to `phone`, as if the minute had passed:
 *  the server's clock is real, and a test would otherwise wait it out. */
export function coolDown(phone: string) {
  sql(
    `UPDATE otp_code SET sent_at = sent_at - interval '61 seconds', expires_at = expires_at - interval '61 seconds'
     WHERE id IN (SELECT otp_code_id FROM sms_outbox WHERE phone = '${phone}')`,
  );
}

/** The devices of the checks: phone, tablet, laptop. */
export const DEVICES = [
  { name: "phone", width: 390, height: 844, touch: true },
  { name: "tablet", width: 820, height: 1180, touch: true },
  { name: "laptop", width: 1440, height: 900, touch: false },
] as const;

/** A screenshot of the page, nothing wider than the screen, touch targets of at least 44 px
 *  on the touch devices, and no serious or critical axe-core violation. */
export async function checkDevice(page: Page, device: (typeof DEVICES)[number], name: string) {
  // the page at rest: every finite animation or transition finished (a dialog opening, a
  // row's highlight), then two frames painted
  await page.evaluate(async () => {
    const finite = document.getAnimations().filter((a) => a.effect?.getTiming().iterations !== Infinity);
    await Promise.all(finite.map((a) => a.finished.catch(() => undefined)));
    await new Promise((painted) => requestAnimationFrame(() => requestAnimationFrame(painted)));
  });
  await page.screenshot({ path: test.info().outputPath(`${device.name}-${name}.png`), fullPage: true });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, `${name} is ${overflow}px wider than the ${device.name} screen`).toBeLessThanOrEqual(0);
  // the header's menu shows every item: it never scrolls sideways
  const hidden = await page.evaluate(() => {
    const nav = document.querySelector<HTMLElement>("header nav.mainnav");
    return nav ? nav.scrollWidth - nav.clientWidth : 0;
  });
  expect(hidden, `the menu on ${name} scrolls ${hidden}px sideways on the ${device.name}`).toBeLessThanOrEqual(0);
  if (device.touch) {
    const small = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>("button, input:not([type=hidden]), select, a.button, nav a, [role=button]")]
        .filter((el) => el.offsetParent !== null)
        .map((el) => ({ el, r: el.getBoundingClientRect() }))
        .filter(({ el, r }) => {
          // a checkbox or radio counts with its label, which is the target people touch
          const target = (el as HTMLInputElement).type === "checkbox" || (el as HTMLInputElement).type === "radio"
            ? (el.closest("label") ?? el).getBoundingClientRect()
            : r;
          return target.height < 44 || target.width < 44;
        })
        .map(({ el, r }) => `${el.tagName.toLowerCase()} "${(el.textContent || el.getAttribute("aria-label") || (el as HTMLInputElement).name || el.id).trim().slice(0, 30)}" ${Math.round(r.width)}x${Math.round(r.height)}`),
    );
    expect(small, `touch targets under 44 px on ${name} (${device.name})`).toEqual([]);
  }
  const axe = await new AxeBuilder({ page }).analyze();
  const bad = axe.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")})`);
  expect(bad, `axe on ${name} (${device.name})`).toEqual([]);
}
