-- OTP codes (only their keyed hash), the SMS outbox, and the phone simulator's inbox.

CREATE TABLE otp_code (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- whose phone received the code (for kirim_data: the KPA's own reference)
    pejabat_id        bigint NOT NULL REFERENCES pejabat (id),
    purpose           text NOT NULL CHECK (purpose IN ('verifikasi_hp', 'aktivasi', 'kirim_data')),
    -- kirim_data: the PPK/PPSPM reference being sent; the code works for it alone
    target_pejabat_id bigint REFERENCES pejabat (id),
    code_mac          bytea NOT NULL CHECK (length(code_mac) = 32),
    sent_at           timestamptz NOT NULL,
    expires_at        timestamptz NOT NULL CHECK (expires_at > sent_at),
    wrong_tries       integer NOT NULL DEFAULT 0 CHECK (wrong_tries BETWEEN 0 AND 3),
    state             text NOT NULL DEFAULT 'PENDING' CHECK (state IN ('PENDING', 'USED', 'VOID')),
    closed_at         timestamptz,
    requested_by      bigint NOT NULL REFERENCES app_user (id),
    CHECK ((purpose = 'kirim_data') = (target_pejabat_id IS NOT NULL)),
    CHECK ((state = 'PENDING') = (closed_at IS NULL))
);
-- at most one pending code per pejabat and purpose: a new request voids the old one
CREATE UNIQUE INDEX otp_code_one_pending ON otp_code (pejabat_id, purpose) WHERE state = 'PENDING';
CREATE INDEX otp_code_pejabat_sent ON otp_code (pejabat_id, sent_at DESC);

CREATE TABLE sms_outbox (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    phone           text NOT NULL CHECK (phone ~ '^\+628[0-9]{8,11}$'),
    body            text NOT NULL,
    -- the text with any code masked; replaces `body` once delivered
    body_redacted   text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    last_error      text
);
CREATE INDEX sms_outbox_due ON sms_outbox (next_attempt_at) WHERE delivered_at IS NULL;

-- The built-in phone simulator: what each number has received.
CREATE TABLE sms_simulator (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    outbox_id   bigint NOT NULL UNIQUE REFERENCES sms_outbox (id),
    phone       text NOT NULL,
    body        text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sms_simulator_phone ON sms_simulator (phone, id DESC);

-- How each step happened.
ALTER TABLE pejabat
    ADD COLUMN verifikasi_hp_at timestamptz,
    ADD COLUMN kirim_at         timestamptz,
    ADD COLUMN aktif_at         timestamptz,
    ADD COLUMN aktivasi_mode    text CHECK (aktivasi_mode IN ('KPPN', 'VIDEO_CONFERENCE')),
    ADD COLUMN aktivasi_kuasa   text CHECK (length(aktivasi_kuasa) BETWEEN 1 AND 100),
    ADD COLUMN aktivasi_cso     bigint REFERENCES app_user (id);
