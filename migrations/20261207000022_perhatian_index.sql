-- The CSO console's "Perlu perhatian" (a reference locked by wrong codes or by "Bukan saya",
-- an AKTIF reference deleted in the last 30 days) read every pejabat of the KPPN: 43 ms at
-- 46,000 references, most of /cso's 121 ms in bench/perf.sh at scale. Locked means
-- otp_terkunci_at or otp_dilaporkan_at is set (Buka kunci clears both).
CREATE INDEX pejabat_perlu_perhatian ON pejabat (kppn_kode)
    WHERE deleted_at IS NULL AND (otp_terkunci_at IS NOT NULL OR otp_dilaporkan_at IS NOT NULL);
CREATE INDEX pejabat_aktif_dihapus ON pejabat (kppn_kode, deleted_at)
    WHERE status = 'AKTIF' AND deleted_at IS NOT NULL;
