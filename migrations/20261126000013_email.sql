-- Email: its own outbox like the SMS, written in the transaction of the change it tells of,
-- delivered over SMTP when configured.

CREATE TABLE email_outbox (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    to_addr         text NOT NULL CHECK (length(to_addr) BETWEEN 3 AND 254),
    subject         text NOT NULL CHECK (length(subject) BETWEEN 1 AND 300),
    body            text NOT NULL,
    -- the body with any secret (a set-password link) masked; replaces `body` once sent or given up
    body_redacted   text NOT NULL,
    -- an iCalendar invitation sent as `undangan.ics`
    ics             text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    -- never sent from then on (a notice is stale, a link has expired)
    expires_at      timestamptz NOT NULL,
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    state           text NOT NULL DEFAULT 'ANTRE' CHECK (state IN ('ANTRE', 'TERKIRIM', 'GAGAL', 'KEDALUWARSA')),
    sent_at         timestamptz,
    last_error      text
);
CREATE INDEX email_outbox_due ON email_outbox (next_attempt_at) WHERE state = 'ANTRE';
