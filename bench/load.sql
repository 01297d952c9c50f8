-- Issue 6, point 3: the data of the OTP load test, on top of the demo and scale data.
-- 64 satkers in KPPN 019, each with one PPK user (val_load_0 … val_load_63) owning 400
-- references in status BARU, each with its own phone number, so that every request+verify
-- pair of the load generator is a first request for that reference (no cool-down, no cap).
INSERT INTO satker (kode, nama, kppn_kode)
SELECT (790000 + c)::text, 'SATKER BEBAN ' || c, '019' FROM generate_series(0, 63) c;

INSERT INTO app_user (username, nip, nama, role, satker_kode, password_hash)
SELECT 'val_load_' || c, (300000000000000000 + c)::text, 'PPK Beban ' || c, 'PPK', (790000 + c)::text,
       (SELECT password_hash FROM app_user WHERE username = 'adm_561403')
FROM generate_series(0, 63) c;

INSERT INTO pejabat (satker_kode, user_id, nip, nama, tempat_lahir, tanggal_lahir, email, no_hp, alamat_domisili,
                     alamat_ktp, nomor_sk, tanggal_sk, jabatan, kppn_kode, status, created_by)
SELECT u.satker_kode, u.id, (400000000000000000 + c * 1000 + r)::text, 'PPK Beban ' || c || '-' || r, 'Jakarta',
       date '1985-05-05', 'beban' || c || '.' || r || '@kemenkeu.go.id',
       '+62899' || lpad((c * 1000 + r)::text, 8, '0'), 'Jakarta', 'Jakarta', 'SK-B-' || c || '-' || r,
       date '2026-01-05', 'PEJABAT PEMBUAT KOMITMEN', '019', 'BARU',
       (SELECT id FROM app_user WHERE username = 'adm_561403')
FROM generate_series(0, 63) c
JOIN app_user u ON u.username = 'val_load_' || c
CROSS JOIN generate_series(1, 400) r;

ANALYZE;
