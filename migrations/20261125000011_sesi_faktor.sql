-- Sign-in and sessions (issue 14): sessions known per user, second factors, recovery codes,
-- known devices, and failure counts that a lock does not clear.

-- A login's session. The cookie's data lives in tower_sessions.session (it holds this row's
-- id); this row says whose it is, since when, from where, and when its user last acted or
-- authenticated. Deleting the row ends the session at its next request.
CREATE TABLE sesi (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES app_user (id),
    created_at timestamptz NOT NULL,
    seen_at    timestamptz NOT NULL,
    -- the last full authentication (login, or the step-up dialog)
    auth_at    timestamptz NOT NULL,
    addr       text CHECK (length(addr) <= 64),
    browser    text CHECK (length(browser) <= 300),
    CHECK (seen_at >= created_at AND auth_at >= created_at)
);
CREATE INDEX sesi_user ON sesi (user_id);

-- Second factors: passkeys (WebAuthn, the credential as webauthn-rs serialises it) and one
-- authenticator app (RFC 6238 TOTP, its base32 secret) per user.
CREATE TABLE faktor (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES app_user (id),
    jenis      text NOT NULL CHECK (jenis IN ('PASSKEY', 'TOTP')),
    nama       text NOT NULL CHECK (length(nama) BETWEEN 1 AND 60),
    data       jsonb NOT NULL,
    -- the passkey's credential id, so one authenticator is enrolled once
    credential text,
    created_at timestamptz NOT NULL,
    used_at    timestamptz,
    -- the last 30-second step a TOTP code was accepted for: a code is good once
    totp_step  bigint,
    CHECK ((jenis = 'PASSKEY') = (credential IS NOT NULL))
);
CREATE UNIQUE INDEX faktor_totp ON faktor (user_id) WHERE jenis = 'TOTP';
CREATE UNIQUE INDEX faktor_credential ON faktor (credential);
CREATE INDEX faktor_user ON faktor (user_id);

-- Ten single-use recovery codes per user, only their SHA-256 kept.
CREATE TABLE kode_pemulihan (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id   bigint NOT NULL REFERENCES app_user (id),
    hash      bytea NOT NULL CHECK (length(hash) = 32),
    used_at   timestamptz,
    UNIQUE (user_id, hash)
);

-- A browser that signed in well before (its cookie's token, SHA-256): its own failure
-- count, so failures from elsewhere cannot lock its user out.
CREATE TABLE perangkat (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id        bigint NOT NULL REFERENCES app_user (id),
    token_hash     bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at     timestamptz NOT NULL,
    seen_at        timestamptz NOT NULL,
    failed_logins  integer NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
    last_failed_at timestamptz
);
CREATE INDEX perangkat_user ON perangkat (user_id);

-- Consecutive failures are kept across locks; the lock follows from the count and the time
-- of the last failure (domain::login).
ALTER TABLE app_user DROP COLUMN locked_until;
ALTER TABLE app_user ADD COLUMN last_failed_at timestamptz;
