-- Tamper evidence for the audit trail: each line carries a SHA-256 over its content and the
-- previous line's hash. Lines are chained in the order their transactions take the chain's
-- lock (`seq`), which is the order they commit, so concurrent actions never fork the chain.
-- `server audit verify` recomputes it and names the first line that does not match.

ALTER TABLE audit_log ADD COLUMN seq bigint;
ALTER TABLE audit_log ADD COLUMN prev_hash bytea;
ALTER TABLE audit_log ADD COLUMN hash bytea;
CREATE SEQUENCE audit_chain_seq;

-- The bytes a line's hash covers: every column but the chain's own, in a fixed text form
-- (UTC timestamps, NULL as an empty field), so the server and the verification agree.
CREATE FUNCTION audit_line_bytes(a audit_log) RETURNS bytea LANGUAGE sql STABLE AS $$
    SELECT convert_to(concat_ws(chr(31),
        a.id::text, a.seq::text,
        to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
        coalesce(a.actor_user_id::text, ''), coalesce(a.actor_username, ''), coalesce(a.actor_role, ''),
        coalesce(a.satker_kode, ''), coalesce(a.kppn_kode, ''), coalesce(a.client_addr, ''),
        a.action, a.outcome, coalesce(a.pejabat_id::text, ''), a.detail,
        coalesce(a.scope_satker, ''), coalesce(a.scope_kppn, '')), 'UTF8')
$$;

CREATE FUNCTION audit_chain() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- one writer at a time until commit: the previous line is the last committed one
    PERFORM pg_advisory_xact_lock(7310001);
    NEW.seq := nextval('audit_chain_seq');
    NEW.prev_hash := (SELECT hash FROM audit_log WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1);
    NEW.hash := sha256(coalesce(NEW.prev_hash, ''::bytea) || audit_line_bytes(NEW));
    RETURN NEW;
END
$$;

-- the lines written before the chain existed, in id order
ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update;
DO $$
DECLARE
    line audit_log;
    prev bytea := NULL;
BEGIN
    FOR line IN SELECT * FROM audit_log ORDER BY id LOOP
        line.seq := nextval('audit_chain_seq');
        line.prev_hash := prev;
        line.hash := sha256(coalesce(prev, ''::bytea) || audit_line_bytes(line));
        UPDATE audit_log SET seq = line.seq, prev_hash = line.prev_hash, hash = line.hash WHERE id = line.id;
        prev := line.hash;
    END LOOP;
END
$$;
ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update;

CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_chain();
CREATE UNIQUE INDEX audit_log_seq ON audit_log (seq);
