import { test, expect } from "@playwright/test";
import { freshTotp, hydrated, login, PASSWORD } from "./helpers";

test("a logged-out visitor is sent to the login page", async ({ page }) => {
  await page.goto("/pejabat");
  // and returned there after login
  await expect(page).toHaveURL(/\/login\?kembali=%2Fpejabat$/);
});

test("a wrong password is refused with a message", async ({ page }) => {
  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("Username").fill("apr_kpa561403");
  await page.getByLabel("Password").fill("bukan-" + PASSWORD);
  await page.getByRole("button", { name: "Masuk" }).click();
  await expect(page.getByRole("alert")).toHaveText("Username atau password salah.");
  await expect(page).toHaveURL(/\/login$/);
});

test("staff with a wrong password are asked the second factor all the same, then refused without saying which", async ({ page }) => {
  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("Username").fill("adm_561403");
  await page.getByLabel("Password").fill("bukan-" + PASSWORD);
  await page.getByRole("button", { name: "Masuk" }).click();
  // the same second step as after a right password: nothing tells a guesser it was wrong
  await expect(page).toHaveURL(/\/masuk\/faktor/);
  await hydrated(page);
  await page.getByLabel("Kode dari aplikasi autentikator").fill(await freshTotp(page, "adm_561403"));
  await page.getByRole("button", { name: "Masuk" }).click();
  await expect(page.getByRole("alert")).toHaveText(
    "Kata sandi atau kode aplikasi autentikator salah, atau kodenya sudah dipakai.",
  );
});

test("admin records a pejabat, finds it with the filter, and deletes it", async ({ page }) => {
  await login(page, "adm_561403");
  const table = page.getByRole("table", { name: "Tabel Pejabat" });
  await expect(table.getByRole("row", { name: /Putut Wijanarko/ })).toBeVisible();
  await expect(page.getByText("2 pejabat")).toBeVisible();
  await expect(page.getByText("Halaman 1 dari 1")).toBeVisible();
  await expect(page.getByRole("button", { name: "Halaman berikutnya" })).toHaveText("›");
  await expect(page.getByRole("button", { name: "Halaman berikutnya" })).toBeDisabled();

  // + Rekam, first with nothing filled in: every field says what is wrong
  await page.getByRole("button", { name: "+ Rekam" }).click();
  const dialog = page.getByRole("dialog", { name: "Rekam Referensi Pejabat" });
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name: "Simpan" }).click();
  await expect(dialog.getByText("NIP/NRP wajib diisi.")).toBeVisible();
  await expect(dialog.getByText("Nomor HP wajib diisi.")).toBeVisible();

  await dialog.getByLabel("NIP/NRP (user SAKTI)").selectOption("199109112010111001");
  await expect(dialog.getByLabel("Nama", { exact: true })).toHaveValue("KPA PSIE I");
  await dialog.getByLabel("Tempat Lahir").fill("Jakarta");
  await dialog.getByLabel("Tanggal Lahir").fill("20/12/1970");
  await dialog.getByLabel("Email").fill("kpa.psie@kemenkeu.go.id");
  await dialog.getByLabel("Nomor HP (penerima OTP)").fill("0812 3456 7890");
  await dialog.getByLabel("Alamat Tempat Tinggal").fill("Jl. Medan Merdeka Timur No. 16");
  await dialog.getByLabel("Alamat Sesuai KTP").fill("Jl. Medan Merdeka Timur No. 16");
  await dialog.getByLabel("Nomor SK").fill("KEP-12/WPJ.04/2026");
  await dialog.getByLabel("Tanggal SK").fill("05/01/2026");
  // a PPK jabatan on an apr_ user is refused before anything is sent
  await dialog.getByLabel("Jabatan").selectOption("PEJABAT PEMBUAT KOMITMEN");
  await dialog.getByRole("button", { name: "Simpan" }).click();
  await expect(dialog.getByText(/berawalan "val_"/)).toBeVisible();
  await dialog.getByLabel("Jabatan").selectOption("KUASA PENGGUNA ANGGARAN");
  await dialog.getByRole("button", { name: "Simpan" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText("Referensi pejabat KPA PSIE I tersimpan dengan status BARU.")).toBeVisible();

  // find it with the filter
  await page.getByPlaceholder("Tulis kriteria").fill("psie");
  const row = table.getByRole("row", { name: /KPA PSIE I/ });
  await expect(row).toBeVisible();
  await expect(table.getByRole("row", { name: /Putut Wijanarko/ })).toHaveCount(0);
  await expect(row).toContainText("199109112010111001");
  await expect(row).toContainText("20 Des 1970");
  await expect(row).toContainText("KUASA PENGGUNA ANGGARAN");
  await expect(row).toContainText("BARU");

  // select it, Hapus, confirm; the answer is held until the change it made has come back on the
  // event stream and dropped the row from the table (the order a loaded server can produce):
  // the dialog still reports what it did
  await row.click();
  await expect(row).toHaveAttribute("aria-selected", "true");
  await page.getByRole("button", { name: "Hapus" }).click();
  const confirm = page.getByRole("dialog", { name: "Hapus Referensi Pejabat" });
  await expect(confirm).toContainText("KPA PSIE I");
  await page.route("**/api/pejabat_hapus", async (route) => {
    const answer = await route.fetch();
    await expect(table.getByRole("row", { name: /KPA PSIE I/ })).toHaveCount(0);
    await expect(confirm.getByRole("button", { name: "Menghapus…" })).toBeVisible();
    await route.fulfill({ response: answer });
  });
  await confirm.getByRole("button", { name: "Ya, Hapus" }).click();
  await expect(page.getByText("Referensi pejabat KPA PSIE I telah dihapus.")).toBeVisible();
  await expect(table.getByRole("row", { name: /KPA PSIE I/ })).toHaveCount(0);
  await expect(table).toContainText("Tidak ada data pejabat.");
});

test("a pejabat sees the table but no Rekam or Hapus", async ({ page }) => {
  await login(page, "val_ppk561403");
  await expect(page.getByRole("table", { name: "Tabel Pejabat" }).getByRole("row", { name: /Putut/ })).toBeVisible();
  await expect(page.getByRole("button", { name: "+ Rekam" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Hapus" })).toHaveCount(0);
  await page.getByRole("button", { name: "Keluar" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto("/pejabat");
  await expect(page).toHaveURL(/\/login\?kembali=%2Fpejabat$/);
});
