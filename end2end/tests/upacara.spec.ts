import { test, expect } from "@playwright/test";
import { signedIn } from "./helpers";

// The activation ceremony (issue 26) on the demo story's KPPN Semarang I: satker 700005's KPA
// waits for activation with its bundle accepted.
const SATKER = "700005";

test("a walk-in session names its CSO on the pejabat's screen; Bukan saya locks the steps until the CSO unlocks them with a reason", async ({
  browser,
}) => {
  const cso = await signedIn(browser, "cso_semarang1");
  await cso.getByLabel("Cari satker atau pejabat").fill(SATKER);
  const card = cso.getByRole("region", { name: `Satker ${SATKER}` });
  const pick = card.getByRole("button").filter({ hasText: "KPA" });
  await pick.click();
  // the KPA stands at the desk: the CSO opens a walk-in session, which it holds
  await cso.getByRole("button", { name: "Buka sesi langsung" }).click();
  await expect(pick).toContainText("dipegang Anda");
  const nomor = /Sesi No\. (\d+)/.exec(await pick.innerText())![1];
  await expect(cso.getByText(`Nomor sesi ${nomor}`, { exact: true })).toBeVisible();
  await expect(cso.getByRole("group", { name: "Ceklis pemeriksaan" }).getByRole("checkbox")).toHaveCount(2);

  // the KPA opens its code dialog: before any press it names the session, the CSO and the
  // KPPN; the code it asks for keeps them
  const kpa = await signedIn(browser, `apr_kpa${SATKER}`);
  await kpa.getByRole("button", { name: "Request OTP" }).click();
  const dialog = kpa.getByRole("dialog", { name: "Permintaan OTP" });
  const sesi = dialog.getByRole("region", { name: "Sesi aktivasi" });
  await expect(sesi.getByText(`Nomor sesi ${nomor}`, { exact: true })).toBeVisible();
  await expect(sesi).toContainText("CSO KPPN Semarang I");
  await dialog.getByRole("button", { name: "Request OTP", exact: true }).click();
  await expect(dialog.getByRole("timer")).toBeVisible();
  await expect(sesi.getByText(`Nomor sesi ${nomor}`, { exact: true })).toBeVisible();
  await expect(sesi).toContainText("CSO KPPN Semarang I");
  await expect(sesi).toContainText("Di KPPN");
  await expect(pick).toContainText(/Kode menunggu/);

  // the caller does not sound right: "Bukan saya", confirmed
  await dialog.getByRole("button", { name: "Bukan saya" }).click();
  await dialog.getByRole("button", { name: "Ya, laporkan" }).click();
  await expect(kpa.getByText(/Laporan "Bukan saya" diterima/)).toBeVisible();
  await expect(dialog).toBeHidden();

  // the CSO's console: the code is gone, the report waits under "Perlu perhatian"
  await expect(pick).toContainText("Belum ada kode berlaku");
  const perhatian = cso.getByRole("region", { name: "Perlu perhatian" });
  await expect(perhatian).toContainText('melaporkan "Bukan saya"');
  // unlocking needs what the CSO checked
  await perhatian.getByRole("button", { name: "Buka kunci" }).click();
  await expect(cso.getByText("Alasan membuka kunci wajib diisi.")).toBeVisible();
  await perhatian.getByLabel("Alasan membuka kunci").fill("Dipastikan dengan KPA lewat telepon resmi KPPN");
  await perhatian.getByRole("button", { name: "Buka kunci" }).click();
  await expect(cso.getByText("Kunci langkah OTP dibuka.")).toBeVisible();
  await expect(perhatian).toBeHidden();
  await cso.context().close();
  await kpa.context().close();
});
