-- Issue 17, point 2: a national roll-out for the progress board (/pantau), on top of the demo
-- data: 34 regions, 180 KPPN, 25,000 satkers with a KPA, a PPK and a PPSPM each (75,000
-- pejabat, 75,000 users), at every stage — recorded over the last 60 days, a sixth at each of
-- recorded, submitted, accepted, KPA AKTIF, and two sixths done — their submissions and
-- accepted bundles, and 1,000,000 audit lines.
-- region w is Kanwil 10 + w, skipping 20 (the demo story's Jawa Tengah): 11-19, 21-45
INSERT INTO kanwil (kode, nama)
SELECT (10 + w + (w >= 10)::int)::text, 'KANWIL UJI ' || w FROM generate_series(1, 34) w;
INSERT INTO kppn (kode, nama, kanwil_kode)
SELECT (299 + k)::text, 'KPPN UJI ' || k, (10 + w + (w >= 10)::int)::text
FROM generate_series(1, 180) k, LATERAL (SELECT 1 + (k - 1) % 34 AS w) region;
INSERT INTO satker (kode, nama, kppn_kode)
SELECT (800000 + s)::text, 'SATKER NASIONAL ' || s, (299 + 1 + s % 180)::text FROM generate_series(1, 25000) s;

INSERT INTO app_user (username, nip, nama, role, satker_kode, password_hash)
SELECT CASE WHEN j = 2 THEN 'val_' ELSE 'apr_' END || 'n' || s || '_' || j,
       lpad((200000000000000000 + s * 10 + j)::text, 18, '0'), 'Pejabat ' || s || '-' || j,
       (ARRAY['KPA', 'PPK', 'PPSPM'])[j], (800000 + s)::text,
       (SELECT password_hash FROM app_user WHERE username = 'adm_561403')
FROM generate_series(1, 25000) s, generate_series(1, 3) j;

-- The stage table's triggers are off for the bulk load (each would recompute thousands of
-- satkers with statistics of the tables before the load); the table is filled once after it.
SET session_replication_role = replica;

-- stage by satker: (s / 7) % 6 = 0 recorded, 1 submitted, 2 accepted, 3 KPA AKTIF, 4 and 5 done
INSERT INTO pejabat (satker_kode, user_id, nip, nama, tempat_lahir, tanggal_lahir, email, no_hp, alamat_domisili,
                     alamat_ktp, nomor_sk, tanggal_sk, jabatan, kppn_kode, status, created_by, created_at, aktif_at)
SELECT u.satker_kode, u.id, u.nip, u.nama, 'Jakarta', date '1980-01-01',
       'n' || u.id || '@kemenkeu.go.id', '+6285' || lpad(u.id::text, 9, '0'), 'Jakarta', 'Jakarta', 'SK-' || u.id,
       date '2026-01-05',
       CASE u.role WHEN 'KPA' THEN 'KUASA PENGGUNA ANGGARAN' WHEN 'PPK' THEN 'PEJABAT PEMBUAT KOMITMEN' ELSE 'PEJABAT SPM' END,
       s.kppn_kode,
       CASE WHEN x.st >= 4 OR (x.st = 3 AND u.role = 'KPA') THEN 'AKTIF' ELSE 'BARU' END,
       u.id, now() - make_interval(days => 30 + x.n % 30),
       CASE WHEN x.st >= 4 OR (x.st = 3 AND u.role = 'KPA') THEN now() - make_interval(days => x.n % 28, hours => (u.id % 24)::int) END
FROM app_user u JOIN satker s ON s.kode = u.satker_kode
CROSS JOIN LATERAL (SELECT (s.kode::int - 800000) AS n, ((s.kode::int - 800000) / 7) % 6 AS st) x
WHERE u.username LIKE 'apr\_n%' OR u.username LIKE 'val\_n%';

INSERT INTO pengajuan (satker_kode, kppn_kode, diajukan_at, diajukan_by)
SELECT s.kode, s.kppn_kode, now() - make_interval(days => 20 + (s.kode::int) % 10), p.created_by
FROM satker s JOIN pejabat p ON p.satker_kode = s.kode AND p.jabatan = 'KUASA PENGGUNA ANGGARAN'
WHERE s.kode::int > 800000 AND ((s.kode::int - 800000) / 7) % 6 >= 1;

INSERT INTO berkas (pejabat_id, keperluan, nama_file, ukuran, sha256, isi, diunggah_at, diunggah_by, pengajuan_id,
                    status, cek_formulir, cek_sk_pejabat, cek_sk_user, cek_ktp, cek_spesimen, diputus_at)
SELECT p.id, 'AKTIVASI', 'b.pdf', 1, sha256('x'), 'x', j.diajukan_at, p.created_by, j.id, 'DITERIMA',
       true, true, true, true, true, j.diajukan_at + interval '2 days'
FROM pengajuan j JOIN pejabat p ON p.satker_kode = j.satker_kode AND p.jabatan = 'KUASA PENGGUNA ANGGARAN'
WHERE j.satker_kode::int > 800000 AND ((j.satker_kode::int - 800000) / 7) % 6 >= 2;

SET session_replication_role = DEFAULT;
ANALYZE pejabat, pengajuan, berkas;
SELECT count(*) AS satker_progres FROM (SELECT satker_progres_hitung(kode) FROM satker) x;

INSERT INTO audit_log (at, actor_user_id, actor_username, actor_role, satker_kode, client_addr, action, outcome, pejabat_id,
                       detail, scope_satker, scope_kppn)
SELECT now() - (g || ' seconds')::interval, p.user_id, 'n' || p.user_id, 'PPK', p.satker_kode, '10.0.0.1',
       (ARRAY['LIHAT_PEJABAT', 'VERIFIKASI_HP', 'REQUEST_OTP_AKTIVASI', 'AKTIVASI_OTP'])[1 + g % 4],
       (ARRAY['BERHASIL', 'BERHASIL', 'DITOLAK', 'GAGAL'])[1 + g % 4], p.id, 'uji beban', p.satker_kode, p.kppn_kode
FROM generate_series(1, 1000000) g JOIN pejabat p ON p.id = (SELECT min(id) FROM pejabat WHERE satker_kode > '800000') + g % 75000;

-- as a database that has run a while: the visibility map set (index-only scans), statistics
VACUUM ANALYZE;
