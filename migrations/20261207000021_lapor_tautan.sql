-- "Bukan saya" from the email notice (issue 26): when an aktivasi code is sent, a pejabat with
-- an email on record is told of it with a one-time report link that needs no login. Only the
-- token's SHA-256 is kept; the link works once, for a few days.
CREATE TABLE lapor_tautan (
    token_hash  bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    pejabat_id  bigint NOT NULL REFERENCES pejabat (id) ON DELETE CASCADE,
    dibuat_at   timestamptz NOT NULL,
    berlaku_sampai timestamptz NOT NULL,
    dipakai_at  timestamptz,
    CHECK (berlaku_sampai > dibuat_at)
);
CREATE INDEX lapor_tautan_pejabat ON lapor_tautan (pejabat_id);
