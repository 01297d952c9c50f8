-- The demo's story (`backend::demo::cerita`): a second region, Kanwil DJPb Provinsi Jawa Tengah,
-- with four KPPN and 200 satkers spread over every stage of the roll-out, so that its Kanwil
-- (kwl_jateng), its CSO (cso_semarang1, KPPN Semarang I) and Pusat see a living board, desk and
-- queue. Dates are relative to now: recorded over the last eight weeks, the last activations over
-- the last three, some satkers stuck for weeks. Run once, in the seed's transaction, after the
-- region, its KPPN and its two staff users exist, with the values of `cerita_param` (the demo
-- password's hash, the CSO who accepted and scheduled, a small PDF); the six demo people are
-- not touched.
--
-- Stage of satker 7000nn by nn % 10: 0-1 not started, 2-3 recorded (PPK and PPSPM verifying),
-- 4 submitted (bundles on the CSO's desk), 5 accepted (KPA waiting for its session, half of
-- them booked today or tomorrow), 6 KPA active (PPK and PPSPM on their way), 7-9 done.

INSERT INTO satker (kode, nama, kppn_kode)
SELECT (700000 + s)::text,
       (ARRAY['KANTOR PELAYANAN PAJAK PRATAMA', 'KANTOR PELAYANAN KEKAYAAN NEGARA', 'BALAI BESAR WILAYAH SUNGAI',
              'KANTOR KEMENTERIAN AGAMA', 'POLITEKNIK KESEHATAN', 'BALAI PELATIHAN VOKASI'])[1 + s % 6]
           || ' ' || (ARRAY['SEMARANG', 'SURAKARTA', 'MAGELANG', 'SALATIGA', 'KUDUS', 'PATI', 'DEMAK', 'KENDAL'])[1 + s % 8]
           || ' ' || to_char(s, 'FM000'),
       -- each KPPN has satkers at every stage
       (ARRAY['120', '121', '122', '123'])[1 + (s / 10) % 4]
FROM generate_series(1, 200) s;

-- the KPA, PPK and PPSPM of each satker past "not started"
INSERT INTO app_user (username, nip, nama, role, satker_kode, password_hash)
SELECT (ARRAY['apr_kpa', 'val_ppk', 'apr_spm'])[j] || (700000 + s),
       (197001012000031000 + s * 10 + j)::text,
       (ARRAY['Agus', 'Budi', 'Citra', 'Dewi', 'Eko', 'Fitri', 'Gunawan', 'Hesti', 'Indra', 'Joko', 'Kartika', 'Lestari'])
           [1 + (s * 3 + j) % 12]
           || ' ' || (ARRAY['Santoso', 'Wibowo', 'Rahayu', 'Prasetyo', 'Susanti', 'Nugroho', 'Lestari', 'Hidayat'])[1 + (s + j) % 8],
       (ARRAY['KPA', 'PPK', 'PPSPM'])[j], (700000 + s)::text, (SELECT hash FROM cerita_param)
FROM generate_series(1, 200) s, generate_series(1, 3) j
WHERE s % 10 >= 2;

INSERT INTO pejabat (satker_kode, user_id, nip, nama, tempat_lahir, tanggal_lahir, email, no_hp, alamat_domisili,
                     alamat_ktp, nomor_sk, tanggal_sk, jabatan, kppn_kode, status, created_by, created_at, updated_at,
                     verifikasi_hp_at, kirim_at, aktif_at, aktivasi_mode, aktivasi_cso)
SELECT u.satker_kode, u.id, u.nip, u.nama, 'Semarang', date '1978-04-12' + (x.n * 37 % 3000),
       lower(replace(u.nama, ' ', '.')) || '.' || x.n || '@kemenkeu.go.id',
       '+62857' || lpad((x.n * 10 + x.j)::text, 8, '0'),
       'Jl. Pemuda No. ' || x.n || ', Semarang', 'Jl. Pemuda No. ' || x.n || ', Semarang',
       'KEP-' || x.n || '/KPA/2026', date '2026-01-05',
       x.jabatan, s.kppn_kode, x.status, u.id, x.direkam, x.direkam,
       CASE WHEN x.status IN ('VERIFIKASI PEJABAT', 'KIRIM', 'AKTIF') AND x.j > 1 THEN x.direkam + interval '2 days' END,
       CASE WHEN x.status IN ('KIRIM', 'AKTIF') AND x.j > 1 THEN x.direkam + interval '12 days' END,
       CASE WHEN x.status = 'AKTIF' THEN x.aktif END,
       CASE WHEN x.status = 'AKTIF' THEN (ARRAY['KPPN', 'VIDEO_CONFERENCE'])[1 + x.n % 2] END,
       CASE WHEN x.status = 'AKTIF' THEN (SELECT cso FROM cerita_param) END
FROM app_user u JOIN satker s ON s.kode = u.satker_kode
CROSS JOIN LATERAL (
    SELECT n, j, st,
           CASE j WHEN 1 THEN 'KUASA PENGGUNA ANGGARAN' WHEN 2 THEN 'PEJABAT PEMBUAT KOMITMEN' ELSE 'PEJABAT SPM' END AS jabatan,
           CASE
               WHEN st >= 7 THEN 'AKTIF'
               WHEN st = 6 AND j = 1 THEN 'AKTIF'
               WHEN st = 6 THEN (ARRAY['VERIFIKASI PEJABAT', 'KIRIM'])[1 + (n + j) % 2]
               WHEN st IN (2, 3) AND j > 1 AND n % 3 = 0 THEN 'VERIFIKASI PEJABAT'
               ELSE 'BARU'
           END AS status,
           -- recorded 5 to 56 days ago; those stuck at "recorded" for three to eight weeks
           now() - make_interval(days => CASE WHEN st IN (2, 3) AND n % 4 = 0 THEN 21 + n % 35 ELSE 5 + n % 52 END,
                                 hours => n % 9) AS direkam,
           -- the last activations over the last three weeks
           now() - make_interval(days => n % 21, hours => (n * 7 + j) % 10) AS aktif
    FROM (SELECT u.satker_kode::int - 700000 AS n,
                 CASE u.role WHEN 'KPA' THEN 1 WHEN 'PPK' THEN 2 ELSE 3 END AS j,
                 (u.satker_kode::int - 700000) % 10 AS st) base
) x
WHERE u.satker_kode BETWEEN '700001' AND '700200';

-- the submissions of the satkers past "recorded", three days after they recorded
INSERT INTO pengajuan (satker_kode, kppn_kode, diajukan_at, diajukan_by)
SELECT s.kode, s.kppn_kode, min(p.created_at) + interval '3 days', min(p.user_id)
FROM satker s JOIN pejabat p ON p.satker_kode = s.kode
WHERE s.kode BETWEEN '700001' AND '700200' AND (s.kode::int - 700000) % 10 >= 4
GROUP BY s.kode, s.kppn_kode;

-- the bundles: on the desk for "submitted", accepted beyond it (the KPA's, and the PPK's and
-- PPSPM's once their KPA is active)
INSERT INTO berkas (pejabat_id, keperluan, nama_file, ukuran, sha256, isi, diunggah_at, diunggah_by, pengajuan_id,
                    status, cek_formulir, cek_sk_pejabat, cek_sk_user, cek_ktp, cek_spesimen, diputus_at, diputus_by)
SELECT p.id, 'AKTIVASI', 'bundel-' || p.nip || '.pdf', length((SELECT pdf FROM cerita_param)), sha256((SELECT pdf FROM cerita_param)), (SELECT pdf FROM cerita_param),
       j.diajukan_at - interval '1 hour', j.diajukan_by, j.id, x.status,
       x.diterima, x.diterima, x.diterima, x.diterima, x.diterima,
       CASE WHEN x.diterima THEN j.diajukan_at + interval '2 days' END,
       CASE WHEN x.diterima THEN (SELECT cso FROM cerita_param) END
FROM pengajuan j JOIN pejabat p ON p.satker_kode = j.satker_kode
CROSS JOIN LATERAL (
    SELECT CASE WHEN (j.satker_kode::int - 700000) % 10 = 4 THEN 'DIAJUKAN' ELSE 'DITERIMA' END AS status,
           (j.satker_kode::int - 700000) % 10 <> 4 AS diterima
) x
WHERE j.satker_kode BETWEEN '700001' AND '700200'
  AND ((j.satker_kode::int - 700000) % 10 IN (4, 5) AND p.jabatan = 'KUASA PENGGUNA ANGGARAN'
       OR (j.satker_kode::int - 700000) % 10 = 4
       OR (j.satker_kode::int - 700000) % 10 >= 6);

-- open sessions at every KPPN today and tomorrow (WIB), five satkers each
INSERT INTO slot (kppn_kode, mulai, durasi_menit, kapasitas, mode, tautan, catatan, dibuat_at, dibuat_by)
SELECT k.kode,
       ((now() AT TIME ZONE 'Asia/Jakarta')::date + d + t) AT TIME ZONE 'Asia/Jakarta',
       60, 5, m.mode, m.tautan, 'Bawa HP dengan nomor yang didaftarkan', now() - interval '3 days', (SELECT cso FROM cerita_param)
FROM (VALUES ('120'), ('121'), ('122'), ('123')) k (kode),
     (VALUES (0), (1)) days (d),
     (VALUES (time '10:00'), (time '14:00')) times (t),
     LATERAL (SELECT CASE WHEN t = time '14:00' THEN 'VIDEO_CONFERENCE' ELSE 'KPPN' END AS mode,
                     CASE WHEN t = time '14:00' THEN 'https://vicon.kemenkeu.go.id/j/' || k.kode || d END AS tautan) m;

-- half of the accepted KPA booked into those sessions, each in a session of its KPPN
INSERT INTO jadwal (satker_kode, kppn_kode, slot_id, dibuat_at, dibuat_by)
SELECT s.kode, s.kppn_kode,
       coalesce((SELECT sl.id FROM slot sl WHERE sl.kppn_kode = s.kppn_kode AND sl.mulai > now()
                 ORDER BY sl.mulai OFFSET ((s.kode::int - 700000) / 10) % 2 LIMIT 1),
                (SELECT sl.id FROM slot sl WHERE sl.kppn_kode = s.kppn_kode ORDER BY sl.mulai DESC LIMIT 1)),
       now() - interval '1 day', p.user_id
FROM satker s JOIN pejabat p ON p.satker_kode = s.kode AND p.jabatan = 'KUASA PENGGUNA ANGGARAN'
WHERE s.kode BETWEEN '700001' AND '700200' AND (s.kode::int - 700000) % 10 = 5 AND ((s.kode::int - 700000) / 40) % 2 = 0;
INSERT INTO jadwal_pejabat (jadwal_id, pejabat_id)
SELECT j.id, p.id FROM jadwal j JOIN pejabat p ON p.satker_kode = j.satker_kode AND p.jabatan = 'KUASA PENGGUNA ANGGARAN'
WHERE j.satker_kode BETWEEN '700001' AND '700200';
