-- Issue 6, point 4: 2,000 satkers and 20,000 pejabat in KPPN 019 (Jakarta VI), with their
-- users, and 200,000 audit lines. Applied on top of the demo data, whose story has satkers
-- 700001-700200: these are 710001-712000.
INSERT INTO satker (kode, nama, kppn_kode)
SELECT (710000 + g)::text, 'SATKER UJI ' || g, '019' FROM generate_series(1, 2000) g;

-- ten users per satker: 1 KPA, 4 PPSPM, 5 PPK (apr_/val_ prefixes as the seed demands)
INSERT INTO app_user (username, nip, nama, role, satker_kode, password_hash)
SELECT CASE WHEN u <= 5 THEN 'apr_' ELSE 'val_' END || 'u' || s || '_' || u,
       lpad((100000000000000000 + s * 100 + u)::text, 18, '0'),
       'Pejabat ' || s || '-' || u,
       CASE WHEN u = 1 THEN 'KPA' WHEN u <= 5 THEN 'PPSPM' ELSE 'PPK' END,
       (710000 + s)::text,
       (SELECT password_hash FROM app_user WHERE username = 'adm_561403')
FROM generate_series(1, 2000) s, generate_series(1, 10) u;

INSERT INTO pejabat (satker_kode, user_id, nip, nama, tempat_lahir, tanggal_lahir, email, no_hp, alamat_domisili,
                     alamat_ktp, nomor_sk, tanggal_sk, jabatan, kppn_kode, status, created_by)
SELECT a.satker_kode, a.id, a.nip, a.nama, 'Jakarta', date '1980-01-01' + (a.id % 3000)::int,
       'p' || a.id || '@kemenkeu.go.id', '+6281' || lpad((a.id % 1000000000)::text, 9, '0'), 'Jakarta', 'Jakarta',
       'SK-' || a.id, date '2026-01-05',
       CASE a.role WHEN 'KPA' THEN 'KUASA PENGGUNA ANGGARAN' WHEN 'PPSPM' THEN 'PEJABAT SPM' ELSE 'PEJABAT PEMBUAT KOMITMEN' END,
       '019',
       (ARRAY['BARU', 'VERIFIKASI PEJABAT', 'KIRIM', 'AKTIF'])[1 + a.id % 4],
       (SELECT id FROM app_user WHERE username = 'adm_561403')
FROM app_user a WHERE a.username LIKE 'apr\_u%' OR a.username LIKE 'val\_u%';

INSERT INTO audit_log (at, actor_user_id, actor_username, actor_role, satker_kode, client_addr, action, outcome, pejabat_id, detail,
                       scope_satker, scope_kppn)
SELECT now() - (g || ' seconds')::interval, p.user_id, 'u' || p.user_id, 'PPK', p.satker_kode, '10.0.0.1',
       (ARRAY['LIHAT_PEJABAT', 'VERIFIKASI_HP', 'REQUEST_OTP_AKTIVASI', 'AKTIVASI_OTP'])[1 + g % 4],
       (ARRAY['BERHASIL', 'BERHASIL', 'DITOLAK', 'GAGAL'])[1 + g % 4], p.id, 'uji beban', p.satker_kode, '019'
FROM generate_series(1, 200000) g
JOIN pejabat p ON p.id = (SELECT min(id) FROM pejabat WHERE satker_kode BETWEEN '710001' AND '712000') + g % 20000;

ANALYZE;
