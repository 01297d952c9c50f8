import { test, expect, Browser, Page } from "@playwright/test";
import { readFileSync } from "fs";
import { execFileSync } from "child_process";
import { hydrated, login, newest, nextCode } from "./helpers";

// A name an attacker would like to see rendered as HTML.
const NAME = "<img src=x onerror=alert(1)>";
const PHONE = "+6281355500077";

/** Every dialog (alert) any page opened: an injected script would show up here. */
const dialogs: string[] = [];

async function guarded(browser: Browser): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  page.on("dialog", async (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    await d.dismiss();
  });
  return page;
}

async function noInjectedImage(page: Page) {
  await expect(page.locator('img[src="x"]')).toHaveCount(0);
  expect(dialogs).toEqual([]);
}

test("a name full of markup is text in the table, the PDF, the desk, the console and the SMS", async ({ browser }) => {
  test.setTimeout(180_000);
  const [admin, kpa, cso, hp] = await Promise.all([1, 2, 3, 4].map(() => guarded(browser)));

  // the admin of 527010 replaces its KPA reference by one with the hostile name
  await login(admin, "adm_527010");
  await admin.getByRole("row", { name: /KPA Kanwil DJKN DKI/ }).click();
  await admin.getByRole("button", { name: "Hapus" }).click();
  await admin.getByRole("dialog", { name: "Hapus Referensi Pejabat" }).getByRole("button", { name: "Ya, Hapus" }).click();
  await admin.getByRole("button", { name: "+ Rekam" }).click();
  const d = admin.getByRole("dialog", { name: "Rekam Referensi Pejabat" });
  await d.getByLabel("NIP/NRP (user SAKTI)").selectOption("197501012000031004");
  await d.getByLabel("Nama", { exact: true }).fill(NAME);
  await d.getByLabel("Tempat Lahir").fill("Jakarta");
  await d.getByLabel("Tanggal Lahir").fill("01/01/1975");
  await d.getByLabel("Email").fill("kpa.kanwil@kemenkeu.go.id");
  await d.getByLabel("Nomor HP (penerima OTP)").fill("0813 5550 0077");
  await d.getByLabel("Alamat Tempat Tinggal").fill("Jl. Prapatan No. 10");
  await d.getByLabel("Alamat Sesuai KTP").fill("Jl. Prapatan No. 10");
  await d.getByLabel("Nomor SK").fill("KEP-7/2026");
  await d.getByLabel("Tanggal SK").fill("05/01/2026");
  await d.getByLabel("Jabatan").selectOption("KUASA PENGGUNA ANGGARAN");
  await d.getByRole("button", { name: "Simpan" }).click();
  await expect(d).toBeHidden();
  // the table
  const row = admin.getByRole("table", { name: "Tabel Pejabat" }).getByRole("row", { name: NAME });
  await expect(row).toContainText(NAME);
  await noInjectedImage(admin);

  // the PDF, both copies
  await row.click();
  await admin.getByLabel("Formulir", { exact: true }).selectOption({ label: "Form Aktivasi OTP" });
  const [download] = await Promise.all([admin.waitForEvent("download"), admin.getByRole("link", { name: "Unduh" }).click()]);
  const pdf = test.info().outputPath("xss.pdf");
  await download.saveAs(pdf);
  const pages = execFileSync("pdftotext", ["-layout", pdf, "-"]).toString().split("\f").filter((p) => p.trim());
  expect(pages).toHaveLength(2);
  for (const p of pages) expect(p).toContain(NAME);
  expect(readFileSync(pdf).subarray(0, 5).toString()).toBe("%PDF-");

  // the submission and the CSO's desk
  await admin.getByRole("link", { name: "Berkas & Jadwal" }).click();
  await hydrated(admin);
  await admin.getByLabel(`PDF bundel ${NAME} (KPA)`).setInputFiles(pdf);
  await admin.getByRole("article", { name: `Berkas ${NAME}` }).getByRole("button", { name: "Unggah" }).click();
  await expect(admin.getByRole("article", { name: `Berkas ${NAME}` })).toContainText("DRAF");
  await hydrated(admin);
  await admin.getByRole("button", { name: "Kirim Pengajuan ke KPPN" }).click();
  await expect(admin.getByText("terkirim ke KPPN")).toBeVisible();
  await noInjectedImage(admin);

  await login(cso, "cso_jakarta2");
  await cso.getByRole("link", { name: "Meja Berkas & Jadwal" }).click();
  await hydrated(cso);
  const item = cso.getByRole("group", { name: `Berkas ${NAME}` });
  await expect(item).toContainText(NAME);
  for (const box of await item.getByRole("checkbox").all()) await box.check();
  await item.getByRole("button", { name: "Terima" }).click();
  await expect(item).toContainText("DITERIMA");
  await noInjectedImage(cso);

  // the console: the KPA stands at the desk, so the CSO opens a walk-in session for it
  await cso.getByRole("link", { name: "Konsol", exact: true }).click();
  await hydrated(cso);
  const pick = cso.getByRole("button", { name: NAME });
  await expect(pick).toContainText("Belum ada sesi");
  await pick.click();
  await cso.getByRole("button", { name: "Buka sesi langsung" }).click();
  await expect(pick).toContainText("dipegang Anda");
  await noInjectedImage(cso);

  // the KPA's code, read out
  await login(kpa, "apr_kpa527010");
  await kpa.getByRole("table", { name: "Tabel Pejabat" }).getByRole("row", { name: NAME }).click();
  await kpa.getByRole("button", { name: "Request OTP" }).click();
  const dialog = kpa.getByRole("dialog", { name: "Permintaan OTP" });
  await expect(dialog).toContainText(NAME);
  const before = await newest(hp, PHONE);
  await dialog.getByRole("button", { name: "Request OTP" }).click();
  const code = await nextCode(hp, PHONE, before);
  await noInjectedImage(kpa);

  await expect(pick).toContainText(/Kode menunggu/);
  const ceklis = cso.getByRole("group", { name: "Ceklis pemeriksaan" });
  await expect(ceklis.getByRole("checkbox")).toHaveCount(2);
  for (const box of await ceklis.getByRole("checkbox").all()) await box.check();
  await cso.getByLabel("Kode OTP yang dibacakan pejabat").fill(code);
  await cso.getByRole("button", { name: "Aktifkan" }).click();
  await expect(cso.getByText(`OTP ${NAME} telah AKTIF.`)).toBeVisible();
  await noInjectedImage(cso);

  // the SMS on the phone
  await expect
    .poll(async () => {
      await newest(hp, PHONE);
      return hp.locator(".inbox .sms-body").allInnerTexts();
    })
    .toContain(`Yth. ${NAME}, Pejabat KPA pada satker 527010, fitur OTP Anda telah aktif!`);
  await noInjectedImage(hp);
});
