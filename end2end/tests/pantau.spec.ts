import { test, expect } from "@playwright/test";
import { hydrated, login, sql } from "./helpers";

// The progress board (/pantau): a Kanwil user drills from its region to one satker's pejabat
// and back, downloads the table, is refused outside its region, and sees a change live.

test("a Kanwil user drills from its region to a satker's pejabat and back", async ({ page }) => {
  await login(page, "kwl_dki");
  // its next step, read off its region's board
  await expect(page.locator("section.berikut")).toContainText("Langkah berikutnya");
  const jejak = page.getByRole("navigation", { name: "Jejak wilayah" });
  await expect(jejak).toContainText("Kanwil DJPb Provinsi DKI Jakarta");
  // the funnel's numbers as a table beside its chart, and the region's two KPPN
  await expect(page.getByRole("table").filter({ hasText: "Mencapai" })).toContainText("Berkas diajukan");
  const rincian = page.getByRole("table", { name: "Rincian per unit" });
  await expect(rincian.getByRole("row")).toHaveCount(3);
  await rincian.getByRole("link", { name: "019 KPPN Jakarta VI" }).click();
  await expect(page).toHaveURL(/\/pantau\?kppn=019$/);
  const satkers = page.getByRole("table", { name: "Satker dan tahapnya" });
  await satkers.getByRole("link", { name: /561403/ }).click();
  await expect(page).toHaveURL(/\/pantau\?satker=561403$/);
  const pejabat = page.getByRole("table", { name: "Pejabat satker" });
  await expect(pejabat).toContainText("Maulana Malik Ibrahim");
  await expect(jejak).toContainText("KPPN Jakarta VI");
  // back up by the trail
  await jejak.getByRole("link", { name: "KPPN Jakarta VI" }).click();
  await expect(page).toHaveURL(/\/pantau\?kppn=019$/);
  await expect(satkers).toBeVisible();
  // the table as CSV
  const csv = await page.request.get("/api/pantau.csv?kppn=019");
  expect(csv.status()).toBe(200);
  expect(csv.headers()["content-disposition"]).toContain("pantau-aktivasi.csv");
  expect(await csv.text()).toMatch(/^kode,nama,BELUM,DIREKAM,DIAJUKAN,DITERIMA,KPA_AKTIF,SELESAI,total,tahap,sejak\n(.*\n)*"561403",/);
  // a KPPN of another region: refused, on the page and as a file
  sql("INSERT INTO kanwil (kode, nama) VALUES ('10', 'Kanwil DJPb Provinsi Jawa Barat') ON CONFLICT DO NOTHING");
  sql("INSERT INTO kppn (kode, nama, kanwil_kode) VALUES ('101', 'KPPN Bandung I', '10') ON CONFLICT DO NOTHING");
  await page.goto("/pantau?kppn=101");
  await expect(page.getByRole("alert")).toContainText("di luar wilayah pemantauan Anda");
  expect((await page.request.get("/api/pantau.csv?kppn=101")).status()).toBe(403);
});

test("the board follows a change in one of its satkers without a reload", async ({ page }) => {
  await login(page, "cso_jakarta6");
  await page.goto("/pantau");
  await hydrated(page);
  const row = page.getByRole("table", { name: "Satker dan tahapnya" }).getByRole("row", { name: /561403/ });
  await expect(row).toContainText("Belum mulai");
  // a PPSPM recorded for 561403 (as the Admin Lokal's Rekam does), announced as the app does
  const insert = `INSERT INTO pejabat (satker_kode, user_id, nip, nama, tempat_lahir, tanggal_lahir, email, no_hp,
      alamat_domisili, alamat_ktp, nomor_sk, tanggal_sk, jabatan, kppn_kode, created_by)
    SELECT '561403', id, nip, 'PPSPM Pantau', 'Jakarta', date '1980-01-01', 'pantau@kemenkeu.go.id', '+6281399990001',
      'Jakarta', 'Jakarta', 'SK-PANTAU', date '2026-01-05', 'PEJABAT SPM', '019', id
    FROM app_user WHERE username = 'apr_spm561403'`;
  sql(insert);
  try {
    // announced as the app does; again until the page's stream, opened after hydration, hears it
    await expect
      .poll(
        async () => {
          sql("SELECT pg_notify('sakti_perubahan', '09:019:561403')");
          return row.textContent();
        },
        { timeout: 20_000, intervals: [2_000] },
      )
      .toContain("Pejabat direkam");
  } finally {
    // the six-step scenario records this person itself
    sql("DELETE FROM pejabat WHERE nama = 'PPSPM Pantau'");
  }
});
