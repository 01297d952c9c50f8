-- The activation ceremony (issue 26): an aktivasi code lives inside its session. A CSO takes
-- a booked session ("Ambil sesi") and holds it alone, under a short number both screens show;
-- the CSO may also open a walk-in session ("sesi langsung") with the pejabat in front of it.
ALTER TABLE jadwal
    ADD COLUMN dipegang_by bigint REFERENCES app_user (id),
    ADD COLUMN dipegang_at timestamptz,
    ADD COLUMN nomor_sesi  smallint CHECK (nomor_sesi BETWEEN 10 AND 999),
    ADD COLUMN langsung    boolean NOT NULL DEFAULT false,
    ADD CHECK ((dipegang_by IS NULL) = (dipegang_at IS NULL)),
    ADD CHECK ((dipegang_by IS NULL) = (nomor_sesi IS NULL)),
    ADD CHECK (NOT langsung OR dipegang_by IS NOT NULL);

-- the session an aktivasi code was requested in: only its holder may enter the code
ALTER TABLE otp_code ADD COLUMN jadwal_id bigint REFERENCES jadwal (id),
    ADD CHECK (jadwal_id IS NULL OR purpose = 'aktivasi');

-- what the CSO saw before entering the code, and the session it was entered in
ALTER TABLE pejabat
    ADD COLUMN aktivasi_jadwal bigint REFERENCES jadwal (id),
    ADD COLUMN aktivasi_ceklis jsonb;

-- codes requested before sessions held them would be entered by any CSO: void them (they
-- live two minutes; the pejabat asks again inside its session)
UPDATE otp_code SET state = 'VOID', closed_at = now() WHERE purpose = 'aktivasi' AND state = 'PENDING';

-- "Bukan saya": the pejabat reported a code it did not ask for or a caller it does not trust;
-- its OTP steps stay locked until its CSO, having checked with it, unlocks them with a reason
ALTER TABLE pejabat
    ADD COLUMN otp_dilaporkan_at timestamptz;

-- the signed evidence record of each activation: its exact text, the Ed25519 signature of it
-- (the key stays with the server) and the public key that checks it
CREATE TABLE bukti_aktivasi (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pejabat_id   bigint NOT NULL REFERENCES pejabat (id),
    isi          text NOT NULL,
    tanda        text NOT NULL CHECK (tanda ~ '^[0-9a-f]{128}$'),
    kunci_publik text NOT NULL CHECK (kunci_publik ~ '^[0-9a-f]{64}$'),
    dibuat_at    timestamptz NOT NULL
);
CREATE INDEX bukti_aktivasi_pejabat ON bukti_aktivasi (pejabat_id, id DESC);
