-- "Cek Formulir" names who deleted the reference a printed form belongs to and when; the
-- audit trail holds that line. Only deletions are indexed, by the reference they concern.
CREATE INDEX audit_log_hapus_pejabat ON audit_log (pejabat_id, id DESC)
    WHERE action = 'HAPUS_PEJABAT' AND outcome = 'BERHASIL';
