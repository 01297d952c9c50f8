// Phone, tablet and laptop: screenshots of the pages people work on, nothing wider than
// the screen, touch targets of at least 44 px on the touch devices, and no serious or
// critical accessibility violation (axe-core) on any page (`checkDevice` in helpers.ts).
import { test, expect } from "@playwright/test";
import { DEVICES, checkDevice as check, coolDown, hydrated, login, signedIn } from "./helpers";

/** The number of satker 527010's PPK, recorded below. */
const PPK_HP = "+6281355500002";

test.describe.configure({ mode: "serial" });

test("satker 527010 has a PPK to verify", async ({ page }) => {
  await login(page, "adm_527010");
  await page.getByRole("button", { name: "+ Rekam" }).click();
  const d = page.getByRole("dialog", { name: "Rekam Referensi Pejabat" });
  await d.getByLabel("NIP/NRP (user SAKTI)").selectOption("198003032005011005");
  await d.getByLabel("Tempat Lahir").fill("Bandung");
  await d.getByLabel("Tanggal Lahir").fill("03/03/1980");
  await d.getByLabel("Email").fill("ppk.kanwil@kemenkeu.go.id");
  await d.getByLabel("Nomor HP (penerima OTP)").fill("0813 5550 0002");
  await d.getByLabel("Alamat Tempat Tinggal").fill("Jl. Prapatan No. 10");
  await d.getByLabel("Alamat Sesuai KTP").fill("Jl. Prapatan No. 10");
  await d.getByLabel("Nomor SK").fill("KEP-8/2026");
  await d.getByLabel("Tanggal SK").fill("05/01/2026");
  await d.getByLabel("Jabatan").selectOption("PEJABAT PEMBUAT KOMITMEN");
  await d.getByRole("button", { name: "Simpan" }).click();
  await expect(d).toBeHidden();
});

for (const device of DEVICES) {
  test(`every page fits and is accessible on the ${device.name}`, async ({ browser }) => {
    test.setTimeout(120_000);
    const screen = { viewport: { width: device.width, height: device.height }, hasTouch: device.touch };
    const context = await browser.newContext(screen);
    const page = await context.newPage();
    await page.goto("/login");
    await hydrated(page);
    await check(page, device, "login");
    await context.close();

    // each role signs in on the first device; the others reuse its session
    const admin = await signedIn(browser, "adm_561403", screen);
    await expect(admin.getByRole("table", { name: "Tabel Pejabat" }).getByRole("row").nth(1)).toBeVisible();
    await check(admin, device, "pejabat");
    await admin.goto("/berkas");
    await hydrated(admin);
    await check(admin, device, "berkas");
    await admin.goto("/audit");
    await hydrated(admin);
    await expect(admin.getByRole("table", { name: "Jejak Audit" })).toBeVisible();
    await check(admin, device, "audit");
    await admin.context().close();

    // the OTP dialog with its countdown: each device requests a code (the previous device's
    // one-minute cool-down is over: three code SMS, the number's allowance for ten minutes)
    coolDown(PPK_HP);
    const ppk = await signedIn(browser, "val_ppk527010", screen);
    await ppk.getByRole("table", { name: "Tabel Pejabat" }).getByRole("row", { name: /PPK Kanwil/ }).click();
    await ppk.getByRole("button", { name: "Verifikasi No. HP" }).click();
    const dialog = ppk.getByRole("dialog", { name: "Verifikasi No. HP" });
    await dialog.getByRole("button", { name: "Request OTP", exact: true }).click();
    await expect(dialog.getByRole("button", { name: /Request OTP lagi dalam 0\d:\d\d/ })).toBeVisible();
    await check(ppk, device, "otp-dialog");
    await ppk.context().close();

    const cso = await signedIn(browser, "cso_jakarta2", screen);
    await expect(cso.getByRole("button", { name: /KPA Kanwil DJKN DKI/ })).toBeVisible();
    await cso.getByRole("button", { name: /KPA Kanwil DJKN DKI/ }).click();
    await check(cso, device, "cso");
    await cso.goto("/meja");
    await hydrated(cso);
    await expect(cso.getByRole("heading", { name: "Cek Formulir" })).toBeVisible();
    await check(cso, device, "meja");
    // the progress board: the CSO's KPPN (its satkers), then the whole country (Pusat)
    await cso.goto("/pantau");
    await hydrated(cso);
    await expect(cso.getByRole("table", { name: "Satker dan tahapnya" })).toBeVisible();
    await check(cso, device, "pantau-kppn");
    await cso.context().close();
    const pusat = await signedIn(browser, "pst_djpb", screen);
    await expect(pusat.getByRole("table", { name: "Rincian per unit" })).toBeVisible();
    await check(pusat, device, "pantau-nasional");
    await pusat.context().close();
  });
}
