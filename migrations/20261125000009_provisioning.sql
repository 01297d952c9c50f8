-- Provisioning of real users: imported users start without a password and set one through a
-- single-use link; the national OPERATOR (no unit, sees no pejabat data) imports the lists.

ALTER TABLE app_user ALTER COLUMN password_hash DROP NOT NULL;
ALTER TABLE app_user ADD COLUMN email text CHECK (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' AND length(email) <= 254);
ALTER TABLE app_user ADD COLUMN no_hp text CHECK (no_hp ~ '^\+62[0-9]{8,13}$');
ALTER TABLE app_user ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();

ALTER TABLE app_user DROP CONSTRAINT app_user_role_check;
ALTER TABLE app_user ADD CONSTRAINT app_user_role_check
    CHECK (role IN ('ADMIN_LOKAL', 'KPA', 'PPSPM', 'PPK', 'CSO', 'OPERATOR'));
ALTER TABLE app_user DROP CONSTRAINT app_user_username_check;
ALTER TABLE app_user ADD CONSTRAINT app_user_username_check CHECK (username ~ '^(adm|apr|val|cso|opr)_[a-z0-9_.]{1,60}$');
-- a CSO belongs to a KPPN, the operator to no unit, everyone else to a satker
ALTER TABLE app_user DROP CONSTRAINT app_user_check;
ALTER TABLE app_user DROP CONSTRAINT app_user_check1;
ALTER TABLE app_user ADD CONSTRAINT app_user_unit CHECK (
    CASE role
        WHEN 'CSO' THEN kppn_kode IS NOT NULL AND satker_kode IS NULL
        WHEN 'OPERATOR' THEN kppn_kode IS NULL AND satker_kode IS NULL
        ELSE satker_kode IS NOT NULL AND kppn_kode IS NULL
    END
);
ALTER TABLE app_user DROP CONSTRAINT app_user_check2;
ALTER TABLE app_user ADD CONSTRAINT app_user_prefix CHECK (
    (role = 'ADMIN_LOKAL' AND username LIKE 'adm\_%')
    OR (role IN ('KPA', 'PPSPM') AND username LIKE 'apr\_%')
    OR (role = 'PPK' AND username LIKE 'val\_%')
    OR (role = 'CSO' AND username LIKE 'cso\_%')
    OR (role = 'OPERATOR' AND username LIKE 'opr\_%')
);
CREATE INDEX app_user_kppn ON app_user (kppn_kode) WHERE kppn_kode IS NOT NULL;

-- A set-password link: only its SHA-256 is stored; valid 72 h, used once.
CREATE TABLE password_link (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES app_user (id),
    token_hash bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    purpose    text NOT NULL CHECK (purpose IN ('UNDANGAN', 'RESET')),
    created_at timestamptz NOT NULL,
    created_by bigint REFERENCES app_user (id),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    CHECK (expires_at > created_at)
);
CREATE INDEX password_link_user ON password_link (user_id, id DESC);

-- An import the operator checked on its page and may now apply: the very bytes checked,
-- with the dry run's report.
CREATE TABLE impor_draf (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    daftar             text NOT NULL CHECK (daftar IN ('kppn', 'satker', 'users')),
    nama_file          text NOT NULL CHECK (length(nama_file) BETWEEN 1 AND 200),
    isi                bytea NOT NULL,
    deactivate_missing boolean NOT NULL,
    laporan            jsonb NOT NULL,
    created_at         timestamptz NOT NULL,
    created_by         bigint NOT NULL REFERENCES app_user (id),
    applied_at         timestamptz
);
