-- The CSO console lists the pejabat of one KPPN who wait for their activation (a KPA in
-- BARU, a PPK/PPSPM in KIRIM). With 20,000 pejabat in one KPPN the list read every row of
-- the table (32 ms); this partial index holds only those who wait (6 ms, bench/scale.sh).
CREATE INDEX pejabat_menunggu_aktivasi ON pejabat (kppn_kode)
    WHERE deleted_at IS NULL
      AND ((jabatan = 'KUASA PENGGUNA ANGGARAN' AND status = 'BARU')
        OR (jabatan IN ('PEJABAT PEMBUAT KOMITMEN', 'PEJABAT SPM') AND status = 'KIRIM'));
