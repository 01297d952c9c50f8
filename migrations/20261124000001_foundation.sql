-- Foundation: KPPN, satker, users, pejabat references, sessions, audit trail.
-- Labels stored are the ones SAKTI shows (e.g. 'PEJABAT SPM', 'VERIFIKASI PEJABAT').

CREATE TABLE kppn (
    kode text PRIMARY KEY CHECK (kode ~ '^[0-9]{3}$'),
    nama text NOT NULL CHECK (length(nama) BETWEEN 1 AND 100)
);

CREATE TABLE satker (
    kode      text PRIMARY KEY CHECK (kode ~ '^[0-9]{6}$'),
    nama      text NOT NULL CHECK (length(nama) BETWEEN 1 AND 200),
    kppn_kode text NOT NULL REFERENCES kppn (kode),
    -- lets pejabat reference (satker, kppn) so the KPPN is always the partner
    UNIQUE (kode, kppn_kode)
);
CREATE INDEX satker_kppn ON satker (kppn_kode, kode);

CREATE TABLE app_user (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      text NOT NULL UNIQUE CHECK (username ~ '^(adm|apr|val|cso)_[a-z0-9_.]{1,60}$'),
    nip           text CHECK (nip ~ '^[0-9]{18}$'),
    nama          text NOT NULL CHECK (length(nama) BETWEEN 1 AND 100),
    role          text NOT NULL CHECK (role IN ('ADMIN_LOKAL', 'KPA', 'PPSPM', 'PPK', 'CSO')),
    satker_kode   text REFERENCES satker (kode),
    kppn_kode     text REFERENCES kppn (kode),
    password_hash text NOT NULL,
    active        boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now(),
    -- a CSO belongs to a KPPN, everyone else to a satker
    CHECK ((role = 'CSO') = (kppn_kode IS NOT NULL AND satker_kode IS NULL)),
    CHECK (role = 'CSO' OR satker_kode IS NOT NULL),
    -- the SAKTI username prefix follows the role
    CHECK (
        (role = 'ADMIN_LOKAL' AND username LIKE 'adm\_%')
        OR (role IN ('KPA', 'PPSPM') AND username LIKE 'apr\_%')
        OR (role = 'PPK' AND username LIKE 'val\_%')
        OR (role = 'CSO' AND username LIKE 'cso\_%')
    ),
    UNIQUE (id, satker_kode)
);
CREATE INDEX app_user_satker ON app_user (satker_kode, nip);

CREATE TABLE pejabat (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    satker_kode     text NOT NULL,
    user_id         bigint NOT NULL,
    nip             text NOT NULL CHECK (nip ~ '^[0-9]{18}$'),
    nama            text NOT NULL CHECK (length(nama) BETWEEN 1 AND 100),
    tempat_lahir    text NOT NULL CHECK (length(tempat_lahir) BETWEEN 1 AND 60),
    tanggal_lahir   date NOT NULL,
    email           text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    no_hp           text NOT NULL CHECK (no_hp ~ '^\+628[0-9]{8,11}$'),
    alamat_domisili text NOT NULL CHECK (length(alamat_domisili) BETWEEN 1 AND 250),
    alamat_ktp      text NOT NULL CHECK (length(alamat_ktp) BETWEEN 1 AND 250),
    nomor_sk        text NOT NULL CHECK (length(nomor_sk) BETWEEN 1 AND 100),
    tanggal_sk      date NOT NULL CHECK (tanggal_sk > tanggal_lahir),
    jabatan         text NOT NULL CHECK (jabatan IN ('KUASA PENGGUNA ANGGARAN', 'PEJABAT PEMBUAT KOMITMEN',
                                                     'PEJABAT SPM', 'BENDAHARA', 'KEPALA KANTOR')),
    kppn_kode       text NOT NULL,
    status          text NOT NULL DEFAULT 'BARU'
                    CHECK (status IN ('BARU', 'VERIFIKASI PEJABAT', 'KIRIM', 'AKTIF')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    created_by      bigint NOT NULL REFERENCES app_user (id),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    -- "Hapus" only hides a reference: the record is never physically lost
    deleted_at      timestamptz,
    deleted_by      bigint REFERENCES app_user (id),
    CHECK ((deleted_at IS NULL) = (deleted_by IS NULL)),
    -- the user is one of the satker's, the KPPN is the satker's partner
    FOREIGN KEY (user_id, satker_kode) REFERENCES app_user (id, satker_kode),
    FOREIGN KEY (satker_kode, kppn_kode) REFERENCES satker (kode, kppn_kode)
);
-- one active reference per NIP and jabatan
CREATE UNIQUE INDEX pejabat_active_nip_jabatan ON pejabat (nip, jabatan) WHERE deleted_at IS NULL;
CREATE INDEX pejabat_satker_active ON pejabat (satker_kode, nama, id) WHERE deleted_at IS NULL;
CREATE INDEX pejabat_user ON pejabat (user_id) WHERE deleted_at IS NULL;

-- tower-sessions' PostgresStore schema, created here so the migrations own every table.
CREATE SCHEMA IF NOT EXISTS tower_sessions;
CREATE TABLE IF NOT EXISTS tower_sessions.session (
    id          text PRIMARY KEY NOT NULL,
    data        bytea NOT NULL,
    expiry_date timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS session_expiry ON tower_sessions.session (expiry_date);

CREATE TABLE audit_log (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at             timestamptz NOT NULL DEFAULT now(),
    actor_user_id  bigint REFERENCES app_user (id),
    -- for a failed login, the username that was tried
    actor_username text CHECK (length(actor_username) <= 200),
    actor_role     text,
    satker_kode    text,
    kppn_kode      text,
    client_addr    text,
    action         text NOT NULL,
    outcome        text NOT NULL CHECK (outcome IN ('BERHASIL', 'DITOLAK', 'GAGAL')),
    pejabat_id     bigint REFERENCES pejabat (id),
    detail         text NOT NULL DEFAULT '' CHECK (length(detail) <= 2000)
);
CREATE INDEX audit_log_satker ON audit_log (satker_kode, at DESC);
CREATE INDEX audit_log_kppn ON audit_log (kppn_kode, at DESC);

-- The trail is append-only.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log hanya boleh ditambah (append-only)';
END
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
