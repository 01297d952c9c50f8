-- Refusals of callers who are not logged in (a page or a server function without a session, a
-- blocked login, a cross-site request), counted per client address, action and minute instead
-- of one audit line each: a flood of them no longer writes the trail line by line under its
-- chain's lock. When the minute is over the count becomes one line of the trail, with the first
-- refusal's detail (`backend::audit::tutup_hitungan`, every instance's worker and at shutdown).
CREATE TABLE audit_hitungan (
    addr     text NOT NULL,
    action   text NOT NULL,
    menit    timestamptz NOT NULL,
    jumlah   integer NOT NULL CHECK (jumlah > 0),
    -- the first refusal of the minute: what it tried and, for a login, the username
    contoh   text NOT NULL,
    username text,
    PRIMARY KEY (addr, action, menit)
);
