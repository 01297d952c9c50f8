import { expect, Page } from "@playwright/test";

export const PASSWORD = "Sakti#2026";

/** Waits until the WASM has hydrated the page, so clicks reach Leptos. */
export async function hydrated(page: Page) {
  await page.waitForSelector("body[data-hydrated]", { timeout: 30_000 });
}

/** Logs in through the login form and waits for the Tabel Pejabat. */
export async function login(page: Page, username: string) {
  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Masuk" }).click();
  await expect(page).toHaveURL(/\/pejabat$/);
  await expect(page.getByRole("heading", { name: "Tabel Pejabat" })).toBeVisible();
  await hydrated(page);
}
