-- One request+verify OTP pair as the server runs it (backend::otp::request, ::submit, with
-- the session lookup and the caller's user row of each of the two HTTP requests), on a
-- random reference of the load data (bench/load.sql). Variables from bench/pgbench.sh:
-- lo/hi (the load references' ids), uid (a load user), sid (a session id).
\set pid random(:lo, :hi)
-- POST /api/otp_request
SELECT data FROM tower_sessions.session WHERE id = :sid AND expiry_date > now();
SELECT id, username, nama, nip, role, satker_kode, kppn_kode, kanwil_kode, password_hash, active, failed_logins, last_failed_at FROM app_user WHERE id = :uid;
BEGIN;
SELECT p.id, p.user_id, p.satker_kode, s.kppn_kode, p.nama, p.no_hp, p.jabatan, p.status
  FROM pejabat p JOIN satker s ON s.kode = p.satker_kode WHERE p.id = :pid AND p.deleted_at IS NULL FOR UPDATE OF p;
SELECT max(sent_at) FROM otp_code WHERE pejabat_id = :pid AND purpose = 'verifikasi_hp' AND target_pejabat_id IS NOT DISTINCT FROM NULL::bigint;
SELECT count(*) FROM otp_code WHERE pejabat_id = :pid AND sent_at >= date_trunc('day', now() AT TIME ZONE 'Asia/Jakarta') AT TIME ZONE 'Asia/Jakarta';
UPDATE otp_code SET state = 'VOID', closed_at = now() WHERE pejabat_id = :pid AND purpose = 'verifikasi_hp' AND state = 'PENDING';
INSERT INTO otp_code (pejabat_id, purpose, target_pejabat_id, code_mac, sent_at, expires_at, requested_by)
  VALUES (:pid, 'verifikasi_hp', NULL, sha256(random()::text::bytea), now(), now() + interval '2 minutes', :uid);
INSERT INTO sms_outbox (phone, body, body_redacted)
  VALUES ('+6289900000001', 'Yth. PPK, Kode Otentifikasi Anda: 123456. Dikirim 2026-11-24 10:00:00', 'Yth. PPK, Kode Otentifikasi Anda: ******. Dikirim 2026-11-24 10:00:00');
WITH unit AS (SELECT coalesce((SELECT satker_kode FROM pejabat WHERE id = :pid), '790000') AS satker)
  INSERT INTO audit_log (actor_user_id, actor_username, actor_role, satker_kode, kppn_kode, client_addr, action, outcome,
                         pejabat_id, detail, scope_satker, scope_kppn)
  SELECT :uid, 'val_load_0', 'PPK', '790000', NULL, '127.0.0.1', 'REQUEST_OTP_VERIFIKASI_HP', 'BERHASIL', :pid,
         'kode VERIFIKASI_HP dikirim ke HP PPK pejabat', unit.satker, coalesce((SELECT kppn_kode FROM satker WHERE kode = unit.satker), NULL)
  FROM unit;
SELECT pg_notify('sakti_perubahan', s.kppn_kode || ':' || s.kode) FROM satker s WHERE s.kode = '790000';
COMMIT;
-- POST /api/otp_submit
SELECT data FROM tower_sessions.session WHERE id = :sid AND expiry_date > now();
SELECT id, username, nama, nip, role, satker_kode, kppn_kode, kanwil_kode, password_hash, active, failed_logins, last_failed_at FROM app_user WHERE id = :uid;
BEGIN;
SELECT p.id, p.user_id, p.satker_kode, s.kppn_kode, p.nama, p.no_hp, p.jabatan, p.status
  FROM pejabat p JOIN satker s ON s.kode = p.satker_kode WHERE p.id = :pid AND p.deleted_at IS NULL FOR UPDATE OF p;
SELECT id, code_mac, expires_at, wrong_tries, state, target_pejabat_id FROM otp_code
  WHERE pejabat_id = :pid AND purpose = 'verifikasi_hp' ORDER BY id DESC LIMIT 1 FOR UPDATE;
UPDATE otp_code SET state = 'USED', closed_at = now() WHERE id = (SELECT max(id) FROM otp_code WHERE pejabat_id = :pid);
UPDATE pejabat SET status = status, verifikasi_hp_at = now(), updated_at = now(),
       aktivasi_mode = COALESCE(NULL, aktivasi_mode), aktivasi_kuasa = COALESCE(NULL, aktivasi_kuasa)
  WHERE id = :pid AND status = status;
WITH unit AS (SELECT coalesce((SELECT satker_kode FROM pejabat WHERE id = :pid), '790000') AS satker)
  INSERT INTO audit_log (actor_user_id, actor_username, actor_role, satker_kode, kppn_kode, client_addr, action, outcome,
                         pejabat_id, detail, scope_satker, scope_kppn)
  SELECT :uid, 'val_load_0', 'PPK', '790000', NULL, '127.0.0.1', 'VERIFIKASI_HP', 'BERHASIL', :pid,
         'BARU → VERIFIKASI PEJABAT', unit.satker, coalesce((SELECT kppn_kode FROM satker WHERE kode = unit.satker), NULL)
  FROM unit;
SELECT pg_notify('sakti_perubahan', s.kppn_kode || ':' || s.kode) FROM satker s WHERE s.kode = '790000';
COMMIT;
