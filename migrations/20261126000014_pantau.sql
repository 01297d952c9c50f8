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

-- the board reads each satker's first steps from its live pejabat, and activations by day
CREATE INDEX pejabat_pantau ON pejabat (satker_kode) INCLUDE (jabatan, status, created_at, aktif_at)
    WHERE deleted_at IS NULL;
CREATE INDEX pejabat_aktif_at ON pejabat (aktif_at) INCLUDE (kppn_kode) WHERE deleted_at IS NULL AND status = 'AKTIF';
