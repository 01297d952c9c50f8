-- Printed forms, document bundles and submissions, the CSO's desk, activation sessions,
-- and the change of an active pejabat's OTP number.

-- Every form printed: its verification code and the data it showed.
CREATE TABLE formulir_cetak (
    kode       text PRIMARY KEY CHECK (kode ~ '^[0-9A-Z]{4}-[0-9A-Z]{4}$'),
    pejabat_id bigint NOT NULL REFERENCES pejabat (id),
    jenis      text NOT NULL CHECK (jenis IN ('informasi-pejabat', 'aktivasi-otp', 'ubah-nomor-otp')),
    -- the printed values, to compare with the record when the CSO looks the code up
    isi        jsonb NOT NULL,
    dicetak_at timestamptz NOT NULL,
    dicetak_by bigint NOT NULL REFERENCES app_user (id)
);
CREATE INDEX formulir_cetak_pejabat ON formulir_cetak (pejabat_id, dicetak_at DESC);

-- A change of an AKTIF pejabat's OTP number, step by step.
CREATE TABLE ubah_nomor (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pejabat_id    bigint NOT NULL REFERENCES pejabat (id),
    no_hp_lama    text NOT NULL CHECK (no_hp_lama ~ '^\+628[0-9]{8,11}$'),
    no_hp_baru    text NOT NULL CHECK (no_hp_baru ~ '^\+628[0-9]{8,11}$'),
    tahap         text NOT NULL CHECK (tahap IN ('VERIFIKASI NOMOR BARU', 'PERSETUJUAN KPA', 'PENGAJUAN BERKAS',
                                                 'KONFIRMASI CSO', 'SELESAI', 'BATAL')),
    diajukan_at   timestamptz NOT NULL,
    diajukan_by   bigint NOT NULL REFERENCES app_user (id),
    verifikasi_at timestamptz,
    disetujui_at  timestamptz,
    disetujui_by  bigint REFERENCES app_user (id),
    selesai_at    timestamptz,
    selesai_by    bigint REFERENCES app_user (id),
    CHECK (no_hp_baru <> no_hp_lama)
);
-- one change under way per pejabat
CREATE UNIQUE INDEX ubah_nomor_berjalan ON ubah_nomor (pejabat_id) WHERE tahap NOT IN ('SELESAI', 'BATAL');

-- A submission ("Pengajuan Formulir Aktivasi OTP SAKTI Satker"): the bundles a satker sends at once.
CREATE TABLE pengajuan (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    satker_kode text NOT NULL,
    kppn_kode   text NOT NULL,
    diajukan_at timestamptz NOT NULL,
    diajukan_by bigint NOT NULL REFERENCES app_user (id),
    FOREIGN KEY (satker_kode, kppn_kode) REFERENCES satker (kode, kppn_kode)
);
CREATE INDEX pengajuan_kppn ON pengajuan (kppn_kode, diajukan_at DESC);
CREATE INDEX pengajuan_satker ON pengajuan (satker_kode, diajukan_at DESC);

-- One signed, scanned PDF bundle for one pejabat: uploaded as a draft, sent with the
-- satker's submission, then accepted or returned by the CSO. A replaced draft is kept.
CREATE TABLE berkas (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pejabat_id    bigint NOT NULL REFERENCES pejabat (id),
    keperluan     text NOT NULL CHECK (keperluan IN ('AKTIVASI', 'UBAH_NOMOR')),
    ubah_nomor_id bigint REFERENCES ubah_nomor (id),
    nama_file     text NOT NULL CHECK (length(nama_file) BETWEEN 1 AND 200),
    ukuran        integer NOT NULL CHECK (ukuran BETWEEN 1 AND 10485760),
    sha256        bytea NOT NULL CHECK (length(sha256) = 32),
    isi           bytea NOT NULL,
    diunggah_at   timestamptz NOT NULL,
    diunggah_by   bigint NOT NULL REFERENCES app_user (id),
    pengajuan_id  bigint REFERENCES pengajuan (id),
    status        text NOT NULL DEFAULT 'DRAF'
                  CHECK (status IN ('DRAF', 'DIGANTI', 'DIAJUKAN', 'DITERIMA', 'DIKEMBALIKAN')),
    cek_formulir  boolean NOT NULL DEFAULT false,
    cek_sk_pejabat boolean NOT NULL DEFAULT false,
    cek_sk_user   boolean NOT NULL DEFAULT false,
    cek_ktp       boolean NOT NULL DEFAULT false,
    cek_spesimen  boolean NOT NULL DEFAULT false,
    alasan        text CHECK (length(alasan) BETWEEN 1 AND 500),
    diputus_at    timestamptz,
    diputus_by    bigint REFERENCES app_user (id),
    CHECK (length(isi) = ukuran),
    CHECK ((keperluan = 'UBAH_NOMOR') = (ubah_nomor_id IS NOT NULL)),
    CHECK ((status IN ('DRAF', 'DIGANTI')) = (pengajuan_id IS NULL)),
    CHECK ((status = 'DIKEMBALIKAN') = (alasan IS NOT NULL)),
    CHECK ((status IN ('DITERIMA', 'DIKEMBALIKAN')) = (diputus_at IS NOT NULL)),
    -- nothing is accepted without every item of the checklist
    CHECK (status <> 'DITERIMA' OR (cek_formulir AND cek_sk_pejabat AND cek_sk_user AND cek_ktp AND cek_spesimen))
);
-- one live bundle per pejabat and purpose (a returned one makes room for the next)
CREATE UNIQUE INDEX berkas_hidup ON berkas (pejabat_id, keperluan, coalesce(ubah_nomor_id, 0))
    WHERE status IN ('DRAF', 'DIAJUKAN', 'DITERIMA');
CREATE INDEX berkas_pengajuan ON berkas (pengajuan_id);

-- Activation sessions the CSO schedules with a satker.
CREATE TABLE jadwal (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    satker_kode text NOT NULL,
    kppn_kode   text NOT NULL,
    mulai       timestamptz NOT NULL,
    mode        text NOT NULL CHECK (mode IN ('KPPN', 'VIDEO_CONFERENCE')),
    tautan      text CHECK (tautan ~ '^https://' AND length(tautan) <= 500),
    catatan     text NOT NULL DEFAULT '' CHECK (length(catatan) <= 500),
    dibuat_at   timestamptz NOT NULL,
    dibuat_by   bigint NOT NULL REFERENCES app_user (id),
    kehadiran   text CHECK (kehadiran IN ('HADIR', 'TIDAK HADIR')),
    hasil       text CHECK (length(hasil) BETWEEN 1 AND 500),
    dicatat_at  timestamptz,
    dicatat_by  bigint REFERENCES app_user (id),
    CHECK ((mode = 'VIDEO_CONFERENCE') = (tautan IS NOT NULL)),
    CHECK ((kehadiran IS NULL) = (dicatat_at IS NULL)),
    FOREIGN KEY (satker_kode, kppn_kode) REFERENCES satker (kode, kppn_kode)
);
CREATE INDEX jadwal_kppn_mulai ON jadwal (kppn_kode, mulai);
CREATE INDEX jadwal_satker_mulai ON jadwal (satker_kode, mulai DESC);

-- Two more code purposes: the new number's own check, and the KPA's approval of a change.
ALTER TABLE otp_code DROP CONSTRAINT otp_code_purpose_check;
ALTER TABLE otp_code ADD CONSTRAINT otp_code_purpose_check
    CHECK (purpose IN ('verifikasi_hp', 'aktivasi', 'kirim_data', 'ubah_nomor', 'setuju_ubah_nomor'));
ALTER TABLE otp_code DROP CONSTRAINT otp_code_check1;
ALTER TABLE otp_code ADD CONSTRAINT otp_code_target_check
    CHECK ((purpose IN ('kirim_data', 'setuju_ubah_nomor')) = (target_pejabat_id IS NOT NULL));
