import { test, expect, Browser, Page } from "@playwright/test";
import { readFileSync, writeFileSync } from "fs";
import { execFileSync } from "child_process";
import { createPublicKey, verify } from "crypto";
import { hydrated, login, newest, nextCode } from "./helpers";

const KPA_HP = "+6281234567890";
const PPK_HP = "+6281300000002";
const SPM_HP = "+6281300000003";

async function person(browser: Browser): Promise<Page> {
  const context = await browser.newContext();
  return context.newPage();
}

async function rekam(admin: Page, nip: string, jabatan: string, hp: string) {
  await admin.getByRole("button", { name: "+ Rekam" }).click();
  const d = admin.getByRole("dialog", { name: "Rekam Referensi Pejabat" });
  await d.getByLabel("NIP/NRP (user SAKTI)").selectOption(nip);
  await d.getByLabel("Tempat Lahir").fill("Jakarta");
  await d.getByLabel("Tanggal Lahir").fill("01/06/1975");
  await d.getByLabel("Email").fill(`p${nip.slice(-4)}@kemenkeu.go.id`);
  await d.getByLabel("Nomor HP (penerima OTP)").fill(hp);
  await d.getByLabel("Alamat Tempat Tinggal").fill("Jl. Medan Merdeka Timur No. 16");
  await d.getByLabel("Alamat Sesuai KTP").fill("Jl. Medan Merdeka Timur No. 16");
  await d.getByLabel("Nomor SK").fill("KEP-12/WPJ.04/2026");
  await d.getByLabel("Tanggal SK").fill("05/01/2026");
  await d.getByLabel("Jabatan").selectOption(jabatan);
  await d.getByRole("button", { name: "Simpan" }).click();
  await expect(d).toBeHidden();
}

async function hapus(admin: Page, nama: string) {
  await admin.getByRole("row", { name: new RegExp(nama) }).click();
  await admin.getByRole("button", { name: "Hapus" }).click();
  await admin.getByRole("dialog", { name: "Hapus Referensi Pejabat" }).getByRole("button", { name: "Ya, Hapus" }).click();
  await expect(admin.getByText(`Referensi pejabat ${nama} telah dihapus.`)).toBeVisible();
}

/** Does the evidence record's Ed25519 signature hold under the key it names? (What `server
 *  evidence verify` also checks against the server's own key.) */
function signatureHolds(s: { bukti: string; tanda: string; kunci_publik: string }): boolean {
  const spki = Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), Buffer.from(s.kunci_publik, "hex")]);
  const key = createPublicKey({ key: spki, format: "der", type: "spki" });
  const message = Buffer.from(`aktivasi-otp-sakti/bukti-aktivasi/v1\n${s.bukti}`);
  return verify(null, message, key, Buffer.from(s.tanda, "hex"));
}

function row(page: Page, nama: string) {
  return page.getByRole("table", { name: "Tabel Pejabat" }).getByRole("row", { name: new RegExp(nama) });
}

/** The pejabat's own "Request OTP" inside the session the CSO holds (`nomor`), read out to
 *  the CSO: both screens show the same session number, the CSO ticks the video session's
 *  checklist and types the code in. */
async function activate(owner: Page, nama: string, phone: string, hp: Page, cso: Page, nomor: string) {
  await row(owner, nama).click();
  await owner.getByRole("button", { name: "Request OTP" }).click();
  const d = owner.getByRole("dialog", { name: "Permintaan OTP" });
  await expect(d).toContainText("561403");
  await expect(d).toContainText("KANTOR PELAYANAN PAJAK PRATAMA JAKARTA MENTENG SATU");
  const before = await newest(hp, phone);
  await d.getByRole("button", { name: "Request OTP" }).click();
  await expect(d.getByText("Bacakan kode tersebut kepada CSO KPPN.")).toBeVisible();
  await expect(d.getByRole("timer")).toHaveText(/Kode berlaku 0[12]:\d\d/);
  // the mutual check: who will hear the code, in which session, under which number
  const sesi = d.getByRole("region", { name: "Sesi aktivasi" });
  await expect(sesi.getByText(`Nomor sesi ${nomor}`, { exact: true })).toBeVisible();
  await expect(sesi).toContainText("CSO KPPN Jakarta VI");
  await expect(sesi).toContainText("Video conference");
  await expect(sesi).toContainText("tidak ada petugas yang akan meminta kode OTP SAKTI Anda lagi");
  const code = await nextCode(hp, phone, before);

  const pick = cso.getByRole("button", { name: new RegExp(nama) });
  await expect(pick).toContainText(/Kode menunggu · 0[12]:\d\d/);
  await expect(pick).toContainText(`Sesi No. ${nomor}`);
  await pick.click();
  await expect(cso.getByText(`Nomor sesi ${nomor}`, { exact: true })).toBeVisible();
  // the code alone is refused: the checklist of a video session comes first
  await cso.getByLabel("Kode OTP yang dibacakan pejabat").fill(code);
  await cso.getByRole("button", { name: "Aktifkan" }).click();
  await expect(cso.getByText("Centang setiap butir pemeriksaan sebelum memasukkan kode.")).toBeVisible();
  const ceklis = cso.getByRole("group", { name: "Ceklis pemeriksaan" });
  await expect(ceklis.getByRole("checkbox")).toHaveCount(3);
  for (const box of await ceklis.getByRole("checkbox").all()) await box.check();
  await cso.getByRole("button", { name: "Aktifkan" }).click();
  await expect(cso.getByText(`OTP ${nama} telah AKTIF.`)).toBeVisible();
  await owner.keyboard.press("Escape");
  await expect(row(owner, nama)).toContainText("AKTIF", { timeout: 5_000 });
}

/** A dialog where the user types the code itself (Verifikasi No. HP, Kirim Data). */
async function withOwnCode(page: Page, button: string, title: string, phone: string, hp: Page) {
  await page.getByRole("button", { name: button }).click();
  const d = page.getByRole("dialog", { name: title });
  const before = await newest(hp, phone);
  await d.getByRole("button", { name: "Request OTP" }).click();
  await expect(d.getByText(/waktu request terakhir \d{4}-\d\d-\d\d \d\d:\d\d:\d\d/)).toBeVisible();
  await expect(d.getByRole("button", { name: /Request OTP lagi dalam 00:[0-5]\d/ })).toBeDisabled();
  const code = await nextCode(hp, phone, before);
  await d.getByLabel("OTP").fill(code);
  await d.getByRole("button", { name: "Proses" }).click();
  await expect(d).toBeHidden();
}

/** Seed step 2: the admin downloads each form, uploads the signed scan and sends the
 *  submission; the CSO checks each bundle, accepts it and schedules a session. */
async function bundles(admin: Page, cso: Page, kpa: Page): Promise<string> {
  const names = ["KPA PSIE I", "PPK PSIE I", "PPSPM PSIE I"];
  const files: Record<string, string> = {};
  const codes: Record<string, string> = {};
  for (const nama of names) {
    await row(admin, nama).click();
    await admin.getByLabel("Formulir", { exact: true }).selectOption({ label: "Form Aktivasi OTP" });
    const [download] = await Promise.all([admin.waitForEvent("download"), admin.getByRole("link", { name: "Unduh" }).click()]);
    const path = test.info().outputPath(`${nama.replace(/ /g, "-")}.pdf`);
    await download.saveAs(path);
    expect(readFileSync(path).subarray(0, 5).toString()).toBe("%PDF-");
    // two copies, each with the pejabat's data
    const pages = execFileSync("pdftotext", ["-layout", path, "-"]).toString().split("\f").filter((p) => p.trim());
    expect(pages).toHaveLength(2);
    for (const p of pages) expect(p).toContain(nama);
    files[nama] = path;
    codes[nama] = /Kode verifikasi:\s*([0-9A-Z]{4}-[0-9A-Z]{4})/.exec(pages[0])![1];
  }
  await admin.getByRole("link", { name: "Berkas & Jadwal" }).click();
  await expect(admin.getByRole("heading", { name: "Berkas & Jadwal Aktivasi" })).toBeVisible();
  await hydrated(admin);
  // nothing uploaded yet: the submission is not offered as ready, and says why
  await expect(admin.getByRole("button", { name: "Kirim Pengajuan ke KPPN" })).toBeDisabled();
  await expect(admin.getByText("Belum ada berkas baru untuk diajukan")).toBeVisible();
  // anything but a PDF is refused with a clear message
  const fake = test.info().outputPath("bukan.pdf");
  writeFileSync(fake, "GIF89a not a pdf");
  await admin.getByLabel("PDF bundel KPA PSIE I (KPA)").setInputFiles(fake);
  await admin.getByRole("article", { name: "Berkas KPA PSIE I" }).getByRole("button", { name: "Unggah" }).click();
  await expect(admin.getByText("Isi berkas bukan PDF yang utuh")).toBeVisible();
  for (const nama of names) {
    await hydrated(admin);
    const short = nama.split(" ")[0];
    await admin.getByLabel(`PDF bundel ${nama} (${short})`).setInputFiles(files[nama]);
    await admin.getByRole("article", { name: `Berkas ${nama}` }).getByRole("button", { name: "Unggah" }).click();
    await expect(admin.getByRole("article", { name: `Berkas ${nama}` })).toContainText("DRAF");
    // the refusal of the first try no longer stands beside the uploads that followed
    await expect(admin.getByText("Isi berkas bukan PDF yang utuh")).toHaveCount(0);
  }
  await hydrated(admin);
  await admin.getByRole("button", { name: "Kirim Pengajuan ke KPPN" }).click();
  await expect(admin.getByText("Pengajuan Formulir Aktivasi OTP SAKTI Satker terkirim ke KPPN.")).toBeVisible();

  await cso.getByRole("link", { name: "Meja Berkas & Jadwal" }).click();
  await expect(cso.getByRole("heading", { name: "Meja Berkas & Jadwal" })).toBeVisible();
  await hydrated(cso);
  const submission = cso.getByRole("article", { name: "Pengajuan satker 561403" }).first();
  for (const nama of names) {
    const item = submission.getByRole("group", { name: `Berkas ${nama}` });
    await expect(item).toContainText("DIAJUKAN");
    for (const box of await item.getByRole("checkbox").all()) await box.check();
    await item.getByRole("button", { name: "Terima" }).click();
    await expect(item).toContainText("DITERIMA");
  }
  // the QR code of a printed form opens the desk's check: the printout matches the record
  await cso.goto(`/meja?kode=${codes["PPK PSIE I"]}`);
  await hydrated(cso);
  await expect(cso.getByText(/Form Aktivasi OTP · dicetak .* · SESUAI dengan data saat ini/)).toBeVisible();
  // a session by video conference starting in two minutes: its codes may be asked for from
  // ten minutes before its start (SAKTI_SESI_TOLERANSI)
  const start = new Date(Date.now() + 7 * 3600_000 + 2 * 60_000).toISOString();
  const [y, m, d] = start.slice(0, 10).split("-");
  const jam = start.slice(11, 16);
  await cso.getByLabel("Satker", { exact: true }).selectOption("561403");
  await cso.getByLabel("Tanggal (WIB)").fill(`${d}/${m}/${y}`); // typed day first, as in Indonesia
  await cso.getByLabel("Jam (WIB)").fill(jam);
  await cso.getByRole("radio", { name: "Video conference" }).check();
  await cso.getByLabel("Tautan video conference").fill("https://vicon.kemenkeu.go.id/j/561403");
  await cso.getByRole("button", { name: "Simpan Jadwal" }).click();
  await expect(cso.getByText(/Jadwal 561403 .* tersimpan/)).toBeVisible();
  // the CSO takes it: only it enters the session's codes, under a new session number
  const queue = cso.getByRole("listitem", { name: new RegExp(`^Sesi 561403 .*${jam} WIB`) });
  await queue.getByRole("button", { name: "Ambil sesi" }).click();
  const taken = cso.getByText(/Sesi 561403 dipegang Anda dengan nomor sesi (\d+)\./);
  await expect(taken).toBeVisible();
  const nomor = /nomor sesi (\d+)/.exec(await taken.innerText())![1];
  await expect(queue).toContainText(`Dipegang Anda · No. ${nomor}`);
  // the satker sees it
  await kpa.getByRole("link", { name: "Berkas & Jadwal" }).click();
  await expect(kpa.getByRole("link", { name: "https://vicon.kemenkeu.go.id/j/561403" })).toBeVisible();
  await expect(kpa.getByText(new RegExp(`${jam} WIB`)).first()).toBeVisible();
  await kpa.getByRole("link", { name: "Tabel Pejabat" }).click();
  await expect(kpa.getByRole("heading", { name: "Tabel Pejabat" })).toBeVisible();
  await hydrated(kpa);
  await cso.getByRole("link", { name: "Konsol", exact: true }).click();
  await expect(cso.getByRole("heading", { name: "Konsol Aktivasi OTP" })).toBeVisible();
  await hydrated(cso);
  await admin.getByRole("link", { name: "Tabel Pejabat" }).click();
  await expect(admin.getByRole("heading", { name: "Tabel Pejabat" })).toBeVisible();
  await hydrated(admin);
  return nomor;
}

test("five people run the six steps of the seed", async ({ browser }) => {
  test.setTimeout(240_000);
  const [admin, kpa, ppk, ppspm, cso, hp] = await Promise.all([1, 2, 3, 4, 5, 6].map(() => person(browser)));

  // step 1: delete the 2020 pilot references, record KPA, PPK and PPSPM
  await login(admin, "adm_561403");
  await hapus(admin, "Maulana Malik Ibrahim");
  await hapus(admin, "Putut Wijanarko");
  await rekam(admin, "199109112010111001", "KUASA PENGGUNA ANGGARAN", "0812 3456 7890");
  await rekam(admin, "133209333013111001", "PEJABAT PEMBUAT KOMITMEN", "0813 0000 0002");
  await rekam(admin, "198807152012121002", "PEJABAT SPM", "0813 0000 0003");
  for (const nama of ["KPA PSIE I", "PPK PSIE I", "PPSPM PSIE I"]) {
    await expect(row(admin, nama)).toContainText("BARU");
  }
  // the home page says what comes next
  const next = admin.getByRole("region", { name: "Cetak formulir untuk 3 pejabat" });
  await expect(next).toContainText("Langkah berikutnya");

  // step 3: PPK and PPSPM verify their numbers
  for (const [page, user, nama, phone] of [
    [ppk, "val_ppk561403", "PPK PSIE I", PPK_HP],
    [ppspm, "apr_spm561403", "PPSPM PSIE I", SPM_HP],
  ] as const) {
    await login(page, user);
    await row(page, nama).click();
    await withOwnCode(page, "Verifikasi No. HP", "Verifikasi No. HP", phone, hp);
    await expect(page.getByText(`${nama}: status menjadi VERIFIKASI PEJABAT.`)).toBeVisible();
  }

  // step 2: forms, bundles through the CSO's desk, a session scheduled
  await login(kpa, "apr_kpa561403");
  await login(cso, "cso_jakarta6");
  const nomor = await bundles(admin, cso, kpa);

  // step 4: the KPA activates with the CSO (video conference)
  await expect(cso).toHaveURL(/\/cso$/);
  await expect(row(kpa, "KPA PSIE I")).toContainText("BARU");
  // Kirim Data is refused while the KPA is not yet AKTIF: offered disabled, with the reason
  // beside it (the server refuses it too: backend kirim_data_needs_an_aktif_kpa)
  await row(kpa, "PPK PSIE I").click();
  await expect(kpa.getByRole("button", { name: "Kirim Data" })).toBeDisabled();
  await expect(kpa.getByText("OTP KPA belum aktif")).toBeVisible();
  await activate(kpa, "KPA PSIE I", KPA_HP, hp, cso, nomor);

  // step 5: the KPA sends PPK and PPSPM, each with a fresh code of its own
  for (const nama of ["PPK PSIE I", "PPSPM PSIE I"]) {
    await row(kpa, nama).click();
    await withOwnCode(kpa, "Kirim Data", "Kirim Data", KPA_HP, hp);
    await expect(row(kpa, nama)).toContainText("KIRIM");
  }

  // step 6: PPK and PPSPM activate with the CSO
  await activate(ppk, "PPK PSIE I", PPK_HP, hp, cso, nomor);
  await activate(ppspm, "PPSPM PSIE I", SPM_HP, hp, cso, nomor);

  // everyone AKTIF, on the admin's screen too, without a reload
  for (const nama of ["KPA PSIE I", "PPK PSIE I", "PPSPM PSIE I"]) {
    await expect(row(admin, nama)).toContainText("AKTIF", { timeout: 5_000 });
  }
  // the seed's SMS texts arrived
  const inbox = async (phone: string) => {
    await newest(hp, phone);
    return hp.locator(".inbox .sms-body").allInnerTexts();
  };
  await expect.poll(() => inbox(PPK_HP)).toContain(
    "Yth. PPK PSIE I Anda telah diusulkan sebagai pengguna OTP SAKTI dengan kewenangan Pejabat PPK pada satker 561403. Silakan kunjungi KPPN mitra satker Anda untuk mengaktifkan OTP tersebut.",
  );
  await expect.poll(() => inbox(PPK_HP)).toContain("Yth. PPK PSIE I, Pejabat PPK pada satker 561403, fitur OTP Anda telah aktif!");
  await expect.poll(() => inbox(KPA_HP)).toContain("Yth. KPA PSIE I, Pejabat KPA pada satker 561403, fitur OTP Anda telah aktif!");
  await expect.poll(() => inbox(SPM_HP)).toContain("Yth. PPSPM PSIE I, Pejabat PPSPM pada satker 561403, fitur OTP Anda telah aktif!");
  // the KPA's signed evidence record: the Admin Lokal downloads it, and its Ed25519 signature
  // holds for the record as written and fails for one changed byte
  await row(admin, "KPA PSIE I").click();
  const [evidence] = await Promise.all([
    admin.waitForEvent("download"),
    admin.getByRole("link", { name: "Bukti aktivasi" }).click(),
  ]);
  const file = test.info().outputPath("bukti-aktivasi.json");
  await evidence.saveAs(file);
  const signed = JSON.parse(readFileSync(file, "utf8"));
  const record = JSON.parse(signed.bukti);
  expect(record.pejabat.nama).toBe("KPA PSIE I");
  expect(record.sesi.nomor).toBe(Number(nomor));
  expect(record.sesi.cso_nama).toBe("CSO KPPN Jakarta VI");
  expect(record.ceklis.dicentang).toEqual(["WajahDiKamera", "KtpCocok", "KodeDiKamera"]);
  expect(record.berkas.sha256).toMatch(/^[0-9a-f]{64}$/);
  expect(signatureHolds(signed)).toBe(true);
  expect(signatureHolds({ ...signed, bukti: signed.bukti.replace('"nama":"KPA PSIE I"', '"nama":"KPA PSIE J"') })).toBe(false);

  const codes = await inbox(PPK_HP);
  expect(codes.some((t) => /^Yth Pejabat PPK Satker 561403\. Kode Otentifikasi Anda: \d{6}\. Kode berlaku 2 menit\. Waktu kirim \d{4}-\d\d-\d\d \d\d:\d\d:\d\d WIB\.$/.test(t))).toBe(true);
});
