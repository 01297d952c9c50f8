import { expect, Page, test } from "@playwright/test";
import { age, hydrated, PASSWORD } from "./helpers";

// Passkeys with Chromium's virtual authenticator (CDP WebAuthn domain): a pejabat adds one on
// its account page, then signs in with password + passkey, and confirms a step-up with it.
// A passkey belongs to a host name, not an IP address: these pages are opened at
// http://localhost:<port> (the server listens on 127.0.0.1).

const USER = "val_putut561403";

function local(path: string): string {
  const base = new URL(process.env.BASE_URL ?? "http://127.0.0.1:3000");
  return `http://localhost:${base.port}${path}`;
}

async function authenticator(page: Page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable", { enableUI: false });
  await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      ctap2Version: "ctap2_1",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
}

async function password(page: Page) {
  await page.goto(local("/login"));
  await hydrated(page);
  await page.getByLabel("Username").fill(USER);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Masuk" }).click();
}

test("a pejabat enrols a passkey, signs in with it and confirms a step-up with it", async ({ page }) => {
  await authenticator(page);
  await password(page);
  await expect(page).toHaveURL(/\/pejabat$/);
  await hydrated(page);
  await page.getByRole("link", { name: "Akun" }).click();
  await expect(page).toHaveURL(/\/akun$/);
  await hydrated(page);
  await page.getByRole("button", { name: "Tambah passkey" }).click();
  await page.getByRole("button", { name: "Daftarkan passkey" }).click();
  // the first factor comes with its recovery codes, shown once
  await expect(page.locator(".kode-pemulihan code")).toHaveCount(10);
  await page.getByRole("button", { name: "Sudah saya catat" }).click();
  await expect(page.locator("ul.faktor li")).toHaveCount(1);
  await expect(page.locator("ul.faktor")).toContainText("Passkey 1");

  // from now on the password alone is not enough
  await page.getByRole("button", { name: "Keluar" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await password(page);
  await expect(page).toHaveURL(/\/masuk\/faktor$/);
  await hydrated(page);
  await page.getByRole("button", { name: "Masuk dengan passkey" }).click();
  await expect(page).toHaveURL(/\/pejabat$/);
  await hydrated(page);

  // six minutes on, new recovery codes need a step-up: the password and the passkey
  await page.getByRole("link", { name: "Akun" }).click();
  await expect(page).toHaveURL(/\/akun$/);
  await hydrated(page);
  age(USER, 6, "auth_at");
  await page.getByRole("button", { name: "Buat kode pemulihan baru" }).click();
  const dialog = page.getByRole("dialog", { name: "Konfirmasi identitas" });
  await expect(dialog).toBeVisible();
  await dialog.getByLabel("Kata sandi").fill(PASSWORD);
  await dialog.getByRole("button", { name: "Konfirmasi dengan passkey" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.locator(".kode-pemulihan code")).toHaveCount(10);
});
