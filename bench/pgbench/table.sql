-- One GET /pejabat as the server renders it: the session lookup, the caller's user row for
-- `whoami` and for `pejabat_daftar`, and the two queries of backend::pejabat::list (first
-- page of the demo satker 561403, no filter). Variables from bench/pgbench.sh: adm (the
-- Admin Lokal's user id), sid (a session id).
SELECT data FROM tower_sessions.session WHERE id = :sid AND expiry_date > now();
SELECT id, username, nama, nip, role, satker_kode, kppn_kode, kanwil_kode, password_hash, active, failed_logins, last_failed_at FROM app_user WHERE id = :adm;
SELECT id, username, nama, nip, role, satker_kode, kppn_kode, kanwil_kode, password_hash, active, failed_logins, last_failed_at FROM app_user WHERE id = :adm;
SELECT count(*) FROM pejabat WHERE satker_kode = '561403' AND deleted_at IS NULL
  AND ('' = '' OR nama ILIKE '%' OR nip LIKE '%' OR jabatan ILIKE '%' OR status ILIKE '%');
SELECT id, nama, nip, tanggal_lahir, jabatan, status, user_id = :adm AS milik_saya FROM pejabat
  WHERE satker_kode = '561403' AND deleted_at IS NULL
    AND ('' = '' OR nama ILIKE '%' OR nip LIKE '%' OR jabatan ILIKE '%' OR status ILIKE '%')
  ORDER BY nama, id LIMIT 10 OFFSET 0;
