import { expect, Page } from "@playwright/test";
import { appendFileSync } from "fs";

export const PASSWORD = "Sakti#2026";

/** Waits until the WASM has hydrated the page, so clicks reach Leptos. */
export async function hydrated(page: Page) {
  await page.waitForSelector("body[data-hydrated]", { timeout: 30_000 });
}

/** Logs in through the login form and waits for the start page of the role:
 *  the Tabel Pejabat, or the console for a CSO. */
export async function login(page: Page, username: string) {
  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Masuk" }).click();
  const cso = username.startsWith("cso_");
  await expect(page).toHaveURL(cso ? /\/cso$/ : /\/pejabat$/);
  await expect(page.getByRole("heading", { name: cso ? "Konsol Aktivasi OTP" : "Tabel Pejabat" })).toBeVisible();
  await hydrated(page);
}

/** The newest message on the simulated phone `phone`, or "" when there is none. */
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
  await hp.waitForTimeout(1500);
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
