-- One OTP request + verify pair (POST /api/otp_request, /api/otp_submit) of a load PPK on a random reference
-- Written by bench/capture.sh from the statements the server ran (log_statement = 'all');
-- do not edit by hand: run bench/capture.sh. Variables: otp_code_id, pid, sesi, sid, uid.
\set pid random(:lo, :hi)
select data from "tower_sessions"."session" where id = :sid and expiry_date > now();
SELECT s.created_at, s.seen_at, s.auth_at, u.id, u.username, u.nama, u.nip, u.role, u.satker_kode, u.kppn_kode, u.kanwil_kode, u.password_hash, u.active, u.failed_logins, u.last_failed_at FROM sesi s JOIN app_user u ON u.id = s.user_id WHERE s.id = :sesi AND s.user_id = :uid;
BEGIN;
SELECT p.id, p.user_id, p.satker_kode, s.kppn_kode, p.nama, p.nip, p.no_hp, p.jabatan, p.status, p.otp_salah, p.otp_dilaporkan_at IS NOT NULL AS otp_dilaporkan FROM pejabat p JOIN satker s ON s.kode = p.satker_kode WHERE p.id = :pid AND p.deleted_at IS NULL FOR UPDATE OF p;
SELECT max(sent_at) FROM otp_code WHERE pejabat_id = :pid AND purpose = 'verifikasi_hp' AND target_pejabat_id IS NOT DISTINCT FROM NULL;
SELECT count(*) FROM otp_code WHERE pejabat_id = :pid AND sent_at >= (now() + interval '-35630 seconds');
SELECT count(*) FILTER (WHERE o.created_at > (now() + interval '-600 seconds') AND c.jadwal_id IS NULL) AS in_window, min(o.created_at) FILTER (WHERE o.created_at > (now() + interval '-600 seconds') AND c.jadwal_id IS NULL) AS oldest_in_window, count(*) FILTER (WHERE o.created_at >= (now() + interval '-35630 seconds')) AS today FROM sms_outbox o JOIN otp_code c ON c.id = o.otp_code_id WHERE o.phone = (SELECT no_hp FROM pejabat WHERE id = :pid) AND o.created_at >= least((now() + interval '-600 seconds'), (now() + interval '-35630 seconds')) AND o.created_at <= now();
SELECT count(*) FROM sms_outbox WHERE otp_code_id IS NOT NULL AND created_at > (now() + interval '-3600 seconds') AND created_at <= now();
UPDATE otp_code SET state = 'VOID', closed_at = now() WHERE pejabat_id = :pid AND purpose = 'verifikasi_hp' AND state = 'PENDING';
INSERT INTO otp_code (pejabat_id, purpose, target_pejabat_id, code_mac, sent_at, expires_at, requested_by, jadwal_id) VALUES (:pid, 'verifikasi_hp', NULL, sha256(random()::text::bytea), now(), (now() + interval '120 seconds'), :uid, NULL) RETURNING id \gset otp_code_
INSERT INTO sms_outbox (phone, body, body_redacted, otp_code_id, expires_at, created_at, next_attempt_at) VALUES ((SELECT no_hp FROM pejabat WHERE id = :pid), 'Yth Pejabat PPK Satker 790000. Kode Otentifikasi Anda: 716235. Kode berlaku 2 menit. Waktu kirim 2026-12-08 09:53:49 WIB.', 'Yth Pejabat PPK Satker 790000. Kode Otentifikasi Anda: ******. Kode berlaku 2 menit. Waktu kirim 2026-12-08 09:53:49 WIB.', :otp_code_id, (now() + interval '120 seconds'), now(), now());
WITH unit AS (SELECT coalesce((SELECT satker_kode FROM pejabat WHERE id = :pid), '790000') AS satker) INSERT INTO audit_log (actor_user_id, actor_username, actor_role, satker_kode, kppn_kode, client_addr, action, outcome, pejabat_id, detail, scope_satker, scope_kppn, mac_nonce, mac) SELECT :uid, 'val_load_0', 'PPK', '790000', NULL, '127.0.0.1', 'REQUEST_OTP_VERIFIKASI_HP', 'BERHASIL', :pid, 'kode verifikasi_hp dikirim ke HP PPK pejabat', unit.satker, coalesce((SELECT kppn_kode FROM satker WHERE kode = unit.satker), NULL), decode(md5(random()::text), 'hex'), sha256(random()::text::bytea) FROM unit;
COMMIT;
SELECT set_config('synchronous_commit', 'off', true), pg_notify('sakti_perubahan', concat_ws(':', coalesce(k.kanwil_kode, ''), s.kppn_kode, s.kode)) FROM satker s JOIN kppn k ON k.kode = s.kppn_kode WHERE s.kode = '790000';
select data from "tower_sessions"."session" where id = :sid and expiry_date > now();
SELECT s.created_at, s.seen_at, s.auth_at, u.id, u.username, u.nama, u.nip, u.role, u.satker_kode, u.kppn_kode, u.kanwil_kode, u.password_hash, u.active, u.failed_logins, u.last_failed_at FROM sesi s JOIN app_user u ON u.id = s.user_id WHERE s.id = :sesi AND s.user_id = :uid;
BEGIN;
SELECT p.id, p.user_id, p.satker_kode, s.kppn_kode, p.nama, p.nip, p.no_hp, p.jabatan, p.status, p.otp_salah, p.otp_dilaporkan_at IS NOT NULL AS otp_dilaporkan FROM pejabat p JOIN satker s ON s.kode = p.satker_kode WHERE p.id = :pid AND p.deleted_at IS NULL FOR UPDATE OF p;
SELECT id, code_mac, expires_at, wrong_tries, state, target_pejabat_id FROM otp_code WHERE pejabat_id = :pid AND purpose = 'verifikasi_hp' ORDER BY id DESC LIMIT 1 FOR UPDATE;
UPDATE otp_code SET state = 'USED', closed_at = now() WHERE id = :otp_code_id;
UPDATE pejabat SET otp_salah = 0 WHERE id = :pid AND otp_salah > 0;
UPDATE pejabat SET status = 'VERIFIKASI PEJABAT', verifikasi_hp_at = now(), updated_at = now() WHERE id = :pid AND status = 'BARU';
WITH unit AS (SELECT coalesce((SELECT satker_kode FROM pejabat WHERE id = :pid), '790000') AS satker) INSERT INTO audit_log (actor_user_id, actor_username, actor_role, satker_kode, kppn_kode, client_addr, action, outcome, pejabat_id, detail, scope_satker, scope_kppn, mac_nonce, mac) SELECT :uid, 'val_load_0', 'PPK', '790000', NULL, '127.0.0.1', 'VERIFIKASI_HP', 'BERHASIL', :pid, 'BARU → VERIFIKASI PEJABAT', unit.satker, coalesce((SELECT kppn_kode FROM satker WHERE kode = unit.satker), NULL), decode(md5(random()::text), 'hex'), sha256(random()::text::bytea) FROM unit;
COMMIT;
SELECT set_config('synchronous_commit', 'off', true), pg_notify('sakti_perubahan', concat_ws(':', coalesce(k.kanwil_kode, ''), s.kppn_kode, s.kode)) FROM satker s JOIN kppn k ON k.kode = s.kppn_kode WHERE s.kode = '790000';
