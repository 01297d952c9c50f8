-- Login abuse limits, kept in the database so they hold across instances.
ALTER TABLE app_user
    ADD COLUMN failed_logins integer NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
    ADD COLUMN locked_until  timestamptz;

-- Failed logins per client address (for any username, known or not).
CREATE TABLE login_failure (
    id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    addr text NOT NULL,
    at   timestamptz NOT NULL
);
CREATE INDEX login_failure_addr_at ON login_failure (addr, at DESC);
