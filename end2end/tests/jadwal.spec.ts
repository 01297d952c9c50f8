import { test, expect } from "@playwright/test";
import { DEVICES, checkDevice, demoKey, hydrated, login, newest, sql } from "./helpers";

// Appointments: the CSO opens a slot, a satker's Admin Lokal books it for its KPA, the CSO
// sees the satker in today's queue and records its arrival, and the reminder SMS reaches
// the KPA's phone (the slot starts within the hour, so the hour-before reminder is due).

const SATKER = "561999";
const PHONE = "+6281377700001";

/** A satker of KPPN 019 whose KPA's bundle the CSO has accepted (as seed step 2 leaves it). */
function satkerWithAcceptedBundle() {
  sql(`INSERT INTO satker (kode, nama, kppn_kode) VALUES ('${SATKER}', 'SATKER UJI JADWAL', '019') ON CONFLICT DO NOTHING`);
  sql(`INSERT INTO app_user (username, nip, nama, role, satker_kode, password_hash)
       SELECT v.username, v.nip, v.nama, v.role, '${SATKER}', (SELECT password_hash FROM app_user WHERE username = 'adm_561403')
       FROM (VALUES ('adm_${SATKER}', NULL, 'Admin Lokal ${SATKER}', 'ADMIN_LOKAL'),
                    ('apr_kpa${SATKER}', '197001012000031999', 'KPA Uji Jadwal', 'KPA')) v(username, nip, nama, role)
       ON CONFLICT DO NOTHING`);
  // the Admin Lokal signs in with an authenticator app, as the demo staff do (demo::totp_secret)
  sql(`INSERT INTO faktor (user_id, jenis, nama, data, created_at)
       SELECT id, 'TOTP', 'Aplikasi autentikator', '{"secret": "${base32(demoKey(`adm_${SATKER}`))}"}', now()
       FROM app_user WHERE username = 'adm_${SATKER}' ON CONFLICT DO NOTHING`);
  sql(`INSERT INTO pejabat (satker_kode, user_id, nip, nama, tempat_lahir, tanggal_lahir, email, no_hp, alamat_domisili,
                            alamat_ktp, nomor_sk, tanggal_sk, jabatan, kppn_kode, created_by)
       SELECT '${SATKER}', id, nip, nama, 'Jakarta', date '1970-01-01', 'kpa.jadwal@kemenkeu.go.id', '${PHONE}',
              'Jakarta', 'Jakarta', 'SK-JADWAL', date '2026-01-05', 'KUASA PENGGUNA ANGGARAN', '019', id
       FROM app_user WHERE username = 'apr_kpa${SATKER}'
         AND NOT EXISTS (SELECT 1 FROM pejabat WHERE satker_kode = '${SATKER}')`);
  sql(`INSERT INTO pengajuan (satker_kode, kppn_kode, diajukan_at, diajukan_by)
       SELECT satker_kode, kppn_kode, now(), created_by FROM pejabat
       WHERE satker_kode = '${SATKER}' AND NOT EXISTS (SELECT 1 FROM pengajuan WHERE satker_kode = '${SATKER}')`);
  sql(`INSERT INTO berkas (pejabat_id, keperluan, nama_file, ukuran, sha256, isi, diunggah_at, diunggah_by, pengajuan_id,
                           status, cek_formulir, cek_sk_pejabat, cek_sk_user, cek_ktp, cek_spesimen, diputus_at)
       SELECT p.id, 'AKTIVASI', 'b.pdf', 1, sha256('x'), 'x', now(), p.created_by, j.id, 'DITERIMA',
              true, true, true, true, true, now()
       FROM pengajuan j JOIN pejabat p ON p.satker_kode = j.satker_kode
       WHERE j.satker_kode = '${SATKER}' AND NOT EXISTS (SELECT 1 FROM berkas WHERE pejabat_id = p.id)`);
}

/** RFC 4648 base32 without padding, as authenticator secrets are written. */
function base32(bytes: Buffer): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const b of bytes) bits += b.toString(2).padStart(8, "0");
  let out = "";
  for (let i = 0; i < bits.length; i += 5) out += alphabet[parseInt(bits.slice(i, i + 5).padEnd(5, "0"), 2)];
  return out;
}

/** The WIB wall clock `minutes` from now: date as the form takes it, time, and the day. */
function wibIn(minutes: number) {
  const t = new Date(Date.now() + minutes * 60_000 + 7 * 3_600_000);
  const pad = (n: number) => String(n).padStart(2, "0");
  return {
    tanggal: `${pad(t.getUTCDate())}/${pad(t.getUTCMonth() + 1)}/${t.getUTCFullYear()}`,
    jam: `${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}`,
    day: t.getUTCDate(),
  };
}

test("an Admin Lokal books the CSO's slot, the CSO sees the queue, the reminder reaches the phone", async ({ browser }) => {
  satkerWithAcceptedBundle();
  const start = wibIn(30);
  const sameDay = start.day === wibIn(0).day;

  // the CSO opens a slot for three satkers, half an hour from now
  const csoContext = await browser.newContext();
  const cso = await csoContext.newPage();
  await login(cso, "cso_jakarta6");
  await cso.goto("/meja");
  await hydrated(cso);
  await cso.getByLabel("Tanggal (WIB)").fill(start.tanggal);
  await cso.getByLabel("Jam (WIB)").fill(start.jam);
  await cso.getByLabel("Durasi (menit)").fill("30");
  await cso.getByLabel("Kapasitas (satker)").fill("3");
  await cso.getByRole("button", { name: "Simpan Jadwal" }).click();
  await expect(cso.locator(".notice.ok")).toContainText("terbit");

  // the Admin Lokal books it for its KPA
  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  await login(admin, `adm_${SATKER}`);
  await admin.goto("/berkas");
  await hydrated(admin);
  const form = admin.locator(".booking");
  await form.getByLabel("KPA KPA Uji Jadwal").check();
  const slot = form.locator("li.slot").filter({ hasText: start.jam }).first();
  await expect(slot).toContainText("3 dari 3 tempat tersisa");
  await slot.getByRole("button", { name: "Pesan" }).click();
  const booking = admin.locator("li.session").filter({ hasText: start.jam });
  await expect(booking).toContainText("Pejabat: KPA KPA Uji Jadwal");
  // within the hour it can no longer be moved or cancelled
  await expect(booking.getByRole("button", { name: "Batalkan" })).toHaveCount(0);
  await expect(form.locator("li.slot").filter({ hasText: start.jam }).first()).toContainText("2 dari 3 tempat tersisa");
  await admin.setViewportSize({ width: DEVICES[0].width, height: DEVICES[0].height });
  await checkDevice(admin, DEVICES[0], "berkas-pesan");

  // the CSO's desk follows: the satker in the queue (today's, unless the slot is past midnight)
  const card = cso.getByRole("listitem", { name: new RegExp(`Sesi ${SATKER}`) });
  await expect(card).toContainText("Pejabat: KPA KPA Uji Jadwal", { timeout: 15_000 });
  if (sameDay) {
    await expect(cso.locator("ol.queue")).toContainText(SATKER);
    await card.getByRole("button", { name: "Tiba" }).click();
    await expect(card).toContainText("Tiba ");
  }
  await cso.setViewportSize({ width: DEVICES[1].width, height: DEVICES[1].height });
  await checkDevice(cso, DEVICES[1], "meja-antrean");

  // the hour-before reminder on the KPA's phone
  const hpContext = await browser.newContext();
  const hp = await hpContext.newPage();
  await expect
    .poll(async () => newest(hp, PHONE), { timeout: 60_000 })
    .toContain("pengingat sesi Aktivasi OTP SAKTI Pejabat KPA satker 561999");
  await Promise.all([csoContext.close(), adminContext.close(), hpContext.close()]);
});
