-- Issue 17: the regional offices (Kanwil DJPb) over the KPPN, the KANWIL and PUSAT roles that
-- watch the roll-out's progress on /pantau (read-only), and the indexes the board reads by.

CREATE TABLE kanwil (
    kode text PRIMARY KEY CHECK (kode ~ '^[0-9]{2}$'),
    nama text NOT NULL CHECK (length(nama) BETWEEN 1 AND 100)
);
ALTER TABLE kppn ADD COLUMN kanwil_kode text REFERENCES kanwil (kode);
CREATE INDEX kppn_kanwil ON kppn (kanwil_kode, kode);

ALTER TABLE app_user ADD COLUMN kanwil_kode text REFERENCES kanwil (kode);
ALTER TABLE app_user DROP CONSTRAINT app_user_role_check;
ALTER TABLE app_user ADD CONSTRAINT app_user_role_check
    CHECK (role IN ('ADMIN_LOKAL', 'KPA', 'PPSPM', 'PPK', 'CSO', 'OPERATOR', 'KANWIL', 'PUSAT'));
ALTER TABLE app_user DROP CONSTRAINT app_user_username_check;
ALTER TABLE app_user ADD CONSTRAINT app_user_username_check
    CHECK (username ~ '^(adm|apr|val|cso|opr|kwl|pst)_[a-z0-9_.]{1,60}$');
-- a CSO belongs to a KPPN, Kanwil to a region, the operator and Pusat to no unit, everyone
-- else to a satker
ALTER TABLE app_user DROP CONSTRAINT app_user_unit;
ALTER TABLE app_user ADD CONSTRAINT app_user_unit CHECK (
    CASE role
        WHEN 'CSO' THEN kppn_kode IS NOT NULL AND satker_kode IS NULL AND kanwil_kode IS NULL
        WHEN 'KANWIL' THEN kanwil_kode IS NOT NULL AND kppn_kode IS NULL AND satker_kode IS NULL
        WHEN 'OPERATOR' THEN kppn_kode IS NULL AND satker_kode IS NULL AND kanwil_kode IS NULL
        WHEN 'PUSAT' THEN kppn_kode IS NULL AND satker_kode IS NULL AND kanwil_kode IS NULL
        ELSE satker_kode IS NOT NULL AND kppn_kode IS NULL AND kanwil_kode IS NULL
    END
);
ALTER TABLE app_user DROP CONSTRAINT app_user_prefix;
ALTER TABLE app_user ADD CONSTRAINT app_user_prefix CHECK (
    (role = 'ADMIN_LOKAL' AND username LIKE 'adm\_%')
    OR (role IN ('KPA', 'PPSPM') AND username LIKE 'apr\_%')
    OR (role = 'PPK' AND username LIKE 'val\_%')
    OR (role = 'CSO' AND username LIKE 'cso\_%')
    OR (role = 'OPERATOR' AND username LIKE 'opr\_%')
    OR (role = 'KANWIL' AND username LIKE 'kwl\_%')
    OR (role = 'PUSAT' AND username LIKE 'pst\_%')
);
CREATE INDEX app_user_kanwil ON app_user (kanwil_kode) WHERE kanwil_kode IS NOT NULL;

-- Where each satker stands, kept by triggers as its pejabat, submissions and bundles change, so
-- that the national board reads 25,000 narrow rows instead of aggregating every pejabat: when it
-- first had a KPA, PPK or PPSPM recorded, a submission, an accepted activation bundle, and its
-- KPA, PPK and PPSPM AKTIF (the earliest live one of each).
CREATE TABLE satker_progres (
    satker_kode text PRIMARY KEY REFERENCES satker (kode) ON DELETE CASCADE,
    direkam     timestamptz,
    diajukan    timestamptz,
    diterima    timestamptz,
    kpa_aktif   timestamptz,
    ppk_aktif   timestamptz,
    ppspm_aktif timestamptz
);

-- Recomputes one satker's row. Locking the satker's row serialises recomputations of one
-- satker (a row lock, not an advisory one: a bulk change of thousands of satkers in one
-- transaction must not fill the lock table), and the upsert, a statement of its own in a
-- volatile function, then reads with a fresh snapshot that includes the changes of whoever
-- held the lock before: two steps of one satker at once never leave a stale row.
CREATE FUNCTION satker_progres_hitung(k text) RETURNS void LANGUAGE sql VOLATILE AS $$
    SELECT 1 FROM satker WHERE kode = k FOR NO KEY UPDATE;
    INSERT INTO satker_progres (satker_kode, direkam, diajukan, diterima, kpa_aktif, ppk_aktif, ppspm_aktif)
    SELECT k,
           min(p.created_at),
           (SELECT min(j.diajukan_at) FROM pengajuan j WHERE j.satker_kode = k),
           (SELECT min(b.diputus_at) FROM berkas b JOIN pejabat pb ON pb.id = b.pejabat_id
             WHERE pb.satker_kode = k AND b.status = 'DITERIMA' AND b.keperluan = 'AKTIVASI'),
           min(coalesce(p.aktif_at, p.updated_at)) FILTER (WHERE p.status = 'AKTIF' AND p.jabatan = 'KUASA PENGGUNA ANGGARAN'),
           min(coalesce(p.aktif_at, p.updated_at)) FILTER (WHERE p.status = 'AKTIF' AND p.jabatan = 'PEJABAT PEMBUAT KOMITMEN'),
           min(coalesce(p.aktif_at, p.updated_at)) FILTER (WHERE p.status = 'AKTIF' AND p.jabatan = 'PEJABAT SPM')
    FROM pejabat p
    WHERE p.satker_kode = k AND p.deleted_at IS NULL
      AND p.jabatan IN ('KUASA PENGGUNA ANGGARAN', 'PEJABAT PEMBUAT KOMITMEN', 'PEJABAT SPM')
    ON CONFLICT (satker_kode) DO UPDATE SET direkam = EXCLUDED.direkam, diajukan = EXCLUDED.diajukan,
        diterima = EXCLUDED.diterima, kpa_aktif = EXCLUDED.kpa_aktif, ppk_aktif = EXCLUDED.ppk_aktif,
        ppspm_aktif = EXCLUDED.ppspm_aktif;
$$;

-- Once per statement, for each satker its rows touched (in code order, so that two bulk
-- statements lock satkers in the same order): a bulk load recomputes a satker once, not once
-- per row.
CREATE FUNCTION satker_progres_pemicu() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'berkas' AND TG_OP = 'DELETE' THEN
        PERFORM satker_progres_hitung(k) FROM (
            SELECT DISTINCT p.satker_kode AS k FROM lama JOIN pejabat p ON p.id = lama.pejabat_id ORDER BY 1) x;
    ELSIF TG_TABLE_NAME = 'berkas' THEN
        PERFORM satker_progres_hitung(k) FROM (
            SELECT DISTINCT p.satker_kode AS k FROM baru JOIN pejabat p ON p.id = baru.pejabat_id ORDER BY 1) x;
    ELSIF TG_OP = 'INSERT' THEN
        PERFORM satker_progres_hitung(k) FROM (SELECT DISTINCT satker_kode AS k FROM baru ORDER BY 1) x;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM satker_progres_hitung(k) FROM (SELECT DISTINCT satker_kode AS k FROM lama ORDER BY 1) x;
    ELSE
        PERFORM satker_progres_hitung(k) FROM (
            SELECT satker_kode AS k FROM baru UNION SELECT satker_kode FROM lama ORDER BY 1) x;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER satker_progres_baru AFTER INSERT ON pejabat
    REFERENCING NEW TABLE AS baru FOR EACH STATEMENT EXECUTE FUNCTION satker_progres_pemicu();
CREATE TRIGGER satker_progres_ubah AFTER UPDATE ON pejabat
    REFERENCING NEW TABLE AS baru OLD TABLE AS lama FOR EACH STATEMENT EXECUTE FUNCTION satker_progres_pemicu();
CREATE TRIGGER satker_progres_hapus AFTER DELETE ON pejabat
    REFERENCING OLD TABLE AS lama FOR EACH STATEMENT EXECUTE FUNCTION satker_progres_pemicu();
CREATE TRIGGER satker_progres_baru AFTER INSERT ON pengajuan
    REFERENCING NEW TABLE AS baru FOR EACH STATEMENT EXECUTE FUNCTION satker_progres_pemicu();
CREATE TRIGGER satker_progres_ubah AFTER UPDATE ON pengajuan
    REFERENCING NEW TABLE AS baru OLD TABLE AS lama FOR EACH STATEMENT EXECUTE FUNCTION satker_progres_pemicu();
CREATE TRIGGER satker_progres_hapus AFTER DELETE ON pengajuan
    REFERENCING OLD TABLE AS lama FOR EACH STATEMENT EXECUTE FUNCTION satker_progres_pemicu();
CREATE TRIGGER satker_progres_baru AFTER INSERT ON berkas
    REFERENCING NEW TABLE AS baru FOR EACH STATEMENT EXECUTE FUNCTION satker_progres_pemicu();
CREATE TRIGGER satker_progres_ubah AFTER UPDATE ON berkas
    REFERENCING NEW TABLE AS baru OLD TABLE AS lama FOR EACH STATEMENT EXECUTE FUNCTION satker_progres_pemicu();
CREATE TRIGGER satker_progres_hapus AFTER DELETE ON berkas
    REFERENCING OLD TABLE AS lama FOR EACH STATEMENT EXECUTE FUNCTION satker_progres_pemicu();
SELECT satker_progres_hitung(kode) FROM satker;

-- activations by day
CREATE INDEX pejabat_aktif_at ON pejabat (aktif_at) INCLUDE (kppn_kode, satker_kode) WHERE deleted_at IS NULL AND status = 'AKTIF';
CREATE INDEX berkas_diterima ON berkas (pejabat_id) INCLUDE (diputus_at) WHERE status = 'DITERIMA' AND keperluan = 'AKTIVASI';
