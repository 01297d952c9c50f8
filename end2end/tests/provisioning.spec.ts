import { Browser, expect, Page, test } from "@playwright/test";
import { freshTotp, hydrated, PASSWORD, secondFactor, secret } from "./helpers";

// A treasury office set up from nothing, as the operator and the new Admin Lokal do it:
// KPPN, satker and users imported from CSV on the operator's page (a bad file first), a
// set-password link, the password set through it, the first login, the first Rekam.

const KPPN = "kode,nama\n131,KPPN Uji Provisioning\n";
const SATKER = 'kode,nama,kppn\n913001,"Satker Uji, Provisioning",131\n';
const USERS = [
  "username,nama,peran,unit,nip,no_hp,email",
  "adm_rina913001,Rina Marlina,ADMIN_LOKAL,913001,198501012010122001,,rina913001@kemenkeu.go.id",
  "apr_budi913001,Budi Santoso,KPA,913001,197203041998031002,,budi913001@kemenkeu.go.id",
  "",
].join("\r\n");
const STRONG = "lampu meja hijau di pojok";

async function person(browser: Browser): Promise<Page> {
  return (await browser.newContext()).newPage();
}

async function upload(op: Page, daftar: string, name: string, csv: string) {
  await op.goto("/impor");
  await hydrated(op);
  await op.getByLabel("Daftar").selectOption(daftar);
  await op.getByLabel("Berkas CSV").setInputFiles({ name, mimeType: "text/csv", buffer: Buffer.from(csv) });
  await op.getByRole("button", { name: "Periksa (uji coba)" }).click();
  await expect(op).toHaveURL(/\/impor\?draf=\d+$/);
}

test("the operator provisions a KPPN, a satker and its users; the new Admin Lokal sets a password and records a pejabat", async ({ browser }) => {
  const op = await person(browser);
  await op.goto("/login");
  await hydrated(op);
  await op.getByLabel("Username").fill("opr_nasional");
  await op.getByLabel("Password").fill(PASSWORD);
  await op.getByRole("button", { name: "Masuk" }).click();
  await secondFactor(op, "opr_nasional");
  await expect(op).toHaveURL(/\/impor$/);
  await expect(op.getByRole("heading", { name: "Impor data KPPN, satker dan pengguna" })).toBeVisible();
  await expect(op.getByRole("link", { name: "Tabel Pejabat" })).toHaveCount(0);

  // a file with a bad row: reported by line, nothing to store
  await upload(op, "satker", "satker-salah.csv", "kode,nama,kppn\n91300,Lima Angka,131\n");
  await expect(op.getByText("Ada baris yang salah")).toBeVisible();
  await expect(op.getByRole("cell", { name: "2", exact: true })).toBeVisible();
  await expect(op.getByText("kode satker harus 6 angka")).toBeVisible();
  await expect(op.getByRole("button", { name: "Simpan ke basis data" })).toHaveCount(0);

  for (const [daftar, name, csv, rows] of [
    ["kppn", "kppn.csv", KPPN, 1],
    ["satker", "satker.csv", SATKER, 1],
    ["users", "users.csv", USERS, 2],
  ] as const) {
    await upload(op, daftar, name, csv);
    await expect(op.getByText("Uji coba berhasil")).toBeVisible();
    await expect(op.getByText(`${rows} baris: ${rows} baru, 0 diubah, 0 tetap (uji coba, tidak disimpan).`)).toBeVisible();
    await hydrated(op);
    await op.getByRole("button", { name: "Simpan ke basis data" }).click();
    await expect(op.getByText("Tersimpan.")).toBeVisible();
    await expect(op.getByText(`${rows} baris: ${rows} baru, 0 diubah, 0 tetap (disimpan).`)).toBeVisible();
  }
  // the operator's next step: the users just imported have no password yet
  const next = op.getByRole("region", { name: /^Undang \d+ pengguna yang belum punya sandi$/ });
  await expect(next).toContainText("Langkah berikutnya");
  await expect(next.getByRole("link", { name: "Buka Pengguna" })).toHaveAttribute("href", "/pengguna");

  // the set-password link for the new Admin Lokal, where the next step leads
  await next.getByRole("link", { name: "Buka Pengguna" }).click();
  await expect(op).toHaveURL(/\/pengguna$/);
  await hydrated(op);
  await op.getByLabel("Username", { exact: true }).fill("adm_rina913001");
  await op.getByRole("button", { name: "Buat tautan" }).click();
  const link = await op.locator("code.tautan").innerText();
  expect(link).toMatch(/\/sandi\?token=[0-9a-f]{64}$/);
  secret(STRONG);
  secret(new URL(link).searchParams.get("token")!);

  // the Admin Lokal opens it on its own device
  const admin = await person(browser);
  await admin.goto(new URL(link).pathname + new URL(link).search);
  await hydrated(admin);
  await expect(admin.getByText("adm_rina913001")).toBeVisible();
  await admin.getByLabel("Kata sandi baru").fill("rinamarlina913001");
  await admin.getByLabel("Ulangi kata sandi").fill("rinamarlina913001");
  await admin.getByRole("button", { name: "Simpan kata sandi" }).click();
  await expect(admin.getByRole("alert")).toContainText(/dibangun dari|mudah ditebak/);
  await admin.getByLabel("Kata sandi baru").fill(STRONG);
  await admin.getByLabel("Ulangi kata sandi").fill(STRONG);
  await admin.getByRole("button", { name: "Simpan kata sandi" }).click();
  await expect(admin.getByText("Kata sandi tersimpan")).toBeVisible();

  // the link works once
  const again = await person(browser);
  await again.goto(new URL(link).pathname + new URL(link).search);
  await expect(again.getByText("sudah dipakai")).toBeVisible();

  // first login, first Rekam
  await admin.getByRole("link", { name: "Masuk" }).click();
  await passwordStep(admin);
  // staff enrol a second factor at their first login: the authenticator app, by its key
  await expect(admin.getByText("wajib memakai faktor kedua")).toBeVisible();
  await expect(admin.locator(".qr svg")).toBeVisible();
  const key = base32((await admin.locator("code.kunci").innerText()).trim());
  secret(key.toString("hex"));
  await admin.getByLabel("Kode dari aplikasi").fill("000000");
  await admin.getByRole("button", { name: "Daftarkan", exact: true }).click();
  await expect(admin.getByRole("alert")).toContainText("Kode tidak cocok");
  await admin.getByLabel("Kode dari aplikasi").fill(await freshTotp(admin, "adm_rina913001", key));
  await admin.getByRole("button", { name: "Daftarkan", exact: true }).click();
  // ten recovery codes, shown once
  await expect(admin.locator(".kode-pemulihan code")).toHaveCount(10);
  const codes = await admin.locator(".kode-pemulihan code").allInnerTexts();
  codes.forEach(secret);
  await admin.getByRole("button", { name: "Sudah saya catat" }).click();
  await admin.getByRole("button", { name: "Lanjut" }).click();
  await expect(admin).toHaveURL(/\/pejabat$/);
  await hydrated(admin);
  await admin.getByRole("button", { name: "+ Rekam" }).click();
  const d = admin.getByRole("dialog", { name: "Rekam Referensi Pejabat" });
  await d.getByLabel("NIP/NRP (user SAKTI)").selectOption("197203041998031002");
  await d.getByLabel("Tempat Lahir").fill("Bandung");
  await d.getByLabel("Tanggal Lahir").fill("04/03/1972");
  await d.getByLabel("Email").fill("budi913001@kemenkeu.go.id");
  await d.getByLabel("Nomor HP (penerima OTP)").fill("081391300101");
  await d.getByLabel("Alamat Tempat Tinggal").fill("Jl. Asia Afrika No. 1");
  await d.getByLabel("Alamat Sesuai KTP").fill("Jl. Asia Afrika No. 1");
  await d.getByLabel("Nomor SK").fill("KEP-1/913001/2026");
  await d.getByLabel("Tanggal SK").fill("05/01/2026");
  await d.getByLabel("Jabatan").selectOption("KUASA PENGGUNA ANGGARAN");
  await d.getByRole("button", { name: "Simpan" }).click();
  await expect(d).toBeHidden();
  await expect(admin.getByRole("cell", { name: "Budi Santoso" })).toBeVisible();

  // a lost phone: a recovery code signs in, once
  for (const round of [1, 2]) {
    await admin.getByRole("button", { name: "Keluar" }).click();
    await expect(admin).toHaveURL(/\/login$/);
    await passwordStep(admin);
    await admin.getByRole("button", { name: "Pakai kode pemulihan" }).click();
    await admin.getByLabel("Kode pemulihan").fill(codes[0]);
    await admin.getByRole("button", { name: "Masuk" }).click();
    if (round === 1) {
      await expect(admin).toHaveURL(/\/pejabat$/);
      await hydrated(admin);
    } else {
      await expect(admin.getByRole("alert")).toContainText("kodenya sudah dipakai");
    }
  }
});

/** The new Admin Lokal's password, on to the second step of its login. */
async function passwordStep(admin: Page) {
  await hydrated(admin);
  await admin.getByLabel("Username").fill("adm_rina913001");
  await admin.getByLabel("Password").fill(STRONG);
  await admin.getByRole("button", { name: "Masuk" }).click();
  await expect(admin).toHaveURL(/\/masuk\/faktor$/);
  await hydrated(admin);
}

/** RFC 4648 base32 (as authenticator apps take a key typed by hand). */
function base32(text: string): Buffer {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of text.replace(/=+$/, "").toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}
