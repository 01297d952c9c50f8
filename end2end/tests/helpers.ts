import { expect, Page } from "@playwright/test";

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
