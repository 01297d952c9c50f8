-- The main queries at scale, as the server sends them (parameters filled in).
\echo '== Tabel Pejabat: one satker, first page, no filter'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT id, nama, nip, tanggal_lahir, jabatan, status, user_id = 1 AS milik_saya FROM pejabat
WHERE satker_kode = '711000' AND deleted_at IS NULL AND ('' = '' OR nama ILIKE '%%')
ORDER BY nama, id LIMIT 10 OFFSET 0;
\echo '== CSO console: KPPN 019, pejabat waiting'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT s.kode, s.nama, p.id, p.nama, p.nip, p.jabatan, p.status, p.no_hp, c.sent_at
FROM pejabat p
JOIN satker s ON s.kode = p.satker_kode
LEFT JOIN otp_code c ON c.pejabat_id = p.id AND c.purpose = 'aktivasi' AND c.state = 'PENDING' AND c.expires_at > now()
WHERE p.kppn_kode = '019' AND p.deleted_at IS NULL
  AND ((p.jabatan = 'KUASA PENGGUNA ANGGARAN' AND p.status = 'BARU')
    OR (p.jabatan IN ('PEJABAT PEMBUAT KOMITMEN', 'PEJABAT SPM') AND p.status = 'KIRIM'))
ORDER BY c.sent_at DESC NULLS LAST, s.kode, p.nama LIMIT 500;
\echo '== Audit page: the CSO of KPPN 019, first page'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT a.id, a.at, a.action, p.nama FROM audit_log a LEFT JOIN pejabat p ON p.id = a.pejabat_id
WHERE a.scope_kppn = '019' ORDER BY a.id DESC LIMIT 50;
\echo '== Audit page: the CSO of KPPN 019, count (capped at 10,001)'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT count(*) FROM (SELECT 1 FROM audit_log a LEFT JOIN pejabat p ON p.id = a.pejabat_id
                      WHERE a.scope_kppn = '019' LIMIT 10001) AS matching;
\echo '== Audit page: the admin of one satker, first page'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT a.id, a.at, a.action, p.nama FROM audit_log a LEFT JOIN pejabat p ON p.id = a.pejabat_id
WHERE a.scope_satker = '711000' ORDER BY a.id DESC LIMIT 50;
\echo '== Audit page: the admin of one satker, count'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT count(*) FROM (SELECT 1 FROM audit_log a LEFT JOIN pejabat p ON p.id = a.pejabat_id
                      WHERE a.scope_satker = '711000' LIMIT 10001) AS matching;
