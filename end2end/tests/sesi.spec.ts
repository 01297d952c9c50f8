import { Browser, expect, Page, test } from "@playwright/test";
import { age, freshTotp, hydrated, login, PASSWORD } from "./helpers";

// Sessions in the browser: the countdown before the idle limit with "Lanjutkan sesi", the
// way back to the page after a session ended, "Sesi saya" ending another session, and the
// step-up dialog before the audit export. The server's clock is real, so the test moves
// the session's own times back in the database (E2E_DATABASE_URL, set by scripts/test.sh)
// and the page's clock forward (Playwright's clock).

async function person(browser: Browser): Promise<Page> {
  return (await browser.newContext()).newPage();
}

test("two minutes before the idle limit the page counts down; Lanjutkan sesi keeps the session", async ({ page }) => {
  await page.clock.install();
  await login(page, "apr_kpa561403");
  age("apr_kpa561403", 28);
  // the page checks its session every minute
  await page.clock.fastForward("01:05");
  const bar = page.getByRole("alert").filter({ hasText: "Sesi Anda akan berakhir dalam" });
  await expect(bar).toBeVisible();
  await expect(bar).toContainText(/dalam [01]:\d\d karena tidak ada aktivitas/);
  await page.getByRole("button", { name: "Lanjutkan sesi" }).click();
  await expect(bar).toBeHidden();
  await page.clock.fastForward("01:05");
  await expect(bar).toBeHidden();
});

test("after the session ended, the next click lands on the login page, which returns there", async ({ page }) => {
  await login(page, "val_ppk561403");
  await page.getByRole("link", { name: "Berkas & Jadwal" }).click();
  await expect(page).toHaveURL(/\/berkas$/);
  await hydrated(page);
  age("val_ppk561403", 31);
  await page.getByRole("link", { name: "Tabel Pejabat" }).click();
  await expect(page).toHaveURL(/\/login\?habis=1&kembali=%2Fpejabat/);
  await expect(page.getByText("Sesi Anda telah berakhir")).toBeVisible();
  await hydrated(page);
  await page.getByLabel("Username").fill("val_ppk561403");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Masuk" }).click();
  await expect(page).toHaveURL(/\/pejabat$/);
});

test("Sesi saya lists both sessions and ends the other one, which lands on the login page", async ({ browser }) => {
  const laptop = await person(browser);
  const phone = await person(browser);
  await login(laptop, "apr_spm561403");
  await login(phone, "apr_spm561403");
  await laptop.getByRole("link", { name: "Akun" }).click();
  await expect(laptop).toHaveURL(/\/akun$/);
  await hydrated(laptop);
  const rows = laptop.locator("table.sesi tbody tr");
  await expect(rows).toHaveCount(2);
  await expect(laptop.getByText("Sesi ini")).toBeVisible();
  await laptop.getByRole("button", { name: "Akhiri semua sesi lain" }).click();
  await expect(laptop.getByText("1 sesi lain telah diakhiri.")).toBeVisible();
  await expect(rows).toHaveCount(1);
  await phone.getByRole("link", { name: "Berkas & Jadwal" }).click();
  await expect(phone).toHaveURL(/\/login\?habis=1/);
});

test("the audit export asks for the password and code again after five minutes, then downloads", async ({ page }) => {
  // satker 527010's Admin Lokal: its authenticator's recent steps are unused, so no waiting
  await login(page, "adm_527010");
  await page.getByRole("link", { name: "Jejak Audit" }).click();
  await expect(page).toHaveURL(/\/audit$/);
  await hydrated(page);
  age("adm_527010", 6, "auth_at");
  await page.getByRole("link", { name: "Unduh CSV" }).click();
  const dialog = page.getByRole("dialog", { name: "Konfirmasi identitas" });
  await expect(dialog).toBeVisible();
  await dialog.getByLabel("Kata sandi").fill("salah sekali");
  await dialog.getByLabel("Kode aplikasi autentikator (bila ada)").fill("000000");
  await dialog.getByRole("button", { name: "Konfirmasi", exact: true }).click();
  await expect(dialog.getByRole("alert")).toContainText("Kata sandi salah");
  await dialog.getByLabel("Kata sandi").fill(PASSWORD);
  await dialog.getByLabel("Kode aplikasi autentikator (bila ada)").fill(await freshTotp(page, "adm_527010"));
  const download = page.waitForEvent("download");
  await dialog.getByRole("button", { name: "Konfirmasi", exact: true }).click();
  expect((await download).suggestedFilename()).toBe("jejak-audit.csv");
  await expect(dialog).toBeHidden();
});
