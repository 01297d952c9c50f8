-- OTP budgets that do not reset with a new code, the delivery state of every SMS, the
-- gateways' delivery reports, and the KPPN's contact for notices.

-- consecutive wrong codes on a reference, across codes; at the limit its OTP steps lock
-- until the CSO of its KPPN unlocks them
ALTER TABLE pejabat
    ADD COLUMN otp_salah       integer NOT NULL DEFAULT 0 CHECK (otp_salah >= 0),
    ADD COLUMN otp_terkunci_at timestamptz;

ALTER TABLE kppn
    ADD COLUMN telepon text CHECK (length(telepon) BETWEEN 3 AND 40),
    ADD COLUMN email   text CHECK (length(email) BETWEEN 3 AND 254);

ALTER TABLE sms_outbox
    -- a code SMS: its code, and the moment after which it must never be delivered
    ADD COLUMN otp_code_id bigint UNIQUE REFERENCES otp_code (id),
    ADD COLUMN expires_at  timestamptz,
    ADD COLUMN state       text NOT NULL DEFAULT 'ANTRE'
        CHECK (state IN ('ANTRE', 'TERKIRIM', 'DITERIMA', 'GAGAL', 'KEDALUWARSA')),
    -- the gateway that accepted it, and when its delivery report arrived
    ADD COLUMN gateway     text,
    ADD COLUMN received_at timestamptz,
    ADD CHECK ((otp_code_id IS NULL) = (expires_at IS NULL));
UPDATE sms_outbox SET state = 'TERKIRIM' WHERE delivered_at IS NOT NULL;
DROP INDEX sms_outbox_due;
CREATE INDEX sms_outbox_due ON sms_outbox (next_attempt_at) WHERE state = 'ANTRE';
-- the budgets: code SMS per destination number, and nationally per hour
CREATE INDEX sms_outbox_kode_phone ON sms_outbox (phone, created_at) WHERE otp_code_id IS NOT NULL;
CREATE INDEX sms_outbox_kode_created ON sms_outbox (created_at) WHERE otp_code_id IS NOT NULL;

-- delivery reports already applied, by their signature: a replayed report is refused
CREATE TABLE sms_kuitansi (
    mac         bytea PRIMARY KEY CHECK (length(mac) = 32),
    received_at timestamptz NOT NULL
);

-- the demo phone simulator's switch per number: "gateway down" refuses its messages
CREATE TABLE sms_simulator_gagal (
    phone text PRIMARY KEY CHECK (phone ~ '^\+628[0-9]{8,11}$')
);
